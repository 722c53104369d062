/**
 * Loopback stand-in for an STS endpoint, used by the differential tests against the official SDKs: it records
 * exactly what arrived on the wire and answers every request with the given well-formed AssumeRole success body, so
 * the SDK completes each call normally (no retries, no error paths).
 *
 * Two ways to point an SDK at it:
 *  - `endpoint` (`127.0.0.1:<port>`), for SDKs that take a host and port. The Aliyun SDK signs that exactly; the
 *    Tencent SDK then derives service `127` and signs the host without the port (see the test that pins this).
 *  - `agent`: an HTTP agent that connects every request to this server whatever the URL says. The Tencent SDK then
 *    keeps its default endpoint `sts.tencentcloudapi.com` (only `protocol: 'http://'` changes), so the Host header,
 *    the signed host and the service name (`sts`, taken from the endpoint's first label) are exactly production's.
 */
import { Agent, createServer, type ClientRequestArgs, type IncomingMessage, type Server } from 'node:http';
import { createConnection, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

export interface CapturedRequest {
  readonly method: string;
  /** The request target exactly as sent, e.g. `/?DurationSeconds=900&Policy=...` (Aliyun RPC) or `/` (Tencent). */
  readonly rawUrl: string;
  /** Header names lower-cased (HTTP names are case-insensitive); values as received. */
  readonly headers: Readonly<Record<string, string>>;
  /** Names that arrived more than once. The signer takes one value per name, so the tests insist this is empty. */
  readonly duplicateHeaders: readonly string[];
  /** Raw body bytes, and their UTF-8 decoding (what the signer hashes). */
  readonly bodyBytes: Buffer;
  readonly body: string;
}

export interface CaptureServer {
  /** `127.0.0.1:<port>`, the form the SDKs' endpoint options expect (no scheme). */
  readonly endpoint: string;
  /** Routes every connection to this server (keep-alive, so hundreds of calls stay fast). */
  readonly agent: Agent;
  readonly requests: CapturedRequest[];
  close(): Promise<void>;
}

/** The success answer: a JSON body and the content type the real endpoint sends with it. */
export interface CannedResponse {
  readonly body: object;
  readonly contentType: string;
}

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

export async function startCaptureServer(response: CannedResponse): Promise<CaptureServer> {
  const requests: CapturedRequest[] = [];
  const responseText = JSON.stringify(response.body);
  // Generated policies percent-encode to several KB of URL; keep well clear of Node's 16 KB default.
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
      res.writeHead(200, { 'content-type': response.contentType });
      res.end(responseText);
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
        // The SDKs' HTTP agents keep connections alive; drop them or close() waits for their idle timeout.
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
