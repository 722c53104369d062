/**
 * The remote JWKS, created once per function instance so that keys stay cached across warm invocations
 * (jose caches them in the resolver's closure, with its cooldown on unknown `kid`s).
 *
 * Our fetch wrapper does two jobs jose leaves to the caller:
 * - it tells "the JWKS could not be fetched" (our outage: 503) apart from "the token is bad" (401), by
 *   throwing {@link JwksUnavailableError} for network errors, timeouts, non-200 answers and non-JWKS bodies;
 * - it serves the last good key set for a while when a refresh fails, so a short IdP outage does not
 *   take the token service down with it once jose's cache age runs out.
 *
 * @module
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRemoteJWKSet, customFetch } from 'jose';

/**
 * The deadline (epoch ms) of the invocation whose verification is running. jose's fetch timeout is one
 * fixed number per key set, shared by every invocation; this lets each fetch also stop at its own
 * invocation's deadline.
 */
export const jwksDeadline = new AsyncLocalStorage<number>();

/** `init.signal` (jose's timeout) combined with the running invocation's deadline, if any. */
function withDeadline(init: RequestInit | undefined): RequestInit | undefined {
  const deadline = jwksDeadline.getStore();
  if (deadline === undefined) return init;
  const controller = new AbortController();
  const abort = () => controller.abort(new DOMException('the invocation deadline passed', 'TimeoutError'));
  // AbortSignal.any is not in Node 18.15 (SCF's runtime), so the two signals are joined by hand.
  init?.signal?.addEventListener('abort', abort, { once: true });
  const timer = setTimeout(abort, Math.max(0, Math.floor(deadline - Date.now())));
  timer.unref?.();
  controller.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  return { ...init, signal: controller.signal };
}

export class JwksUnavailableError extends Error {
  override readonly name = 'JwksUnavailableError';
}

export interface RemoteJwksOptions {
  /** Per-fetch timeout in milliseconds. */
  timeoutMs?: number;
  /** How long a last good key set may stand in for a failed refresh. */
  staleIfErrorMs?: number;
  /** Told when a stale key set is served (the reason only, never key material). */
  onStale?: (reason: string) => void;
  fetch?: typeof fetch;
}

export function createRemoteJwks(url: URL, options: RemoteJwksOptions = {}) {
  const fetchImpl = options.fetch ?? fetch;
  const staleIfErrorMs = options.staleIfErrorMs ?? 24 * 60 * 60 * 1000;
  let lastGood: { body: string; at: number } | undefined;

  const unavailable = (reason: string): Response => {
    if (lastGood && Date.now() - lastGood.at < staleIfErrorMs) {
      options.onStale?.(reason);
      return jwksResponse(lastGood.body);
    }
    throw new JwksUnavailableError(`the JWKS could not be fetched: ${reason}`);
  };

  const guardedFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    let response: Response;
    let body: string;
    try {
      response = await fetchImpl(input, withDeadline(init));
      body = await response.text();
    } catch (error) {
      return unavailable(error instanceof Error && error.name === 'TimeoutError' ? 'timeout' : 'network error');
    }
    if (response.status !== 200) return unavailable(`HTTP ${response.status}`);
    if (!looksLikeJwks(body)) return unavailable('the response is not a JSON Web Key Set');
    lastGood = { body, at: Date.now() };
    return jwksResponse(body);
  };

  return createRemoteJWKSet(url, {
    timeoutDuration: options.timeoutMs ?? 3000,
    [customFetch]: guardedFetch,
  });
}

const jwksResponse = (body: string) => new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });

function looksLikeJwks(body: string): boolean {
  try {
    const json: unknown = JSON.parse(body);
    return typeof json === 'object' && json !== null && Array.isArray((json as { keys?: unknown }).keys);
  } catch {
    return false;
  }
}
