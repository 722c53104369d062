/**
 * Node HTTP request ↔ FunctionGraph invocation behind an APIG trigger, the way FunctionGraph presents it
 * to a Node.js function: a parsed event with lower-case headers and, as APIG does by default, the body
 * base64-encoded; a context object of getter methods carrying the agency's token and temporary keys.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';

export interface AgencyCredentials {
  token: string;
  accessKeyId: string;
  secretKey: string;
  securityToken: string;
}

export function apigEvent(req: IncomingMessage, body: Buffer, requestId: string) {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return {
    body: body.toString('base64'),
    requestContext: { apiId: 'local', requestId, stage: 'RELEASE', sourceIp: req.socket.remoteAddress ?? '' },
    queryStringParameters: Object.fromEntries(url.searchParams),
    httpMethod: req.method ?? 'GET',
    pathParameters: {},
    headers,
    path: url.pathname,
    isBase64Encoded: true,
  };
}

/** Without an agency (`undefined`) every credential getter returns an empty string, as on the platform. */
export function functionGraphContext(requestId: string, agency: AgencyCredentials | undefined, timeoutMs = 10_000) {
  const started = Date.now();
  return {
    getRequestID: () => requestId,
    getRemainingTimeInMilliSeconds: () => timeoutMs - (Date.now() - started),
    getRunningTimeInSeconds: () => timeoutMs / 1000,
    getToken: () => agency?.token ?? '',
    getSecurityAccessKey: () => agency?.accessKeyId ?? '',
    getSecuritySecretKey: () => agency?.secretKey ?? '',
    getSecurityToken: () => agency?.securityToken ?? '',
    getFunctionName: () => 'stsgate',
  };
}
