/**
 * The one HTTP client behind every outbound call (STS, IAM, metadata services, the JWKS), built on
 * node:http and node:https rather than the global fetch. fetch is undici, which costs about 20 ms to
 * load at cold start and about 0.3 ms more per call than node:http; a token service makes one or two
 * small calls per request and needs none of fetch's features.
 *
 * What every call gets:
 * - one timeout for the whole exchange (connect, send, headers and body);
 * - redirects refused: a 3xx is an error, never followed, so a compromised or misconfigured endpoint
 *   cannot send signed requests or key lookups elsewhere;
 * - a cap on the response body, so a hostile or broken endpoint cannot fill the function's memory;
 * - TLS verified by Node's defaults (nothing here loosens them);
 * - keep-alive connections shared across warm invocations, closed after a few idle seconds, with one
 *   retry when a reused connection turns out to have been closed by the server (see `isStaleSocket`).
 *
 * Failures are {@link HttpClientError}s whose `kind` callers map to their own contract. Messages never
 * carry a header or body: they may hold a signature or a key.
 *
 * @module
 */
import { Agent, type ClientRequest, type IncomingMessage, request as plainRequest, type RequestOptions } from 'node:http';

export type HttpFailure = 'timeout' | 'network' | 'redirect' | 'too-large';

export class HttpClientError extends Error {
  override readonly name = 'HttpClientError';
  constructor(
    /** timeout: no complete answer in time; network: not sent or not received (TLS errors included); redirect: a 3xx; too-large: the body cap. */
    readonly kind: HttpFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** For the whole exchange, in milliseconds; 0 or less fails at once as a timeout. */
  readonly timeoutMs: number;
  /** Largest response body accepted, in bytes (default {@link DEFAULT_MAX_BODY_BYTES}). */
  readonly maxBodyBytes?: number;
}

export interface HttpResponse {
  readonly status: number;
  /** The body decoded as UTF-8. */
  readonly text: string;
}

/** STS, IAM and metadata answers are a few kilobytes; a JWKS rarely reaches tens. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Idle keep-alive connections are closed after this long, as undici (fetch) does by default. */
const IDLE_SOCKET_MS = 4000;

const USER_AGENT = 'stsgate';

interface Transport {
  readonly request: typeof plainRequest;
  readonly agent: Agent;
}

const http: Transport = { request: plainRequest, agent: new Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }) };
let https: Promise<Transport> | undefined;

/**
 * node:https (and with it node:tls) is loaded on the first https call rather than at cold start, so a
 * function whose endpoints are all plain http (loopback emulators, metadata services) never pays for it.
 */
function httpsTransport(): Promise<Transport> {
  https ??= import('node:https').then((m) => ({ request: m.request, agent: new m.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }) }));
  return https;
}

export async function httpRequest(url: URL, request: HttpRequest): Promise<HttpResponse> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new HttpClientError('network', `unsupported protocol ${url.protocol}`);
  const transport = url.protocol === 'https:' ? await httpsTransport() : http;
  const headers: Record<string, string> = { 'user-agent': USER_AGENT, ...request.headers };
  // A length rather than chunked encoding, as fetch sends: some endpoints refuse a chunked POST or PUT.
  if (request.method !== 'GET') headers['content-length'] = String(Buffer.byteLength(request.body ?? ''));
  const deadline = Date.now() + request.timeoutMs;
  for (;;) {
    try {
      return await send(transport, url, { method: request.method, headers, agent: transport.agent }, request, deadline);
    } catch (error) {
      // Ends: each stale connection is destroyed as it fails, and a new connection is never "stale".
      if (!isStaleSocket(error)) throw error;
    }
  }
}

/** The error of a request sent on a kept-alive connection the server had closed meanwhile. */
class StaleSocketError extends HttpClientError {}

/**
 * A server may close an idle keep-alive connection just as a request goes out on it (or while a
 * function instance sat frozen between invocations). The request never reached the server, so it is
 * sent once more on a new connection, as Node's documentation recommends (`request.reusedSocket`).
 */
const isStaleSocket = (error: unknown): error is StaleSocketError => error instanceof StaleSocketError;

function send(transport: Transport, url: URL, options: RequestOptions, request: HttpRequest, deadline: number): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    if (deadline <= Date.now()) return reject(new HttpClientError('timeout', 'no time left for the request'));
    const maxBytes = request.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    let req: ClientRequest | undefined;
    let responded = false;
    let settled = false;
    const finish = (error: HttpClientError | undefined, response?: HttpResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        // Destroyed rather than drained: the connection is not reused after an error or a refusal.
        req?.destroy();
        reject(error);
      } else {
        resolve(response!);
      }
    };
    const timer = setTimeout(() => finish(new HttpClientError('timeout', 'no complete answer within the timeout')), Math.max(0, deadline - Date.now()));

    const onResponse = (res: IncomingMessage) => {
      responded = true;
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400) return finish(new HttpClientError('redirect', `refused a redirect (HTTP ${status})`));
      const tooLarge = () => finish(new HttpClientError('too-large', `the response body exceeds ${maxBytes} bytes`));
      if (Number(res.headers['content-length']) > maxBytes) return tooLarge();
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) return tooLarge();
        chunks.push(chunk);
      });
      res.on('end', () => finish(undefined, { status, text: Buffer.concat(chunks, size).toString('utf8') }));
      res.on('error', (error) => finish(new HttpClientError('network', 'the response could not be read', { cause: error })));
      res.on('close', () => {
        if (!res.complete) finish(new HttpClientError('network', 'the connection closed before the response ended'));
      });
    };

    try {
      req = transport.request(url, options, onResponse);
    } catch (error) {
      // Node refuses a header value with a control character, say, before anything is sent.
      return finish(new HttpClientError('network', 'the request could not be sent', { cause: error }));
    }
    req.on('error', (error: NodeJS.ErrnoException) => {
      const stale = req?.reusedSocket && !responded && (error.code === 'ECONNRESET' || error.code === 'EPIPE');
      finish(new (stale ? StaleSocketError : HttpClientError)('network', 'the request failed', { cause: error }));
    });
    req.end(request.body);
  });
}
