/**
 * Node HTTP request ↔ FC3 HTTP-trigger invocation, the way FC3 presents it to a built-in runtime: the
 * event is a Buffer of JSON, repeated headers are comma-joined, binary bodies are base64-encoded, and
 * the role's temporary keys arrive in `context.credentials`.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';

export interface Fc3Credentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
}

const TEXTUAL = /^(text\/|application\/(json|x-www-form-urlencoded|xml)|$)/i;

export function fc3Event(req: IncomingMessage, body: Buffer, requestId: string): Buffer {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  const spelling = new Map<string, string>();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] as string;
    const value = req.rawHeaders[i + 1] as string;
    const key = spelling.get(name.toLowerCase()) ?? name;
    spelling.set(name.toLowerCase(), key);
    headers[key] = key in headers ? `${headers[key]},${value}` : value;
  }
  const queryParameters: Record<string, string> = {};
  for (const [key, value] of url.searchParams) queryParameters[key] = key in queryParameters ? `${queryParameters[key]},${value}` : value;
  const binary = body.length > 0 && !TEXTUAL.test(String(req.headers['content-type'] ?? ''));
  const now = new Date();
  return Buffer.from(
    JSON.stringify({
      version: 'v1',
      rawPath: url.pathname,
      body: binary ? body.toString('base64') : body.toString('utf8'),
      isBase64Encoded: binary,
      headers,
      queryParameters,
      requestContext: {
        accountId: '1234567890123456',
        domainName: req.headers.host ?? 'localhost',
        domainPrefix: 'local',
        http: {
          method: req.method ?? 'GET',
          path: url.pathname,
          protocol: `HTTP/${req.httpVersion}`,
          sourceIp: req.socket.remoteAddress ?? '',
          userAgent: String(req.headers['user-agent'] ?? ''),
        },
        requestId,
        time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        timeEpoch: String(now.getTime()),
      },
    }),
  );
}

export function fc3Context(requestId: string, region: string, credentials: Fc3Credentials | undefined) {
  return {
    requestId,
    credentials,
    function: { name: 'stsgate', handler: 'index.handler', memory: 128, timeout: 10 },
    service: { logProject: '', logStore: '', qualifier: 'LATEST', versionId: '' },
    region,
    accountId: '1234567890123456',
  };
}
