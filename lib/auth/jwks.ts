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
import { createRemoteJWKSet, customFetch } from 'jose';

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
      response = await fetchImpl(input, init);
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
