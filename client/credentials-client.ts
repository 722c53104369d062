/**
 * `createStsClient`: the cache in front of the token endpoint. Per signed-in identity and canonical
 * request it keeps one set of credentials and at most one request in flight, and decides for every call
 * whether the cached set may be handed out, must be refreshed, or may stand in for a refresh that failed.
 *
 * Every call asks the app for its login token first, and the token says whose keys are wanted (its
 * issuer and subject, read without verifying: see `internal/login-token.ts`). Keys are filed under that
 * identity, and the moment another identity shows up (or none, or `clear()` is called) everything of the
 * previous one is dropped, requests in flight included: their callers are refused rather than answered
 * with keys of a user who is gone.
 *
 * @module
 */
import { identityChanged, UnauthorizedError } from './errors.js';
import { exposeInternals } from './internal/client-internals.js';
import { fetchCredentials, isRetryable, type TokenForAttempt } from './internal/fetch-credentials.js';
import { type CachedCredentials, planFreshness } from './internal/freshness.js';
import { tokenIdentity, usableToken } from './internal/login-token.js';
import { resolveOptions } from './internal/options.js';
import { canonicalRequest } from './internal/request-body.js';
import type { GetCredentialsOptions, StsClient, StsClientOptions, StsCredentials, TokenRequest } from './types.js';

interface Flight {
  readonly promise: Promise<CachedCredentials>;
  /**
   * `detached` by clear(request): the result still reaches the callers already waiting, but is not
   * cached. `revoked` by an identity change: the result reaches no one.
   */
  state: 'live' | 'detached' | 'revoked';
}

export function createStsClient(options: StsClientOptions): StsClient {
  const config = resolveOptions(options);
  const cache = new Map<string, CachedCredentials>();
  const flights = new Map<string, Flight>();
  const listeners = new Set<() => void>();
  /** Whose keys the cache holds; undefined before the first call and after a sign-out. */
  let identity: string | undefined;
  let identityGeneration = 0;
  /** The last token read, with its identity: decoding the same token on every call would be waste. */
  let lastToken: { readonly token: string; readonly identity: string } | undefined;

  /** The call's own body wins, even `{}` (the whole grant); without one, the client's default. */
  const resolveRequest = (request: TokenRequest | undefined) => canonicalRequest(request ?? config.request);
  /** One key space per identity: even if a drop were missed, one user's entry cannot be another's. */
  const cacheKey = (who: string, requestKey: string) => `${who}\n\n${requestKey}`;

  /**
   * Usable at this moment. A clock that now reads earlier than when the set arrived has been set back,
   * and every time computed from it is then meaningless: such a set is treated as unusable.
   */
  const isUsable = (entry: CachedCredentials, now: number) => now >= entry.receivedAt && now < entry.usableUntil;

  /** Drops every key and request of the current identity, and tells the adapters. */
  function endIdentity(next: string | undefined): void {
    const had = identity !== undefined;
    for (const flight of flights.values()) flight.state = 'revoked';
    flights.clear();
    cache.clear();
    identity = next;
    if (!had) return;
    identityGeneration += 1;
    for (const listener of [...listeners]) {
      try {
        listener();
      } catch (error) {
        // One broken listener must not stop the others, nor the client; the app still hears of it.
        void Promise.reject(error);
      }
    }
  }

  /**
   * Asks the app for its token and notes whose it is. No usable token means nobody is signed in: the
   * previous user's keys go. Whatever `getToken` throws is passed on unchanged, and changes nothing.
   */
  async function currentToken(): Promise<{ token: string; identity: string }> {
    const raw = await config.getToken();
    let token: string;
    try {
      token = usableToken(raw);
    } catch (error) {
      endIdentity(undefined);
      throw error;
    }
    if (lastToken?.token !== token) lastToken = { token, identity: tokenIdentity(token) };
    if (lastToken.identity !== identity) endIdentity(lastToken.identity);
    return lastToken;
  }

  /**
   * The first attempt uses `first`; a retry asks again (the app may have refreshed its token), and stops
   * if the user changed `during` the exchange.
   */
  function tokensFrom(first: { token: string; identity: string }, during: string): TokenForAttempt {
    return async (attempt) => {
      if (attempt === 1) return first.token;
      const now = await currentToken();
      if (now.identity !== first.identity) throw identityChanged(during);
      return now.token;
    };
  }

  function startFlight(key: string, body: string | undefined, first: { token: string; identity: string }): Flight {
    const flight: Flight = {
      state: 'live',
      // The handlers run asynchronously, after `flight` is assigned.
      promise: fetchCredentials(config, body, tokensFrom(first, 'while keys were being fetched'))
        .then((fetched) => {
          const entry = planFreshness(fetched, config.refreshWhenRemaining);
          if (flight.state === 'live') cache.set(key, entry);
          return entry;
        })
        .catch((error: unknown) => {
          // The endpoint no longer vouches for this user: the keys it issued earlier go too.
          if (flight.state === 'live' && error instanceof UnauthorizedError) cache.delete(key);
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
    const { key: requestKey, body } = resolveRequest(request);
    const forceRefresh = callOptions?.forceRefresh === true;
    const who = await currentToken();
    const key = cacheKey(who.identity, requestKey);
    const now = config.now();
    const cached = cache.get(key);
    if (cached && !forceRefresh && isUsable(cached, now) && now < cached.refreshAt) return cached.credentials;
    // Expired keys are of no use to anyone; do not keep secrets around longer than they work.
    if (cached && !isUsable(cached, now)) cache.delete(key);

    // A forced refresh joins a request already under way: it will bring credentials at least as new.
    const flight = flights.get(key) ?? startFlight(key, body, who);
    try {
      const entry = await flight.promise;
      if (flight.state === 'revoked') throw identityChanged('while keys were being fetched');
      return entry.credentials;
    } catch (error) {
      // Revoked by a sign-out a retry ran into (getToken gave nothing): that is the UnauthorizedError.
      if (flight.state === 'revoked') throw error instanceof UnauthorizedError ? error : identityChanged('while keys were being fetched');
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
    if (identity === undefined) return undefined;
    return cache.get(cacheKey(identity, resolveRequest(request).key))?.refreshAt;
  }

  function clear(request?: TokenRequest): void {
    if (request === undefined) {
      endIdentity(undefined);
      return;
    }
    if (identity === undefined) return;
    const key = cacheKey(identity, canonicalRequest(request).key);
    const flight = flights.get(key);
    if (flight) flight.state = 'detached';
    flights.delete(key);
    cache.delete(key);
  }

  function onIdentityChange(listener: () => void): () => void {
    if (typeof listener !== 'function') throw new TypeError('onIdentityChange: listener must be a function');
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }

  const client: StsClient = {
    getCredentials,
    refreshAt,
    clear,
    onIdentityChange,
    get identityGeneration() {
      return identityGeneration;
    },
    refreshWhenRemaining: config.refreshWhenRemaining,
  };
  // For signUpload, upload and downloadUrl (client/uploads.ts): the same options and token handling.
  exposeInternals(client, { options: config, tokensForExchange: async () => tokensFrom(await currentToken(), 'while a signature was being fetched') });
  return client;
}
