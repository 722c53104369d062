/**
 * One exchange with the token endpoint: attempts, per-attempt timeouts and retries. Knows nothing of
 * caching; it returns the credentials with what is needed to place them on the local clock.
 *
 * @module
 */
import { StsClientError, UnauthorizedError } from '../errors.js';
import type { StsCredentials } from '../types.js';
import { backoffDelay, parseRetryAfter } from './backoff.js';
import type { ResolvedOptions } from './options.js';
import { parseCredentials } from './response-body.js';

export interface FetchedCredentials {
  readonly credentials: StsCredentials;
  /** Local time (the `now()` clock) when the answer arrived. */
  readonly receivedAt: number;
  /** The server's clock at that moment, from its `Date` header, when the header was readable. */
  readonly serverDate: number | undefined;
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

/**
 * Resolves with credentials, or rejects with the last attempt's StsClientError, or with whatever
 * `tokenFor` threw (unchanged: a `getToken` error is the app's own, and retrying it is the app's business).
 */
export async function fetchCredentials(options: ResolvedOptions, body: string | undefined, tokenFor: TokenForAttempt): Promise<FetchedCredentials> {
  for (let attempt = 1; ; attempt += 1) {
    const outcome = await attemptOnce(options, body, await tokenFor(attempt));
    if (!('retryable' in outcome)) return outcome;
    if (attempt >= options.maxAttempts) throw outcome.retryable;
    await sleep(backoffDelay(attempt, outcome.retryAfterMs, options));
  }
}

type AttemptOutcome = FetchedCredentials | { readonly retryable: StsClientError; readonly retryAfterMs?: number };

async function attemptOnce(options: ResolvedOptions, body: string | undefined, token: string): Promise<AttemptOutcome> {
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';

  const deadline = startDeadline(options.timeoutMs);
  try {
    let response: Response;
    let text: string;
    try {
      // credentials: 'omit': the endpoint authenticates by the Bearer token alone; cookies for its
      // domain have no business there, and omitting them keeps the CORS rules simple.
      response = await deadline.race(
        options.fetch(options.endpoint, { method: 'POST', headers, body, credentials: 'omit', signal: deadline.signal }),
      );
      // The body is read under the same deadline: a server can stall after the headers, too.
      text = await deadline.race(response.text());
    } catch (error) {
      const message = deadline.expired
        ? `the token endpoint did not answer within ${options.timeoutMs} ms`
        : 'the token endpoint could not be reached';
      return { retryable: new StsClientError('network_error', message, { cause: deadline.expired ? undefined : error }) };
    }
    const receivedAt = options.now();

    if (response.ok) {
      return { credentials: parseCredentials(text), receivedAt, serverDate: parseDate(response.headers.get('Date')) };
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

function startDeadline(timeoutMs: number): Deadline {
  const controller = new AbortController();
  let expired = false;
  let onExpiry: (() => void) | undefined;
  const expiry = new Promise<never>((_, reject) => {
    onExpiry = () => reject(new Error('timeout'));
  });
  // The expiry promise may never be raced (a synchronous throw before the first race); keep it quiet.
  expiry.catch(() => undefined);
  const timer = setTimeout(() => {
    expired = true;
    controller.abort();
    onExpiry?.();
  }, timeoutMs);
  return {
    signal: controller.signal,
    get expired() {
      return expired;
    },
    race: (promise) => Promise.race([promise, expiry]),
    cancel: () => clearTimeout(timer),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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
