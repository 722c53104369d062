/**
 * A scripted token endpoint for the client's unit tests: an injected `fetch` that records every call and
 * answers with real `Response` objects, from a queue of responders or a default one. The values it
 * issues are obviously fake, and no test prints them.
 */
import { vi } from 'vitest';

export const ENDPOINT = 'https://sts.example.com/aliyun';
export const T0 = Date.parse('2026-03-01T00:00:00Z');

export interface RecordedCall {
  readonly at: number;
  readonly url: string;
  readonly method: string | undefined;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
  readonly credentials: RequestCredentials | undefined;
  readonly signal: AbortSignal | undefined;
}

export type Responder = (call: RecordedCall) => Response | Promise<Response>;

export interface FakeEndpoint {
  readonly fetch: typeof fetch;
  readonly calls: RecordedCall[];
  /** Answers the next calls, in order; after them, the default responder answers. */
  next(...responders: Responder[]): void;
}

export function fakeEndpoint(fallback: Responder = issue()): FakeEndpoint {
  const calls: RecordedCall[] = [];
  const queue: Responder[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const call: RecordedCall = {
      at: Date.now(),
      url: String(input),
      method: init?.method,
      headers: { ...(init?.headers as Record<string, string> | undefined) },
      body: typeof init?.body === 'string' ? init.body : undefined,
      credentials: init?.credentials,
      signal: init?.signal ?? undefined,
    };
    calls.push(call);
    return (queue.shift() ?? fallback)(call);
  });
  return { fetch: fetch as unknown as typeof fetch, calls, next: (...responders) => queue.push(...responders) };
}

let issued = 0;

export interface IssueOptions {
  /** Lifetime (expiredTime − startTime), seconds. Default 900. */
  readonly lifetimeSeconds?: number;
  /** Seconds left on the server's clock when answered. Default: the whole lifetime. */
  readonly remainingSeconds?: number;
  /** The server's clock minus the local one, ms. Default 0. */
  readonly serverAheadMs?: number;
  /** Send a `Date` header. Default true; a string sends that text instead. */
  readonly date?: boolean | string;
  readonly body?: Record<string, unknown>;
}

/** A 200 with a new set of credentials (a new `accessKeyId` each time), times on the server's clock. */
export function issue(options: IssueOptions = {}): Responder {
  return () => {
    const lifetime = options.lifetimeSeconds ?? 900;
    const serverNow = Date.now() + (options.serverAheadMs ?? 0);
    const expiredTime = Math.floor(serverNow / 1000) + (options.remainingSeconds ?? lifetime);
    issued += 1;
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' };
    if (options.date !== false) headers.Date = typeof options.date === 'string' ? options.date : new Date(serverNow).toUTCString();
    return new Response(JSON.stringify({ ...credentialsBody(expiredTime - lifetime, expiredTime, issued), ...options.body }), { status: 200, headers });
  };
}

export function credentialsBody(startTime: number, expiredTime: number, n = 1): Record<string, unknown> {
  return {
    provider: 'aliyun',
    accessKeyId: `STS.fake-id-${n}`,
    accessKeySecret: `fake-secret-${n}`,
    securityToken: `fake-security-token-${n}`,
    expiration: new Date(expiredTime * 1000).toISOString().replace('.000', ''),
    startTime,
    expiredTime,
    bucket: 'media',
    region: 'cn-hangzhou',
    prefix: 'users/alice/',
    actions: ['put'],
  };
}

/** stsgate's JSON error answer. */
export function answer(status: number, error?: string, headers: Record<string, string> = {}): Responder {
  return () =>
    new Response(JSON.stringify({ error: error ?? 'server_error', error_description: `fake ${status}` }), {
      status,
      headers: { 'Content-Type': 'application/json', ...headers },
    });
}

/** What fetch does when the network is down. */
export function networkDown(): Responder {
  return () => Promise.reject(new TypeError('Failed to fetch'));
}

/** Never answers; rejects as fetch does when the request's signal aborts. */
export function hang(): Responder {
  return (call) =>
    new Promise((_, reject) => {
      call.signal?.addEventListener('abort', () => reject(new DOMException('The operation was aborted.', 'AbortError')));
    });
}

/** Never answers and ignores the signal, as some fetch polyfills do. */
export function hangIgnoringAbort(): Responder {
  return () => new Promise(() => undefined);
}

/** Lets a test decide when (and with what) a call is answered. */
export function deferred(): { responder: Responder; resolve: (response: Response | Promise<Response>) => void } {
  let resolve!: (response: Response | Promise<Response>) => void;
  const promise = new Promise<Response>((r) => (resolve = r));
  return { responder: () => promise, resolve };
}

/** Settles `promise` into a value or an error without letting it reject unhandled while timers advance. */
export function settle<T>(promise: Promise<T>): () => { value?: T; error?: unknown; settled: boolean } {
  const state: { value?: T; error?: unknown; settled: boolean } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { value, settled: true }),
    (error: unknown) => Object.assign(state, { error, settled: true }),
  );
  return () => state;
}

/**
 * A JWT-shaped login token for `claims` (default issuer `https://login.example.com/`), unsigned: the
 * client reads the payload only to tell users apart, it never verifies (the endpoint does).
 */
export function fakeJwt(claims: { sub?: unknown; iss?: unknown; [name: string]: unknown }): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'ES256', typ: 'JWT' })}.${part({ iss: 'https://login.example.com/', iat: 1_772_323_200, ...claims })}.c2lnbmF0dXJl`;
}
