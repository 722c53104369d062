/**
 * Loopback stand-in for `sts.tencentcloudapi.com`, used by the differential test against the official Node SDK: it
 * records exactly what arrived on the wire and answers every request with a well-formed AssumeRole success body, so
 * the SDK completes each call normally (it has no retry logic, but a non-200 or an `Error` object would throw).
 *
 * Two ways to point the SDK at it:
 *  - `agent`: an HTTP agent that connects every request to this server whatever the URL says. The SDK then keeps
 *    its default endpoint `sts.tencentcloudapi.com` (only `protocol: 'http://'` changes), so the Host header, the
 *    signed host and the service name (`sts`, taken from the endpoint's first label) are exactly production's.
 *  - `endpoint` (`127.0.0.1:<port>`) for `profile.httpProfile.endpoint`. Works, but the SDK then derives service
 *    `127` and signs the host without the port (see the test that pins this).
 */
import { Agent, createServer, type ClientRequestArgs, type IncomingMessage, type Server } from 'node:http';
import { createConnection, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

export interface CapturedRequest {
  readonly method: string;
  /** The request target exactly as sent, e.g. `/`. */
  readonly rawUrl: string;
  /** Header names lower-cased (HTTP names are case-insensitive); values as received. */
  readonly headers: Readonly<Record<string, string>>;
  /** Names that arrived more than once. The signer takes one value per name, so the test insists this is empty. */
  readonly duplicateHeaders: readonly string[];
  /** Raw body bytes, and their UTF-8 decoding (what the signer hashes). */
  readonly bodyBytes: Buffer;
  readonly body: string;
}

export interface CaptureServer {
  /** `127.0.0.1:<port>`, the form `httpProfile.endpoint` expects (no scheme). */
  readonly endpoint: string;
  /** Routes every connection to this server (keep-alive, so 300+ calls stay fast). */
  readonly agent: Agent;
  readonly requests: CapturedRequest[];
  close(): Promise<void>;
}

/** Shape of a successful `AssumeRole` (API 1312/48197): `Response.{Credentials, ExpiredTime, Expiration, RequestId}`. */
export const FAKE_ASSUME_ROLE_RESPONSE = {
  Response: {
    Credentials: {
      Token: 'fake-session-token-0123456789abcdefghijklmnopqrstuvwxyz',
      TmpSecretId: 'AKIDfakeTmpSecretId0123456789abcdef',
      TmpSecretKey: 'fakeTmpSecretKey0123456789abcdef',
    },
    ExpiredTime: 1795329600,
    Expiration: '2026-11-22T08:00:00Z',
    RequestId: '4a4d8b4c-0e6f-4f7a-9c1e-2b3d4e5f6a7b',
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

/** An agent that ignores the URL's host and port and always dials the loopback server. */
class LoopbackAgent extends Agent {
  constructor(private readonly port: number) {
    super({ keepAlive: true });
  }

  override createConnection(_options: ClientRequestArgs, _callback?: (err: Error | null, stream: Duplex) => void): Duplex {
    return createConnection({ host: '127.0.0.1', port: this.port });
  }
}

export async function startCaptureServer(): Promise<CaptureServer> {
  const requests: CapturedRequest[] = [];
  const server: Server = createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const { headers, duplicates } = collectHeaders(req);
      const bodyBytes = Buffer.concat(chunks);
      requests.push({
        method: req.method ?? '',
        rawUrl: req.url ?? '',
        headers,
        duplicateHeaders: duplicates,
        bodyBytes,
        body: bodyBytes.toString('utf8'),
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(FAKE_ASSUME_ROLE_RESPONSE));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const agent = new LoopbackAgent(port);
  return {
    endpoint: `127.0.0.1:${port}`,
    agent,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        agent.destroy();
        // Keep-alive sockets would otherwise hold close() until their idle timeout.
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/**
 * Splits `TC3-HMAC-SHA256 Credential=<id>/<date>/<service>/tc3_request, SignedHeaders=.., Signature=..`. The id is
 * matched greedily, so an id containing `/` still parses (the date and service that follow are unambiguous).
 */
export function parseTc3Authorization(value: string): {
  algorithm: string;
  secretId: string;
  date: string;
  service: string;
  signedHeaders: string;
  signature: string;
} {
  const match = /^(\S+) Credential=(.*)\/(\d{4}-\d{2}-\d{2})\/([^/]*)\/tc3_request, SignedHeaders=([^,]*), Signature=([0-9a-f]{64})$/.exec(value);
  if (!match) throw new Error(`unexpected Authorization header: ${value}`);
  return {
    algorithm: match[1]!,
    secretId: match[2]!,
    date: match[3]!,
    service: match[4]!,
    signedHeaders: match[5]!,
    signature: match[6]!,
  };
}
