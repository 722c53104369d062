/**
 * Loopback stand-in for the STS endpoint, used by the differential test against the official SDK: it records
 * exactly what arrived on the wire and answers every request with a well-formed AssumeRole success body, so the
 * SDK completes each call normally (no retries, no error paths).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CapturedRequest {
  readonly method: string;
  /** The request target exactly as sent, e.g. `/?DurationSeconds=900&Policy=...`. */
  readonly rawUrl: string;
  /** Header names lower-cased (HTTP names are case-insensitive); values as received. */
  readonly headers: Readonly<Record<string, string>>;
  /** Names that arrived more than once. The signer takes one value per name, so the test insists this is empty. */
  readonly duplicateHeaders: readonly string[];
  readonly body: string;
}

export interface CaptureServer {
  /** `host:port`, the form the SDK's `endpoint` option expects (no scheme). */
  readonly endpoint: string;
  readonly requests: CapturedRequest[];
  close(): Promise<void>;
}

export const FAKE_STS_RESPONSE = {
  RequestId: '6894B13B-6D71-4EF5-88FA-F32781734A7F',
  AssumedRoleUser: {
    Arn: 'acs:ram::123456789012****:role/oss-upload/user-42',
    AssumedRoleId: '34458433936495****:user-42',
  },
  Credentials: {
    AccessKeyId: 'STS.NUgYrLnoC37mZZCNnAbez****',
    AccessKeySecret: 'CVwjCkNzTMupZ8NbTCxCBRq3K16jtcWFTJAyBEv2****',
    SecurityToken: 'CAIShQJ1q6Ft5B2yfSjIr5****',
    Expiration: '2026-11-22T06:18:01Z',
  },
} as const;

/**
 * Rebuilds headers from `rawHeaders` rather than `req.headers`: Node silently merges or drops repeated headers
 * there, which would hide a duplicate the SDK might have signed differently.
 */
function collectHeaders(req: IncomingMessage): { headers: Record<string, string>; duplicates: string[] } {
  const headers: Record<string, string> = {};
  const duplicates: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    if (name in headers) duplicates.push(name);
    headers[name] = req.rawHeaders[i + 1]!;
  }
  return { headers, duplicates };
}

export async function startCaptureServer(): Promise<CaptureServer> {
  const requests: CapturedRequest[] = [];
  // Generated policies percent-encode to several KB of URL; keep well clear of Node's 16 KB default.
  const server: Server = createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const { headers, duplicates } = collectHeaders(req);
      requests.push({
        method: req.method ?? '',
        rawUrl: req.url ?? '',
        headers,
        duplicateHeaders: duplicates,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(200, { 'content-type': 'application/json;charset=utf-8' });
      res.end(JSON.stringify(FAKE_STS_RESPONSE));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // The SDK's HTTP agent keeps connections alive; drop them or close() waits for their idle timeout.
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/**
 * Decodes the query of a raw request target into a map, strictly: `decodeURIComponent` (not URLSearchParams,
 * which would turn a literal `+` into a space) and an error on repeated keys, which a map cannot represent.
 */
export function decodeQuery(rawUrl: string): { path: string; query: Record<string, string> } {
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query: Record<string, string> = {};
  if (q >= 0 && q < rawUrl.length - 1) {
    for (const pair of rawUrl.slice(q + 1).split('&')) {
      const eq = pair.indexOf('=');
      const key = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
      const value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1));
      if (Object.hasOwn(query, key)) throw new Error(`repeated query key ${JSON.stringify(key)} in ${rawUrl}`);
      query[key] = value;
    }
  }
  return { path, query };
}

/** Splits `ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..` into its parts. */
export function parseAuthorization(value: string): { algorithm: string; credential: string; signedHeaders: string; signature: string } {
  const match = /^(\S+) Credential=([^,]*),SignedHeaders=([^,]*),Signature=([0-9a-f]{64})$/.exec(value);
  if (!match) throw new Error(`unexpected Authorization header: ${value}`);
  return { algorithm: match[1]!, credential: match[2]!, signedHeaders: match[3]!, signature: match[4]! };
}
