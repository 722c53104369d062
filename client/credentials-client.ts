/**
 * `createStsClient`: the cache in front of the token endpoint. Per canonical request it keeps one set of
 * credentials and at most one request in flight, and decides for every call whether the cached set may
 * be handed out, must be refreshed, or may stand in for a refresh that failed.
 *
 * @module
 */
import { UnauthorizedError } from './errors.js';
import { fetchCredentials, isRetryable } from './internal/fetch-credentials.js';
import { type CachedCredentials, planFreshness } from './internal/freshness.js';
import { resolveOptions } from './internal/options.js';
import { canonicalRequest } from './internal/request-body.js';
import type { GetCredentialsOptions, StsClient, StsClientOptions, StsCredentials, TokenRequest } from './types.js';

interface Flight {
  readonly promise: Promise<CachedCredentials>;
  /** Set by clear(): the result still reaches the callers already waiting, but is not cached. */
  detached: boolean;
}

export function createStsClient(options: StsClientOptions): StsClient {
  const config = resolveOptions(options);
  const cache = new Map<string, CachedCredentials>();
  const flights = new Map<string, Flight>();

  /** The call's own body wins, even `{}` (the whole grant); without one, the client's default. */
  const resolveRequest = (request: TokenRequest | undefined) => canonicalRequest(request ?? config.request);

  /**
   * Usable at this moment. A clock that now reads earlier than when the set arrived has been set back,
   * and every time computed from it is then meaningless: such a set is treated as unusable.
   */
  const isUsable = (entry: CachedCredentials, now: number) => now >= entry.receivedAt && now < entry.usableUntil;

  function startFlight(key: string, body: string | undefined): Flight {
    const flight: Flight = {
      detached: false,
      // The handlers run asynchronously, after `flight` is assigned.
      promise: fetchCredentials(config, body)
        .then((fetched) => {
          const entry = planFreshness(fetched, config.refreshWhenRemaining);
          if (!flight.detached) cache.set(key, entry);
          return entry;
        })
        .catch((error: unknown) => {
          // The endpoint no longer vouches for this user: the keys it issued earlier go too.
          if (!flight.detached && error instanceof UnauthorizedError) cache.delete(key);
          throw error;
        })
        .finally(() => {
          if (flights.get(key) === flight) flights.delete(key);
        }),
    };
    flights.set(key, flight);
    return flight;
  }

  async function getCredentials(request?: TokenRequest, callOptions?: GetCredentialsOptions): Promise<StsCredentials> {
    const { key, body } = resolveRequest(request);
    const forceRefresh = callOptions?.forceRefresh === true;
    const now = config.now();
    const cached = cache.get(key);
    if (cached && !forceRefresh && isUsable(cached, now) && now < cached.refreshAt) return cached.credentials;
    // Expired keys are of no use to anyone; do not keep secrets around longer than they work.
    if (cached && !isUsable(cached, now)) cache.delete(key);

    // A forced refresh joins a request already under way: it will bring credentials at least as new.
    const flight = flights.get(key) ?? startFlight(key, body);
    try {
      return (await flight.promise).credentials;
    } catch (error) {
      // A refresh that failed for a passing reason does not take away keys that still work. Not for a
      // forced refresh: its caller has reason to distrust the cached set. Not after clear(): the set
      // was deliberately forgotten (e.g. on logout).
      if (cached && !forceRefresh && isRetryable(error) && cache.get(key) === cached && isUsable(cached, config.now())) {
        return cached.credentials;
      }
      throw error;
    }
  }

  function refreshAt(request?: TokenRequest): number | undefined {
    return cache.get(resolveRequest(request).key)?.refreshAt;
  }

  function clear(request?: TokenRequest): void {
    const keys = request === undefined ? new Set([...cache.keys(), ...flights.keys()]) : [canonicalRequest(request).key];
    for (const key of keys) {
      const flight = flights.get(key);
      if (flight) flight.detached = true;
      flights.delete(key);
      cache.delete(key);
    }
  }

  return { getCredentials, refreshAt, clear, refreshWhenRemaining: config.refreshWhenRemaining };
}
