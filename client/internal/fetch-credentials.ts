/**
 * One exchange with the token endpoint: attempts, per-attempt timeouts and retries, for keys or for a
 * signed upload or download (the same rules for every route). Knows nothing of caching; it returns the
 * answer with what is needed to place it on the local clock.
 *
 * @module
 */
import { abortedError, StsClientError, UnauthorizedError } from '../errors.js';
import type { StsCredentials } from '../types.js';
import { backoffDelay, parseRetryAfter } from './backoff.js';
import type { ResolvedOptions } from './options.js';
import { parseCredentials } from './response-body.js';

/** A 200's answer, parsed, with when it arrived. */
export interface Exchanged<T> {
  readonly value: T;
  /** Local time (the `now()` clock) when the answer arrived. */
  readonly receivedAt: number;
  /** The server's clock at that moment, from its `Date` header, when the header was readable. */
  readonly serverDate: number | undefined;
}

export interface FetchedCredentials extends Omit<Exchanged<StsCredentials>, 'value'> {
  readonly credentials: StsCredentials;
}

/** Network errors, timeouts, 429 and 5xx: worth another attempt, and worth falling back to valid keys. */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof StsClientError)) return false;
  if (error.code === 'network_error') return true;
  return error.code === 'http_error' && error.status !== undefined && (error.status === 429 || error.status >= 500);
}

/**
 * The login token for an attempt (from 1), ready for the header. Asked again for every attempt, so a
 * token the app refreshed meanwhile is used; may throw to end the exchange (e.g. the user changed).
 */
export type TokenForAttempt = (attempt: number) => string | Promise<string>;

export interface ExchangeRequest<T> {
  /** The route: the keys endpoint, or its `uploads` or `downloads` sibling. */
  readonly url: string;
  /** The JSON body, or undefined for none. */
  readonly body: string | undefined;
  readonly tokenFor: TokenForAttempt;
  /** Turns a 200's body into the answer, or throws StsClientError `invalid_response` (not retried). */
  readonly parse: (text: string) => T;
  /** Ends the exchange at once, during an attempt or between two, with StsClientError `aborted`. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Resolves with the parsed answer, or rejects with the last attempt's StsClientError, or with whatever
 * `tokenFor` threw (unchanged: a `getToken` error is the app's own, and retrying it is the app's business).
 */
export async function exchange<T>(options: ResolvedOptions, request: ExchangeRequest<T>): Promise<Exchanged<T>> {
  const { signal } = request;
  for (let attempt = 1; ; attempt += 1) {
    if (signal?.aborted) throw abortedError('the token endpoint request', signal);
    const outcome = await attemptOnce(options, request, await request.tokenFor(attempt));
    if (!('retryable' in outcome)) return outcome;
    if (attempt >= options.maxAttempts) throw outcome.retryable;
    await sleep(backoffDelay(attempt, outcome.retryAfterMs, options), signal);
  }
}

/** Temporary keys from the keys endpoint. */
export async function fetchCredentials(options: ResolvedOptions, body: string | undefined, tokenFor: TokenForAttempt): Promise<FetchedCredentials> {
  const { value, receivedAt, serverDate } = await exchange(options, { url: options.endpoint, body, tokenFor, parse: parseCredentials });
  return { credentials: value, receivedAt, serverDate };
}

type AttemptOutcome<T> = Exchanged<T> | { readonly retryable: StsClientError; readonly retryAfterMs?: number };

async function attemptOnce<T>(options: ResolvedOptions, request: ExchangeRequest<T>, token: string): Promise<AttemptOutcome<T>> {
  const { body, signal } = request;
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';

  const deadline = startDeadline(options.timeoutMs, signal);
  try {
    let response: Response;
    let text: string;
    try {
      // credentials: 'omit': the endpoint authenticates by the Bearer token alone; cookies for its
      // domain have no business there, and omitting them keeps the CORS rules simple.
      response = await deadline.race(
        options.fetch(request.url, { method: 'POST', headers, body, credentials: 'omit', signal: deadline.signal }),
      );
      // The body is read under the same deadline: a server can stall after the headers, too.
      text = await deadline.race(response.text());
    } catch (error) {
      if (signal?.aborted) throw abortedError('the token endpoint request', signal);
      const message = deadline.expired
        ? `the token endpoint did not answer within ${options.timeoutMs} ms`
        : 'the token endpoint could not be reached';
      return { retryable: new StsClientError('network_error', message, { cause: deadline.expired ? undefined : error }) };
    }
    const receivedAt = options.now();

    if (response.ok) {
      return { value: request.parse(text), receivedAt, serverDate: parseDate(response.headers.get('Date')) };
    }
    const { error, description } = parseErrorBody(text);
    const status = response.status;
    if (status === 401) {
      throw new UnauthorizedError(`the token endpoint refused the login token (401${error ? ` ${error}` : ''}); log in again`, { error, description });
    }
    const failure = new StsClientError('http_error', `the token endpoint answered ${status}${error ? ` ${error}` : ''}`, { status, error, description });
    if (status === 429 || status >= 500) return { retryable: failure, retryAfterMs: parseRetryAfter(response.headers.get('Retry-After')) };
    throw failure;
  } finally {
    deadline.cancel();
  }
}

interface Deadline {
  readonly signal: AbortSignal;
  readonly expired: boolean;
  /**
   * Settles with `promise`, or rejects when the deadline passes. Raced, not just aborted: some fetch
   * polyfills (mini-program webviews, older bundles) ignore the signal.
   */
  race<T>(promise: Promise<T>): Promise<T>;
  cancel(): void;
}

/** Ends with the timeout, or earlier when the caller's `abortSignal` aborts (then `expired` stays false). */
function startDeadline(timeoutMs: number, abortSignal: AbortSignal | undefined): Deadline {
  const controller = new AbortController();
  let expired = false;
  let onExpiry: (() => void) | undefined;
  const expiry = new Promise<never>((_, reject) => {
    onExpiry = () => reject(new Error('timeout'));
  });
  // The expiry promise may never be raced (a synchronous throw before the first race); keep it quiet.
  expiry.catch(() => undefined);
  const end = () => {
    controller.abort();
    onExpiry?.();
  };
  const timer = setTimeout(() => {
    expired = true;
    end();
  }, timeoutMs);
  abortSignal?.addEventListener('abort', end);
  if (abortSignal?.aborted) end();
  return {
    signal: controller.signal,
    get expired() {
      return expired;
    },
    race: (promise) => Promise.race([promise, expiry]),
    cancel: () => {
      clearTimeout(timer);
      abortSignal?.removeEventListener('abort', end);
    },
  };
}

/** Waits `ms`; ends early, rejecting with `aborted`, when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError('the token endpoint request', signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function parseDate(header: string | null): number | undefined {
  if (header === null) return undefined;
  const ms = Date.parse(header);
  return Number.isFinite(ms) ? ms : undefined;
}

/** The error body's `error` and `error_description`, bounded, when it is stsgate's JSON error shape. */
function parseErrorBody(text: string): { error?: string; description?: string } {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body !== 'object' || body === null) return {};
    const { error, error_description: description } = body as Record<string, unknown>;
    return {
      ...(typeof error === 'string' && /^[\w.-]{1,64}$/.test(error) ? { error } : {}),
      ...(typeof description === 'string' ? { description: description.slice(0, 300) } : {}),
    };
  } catch {
    return {};
  }
}
