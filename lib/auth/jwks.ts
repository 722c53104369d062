/**
 * The remote JWKS, created once per function instance so that keys stay cached across warm invocations.
 *
 * We fetch and cache the key set ourselves (with our own HTTP client) and let jose pick and import the
 * key from it (`createLocalJWKSet`); jose's `createRemoteJWKSet` would load fetch, which is undici and
 * costs about 20 ms of every cold start. The caching follows jose's remote set:
 * - a key set is used for `cacheMaxAgeMs` (10 min), then fetched again on the next verification;
 * - a token whose `kid` no key matches triggers one refetch (a key rotation), but not while the set in
 *   use is younger than `cooldownMs` (30 s), so unknown `kid`s cannot make us hammer the issuer;
 * - verifications waiting for the same fetch share it.
 *
 * And two jobs jose leaves to the caller:
 * - "the JWKS could not be fetched" (our outage: 503) is told apart from "the token is bad" (401), by
 *   throwing {@link JwksUnavailableError} for network errors, timeouts, non-200 answers (redirects
 *   included: they are never followed) and bodies that are no JWK set;
 * - a failed refresh falls back to the last good key set for up to `staleIfErrorMs` (24 h), so a short
 *   IdP outage does not take the token service down with it; the stale set then counts as fresh for
 *   another cache period, so an outage costs one attempt per period rather than one per request.
 *
 * @module
 */
import { createLocalJWKSet, errors, type FlattenedJWSInput, type JWSHeaderParameters, type JWK } from 'jose';
import type { KeyObject } from 'node:crypto';
import { HttpClientError, httpRequest } from '../net/http-client.js';

export class JwksUnavailableError extends Error {
  override readonly name = 'JwksUnavailableError';
}

export interface RemoteJwksOptions {
  /** Per-fetch timeout in milliseconds (default 3000). */
  timeoutMs?: number;
  /** How long a fetched key set is used before it is fetched again (default 10 minutes). */
  cacheMaxAgeMs?: number;
  /** No refetch for an unknown `kid` while the key set is younger than this (default 30 s). */
  cooldownMs?: number;
  /** How long a last good key set may stand in for a failed refresh (default 24 h). */
  staleIfErrorMs?: number;
  /** Told when a stale key set is served (the reason only, never key material). */
  onStale?: (reason: string) => void;
}

/** What jose's `jwtVerify` calls to get the key for a token; `deadlineMs` (epoch ms) cuts a fetch short. */
export type RemoteJwks = (
  deadlineMs: number | undefined,
  protectedHeader: JWSHeaderParameters,
  token: FlattenedJWSInput,
) => Promise<CryptoKey | KeyObject | JWK | Uint8Array>;

/** A key set is small; anything near this is not one. */
const MAX_JWKS_BYTES = 512 * 1024;
const ACCEPT = 'application/jwk-set+json, application/json';

type LocalSet = ReturnType<typeof createLocalJWKSet>;

export function createRemoteJwks(url: URL, options: RemoteJwksOptions = {}): RemoteJwks {
  const timeoutMs = options.timeoutMs ?? 3000;
  const cacheMaxAgeMs = options.cacheMaxAgeMs ?? 10 * 60 * 1000;
  const cooldownMs = options.cooldownMs ?? 30 * 1000;
  const staleIfErrorMs = options.staleIfErrorMs ?? 24 * 60 * 60 * 1000;

  /** The key set in use, and when it was fetched (or, when stale, put back in use). */
  let current: { set: LocalSet; at: number } | undefined;
  /** The last key set that was actually fetched, and when. */
  let lastGood: { set: LocalSet; at: number } | undefined;
  let pending: Promise<void> | undefined;

  const youngerThan = (ms: number) => current !== undefined && Date.now() - current.at < ms;

  const fallBack = (reason: string): void => {
    if (!lastGood || Date.now() - lastGood.at >= staleIfErrorMs) throw new JwksUnavailableError(`the JWKS could not be fetched: ${reason}`);
    options.onStale?.(reason);
    current = { set: lastGood.set, at: Date.now() };
  };

  const load = async (deadlineMs: number | undefined): Promise<void> => {
    const timeout = deadlineMs === undefined ? timeoutMs : Math.min(timeoutMs, Math.floor(deadlineMs - Date.now()));
    let status: number;
    let text: string;
    try {
      ({ status, text } = await httpRequest(url, { method: 'GET', headers: { accept: ACCEPT }, timeoutMs: timeout, maxBodyBytes: MAX_JWKS_BYTES }));
    } catch (error) {
      return fallBack(failureReason(error));
    }
    if (status !== 200) return fallBack(`HTTP ${status}`);
    const set = parseJwks(text);
    if (!set) return fallBack('the response is not a JSON Web Key Set');
    current = lastGood = { set, at: Date.now() };
  };

  /** One fetch at a time: verifications that need it meanwhile wait for the same one. */
  const reload = (deadlineMs: number | undefined): Promise<void> => {
    pending ??= load(deadlineMs).finally(() => {
      pending = undefined;
    });
    return pending;
  };

  return async (deadlineMs, protectedHeader, token) => {
    if (!youngerThan(cacheMaxAgeMs)) await reload(deadlineMs);
    try {
      return await current!.set(protectedHeader, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || youngerThan(cooldownMs)) throw error;
      await reload(deadlineMs);
      return current!.set(protectedHeader, token);
    }
  };
}

function failureReason(error: unknown): string {
  if (!(error instanceof HttpClientError)) return 'network error';
  switch (error.kind) {
    case 'timeout':
      return 'timeout';
    case 'redirect':
      return error.message;
    case 'too-large':
      return 'the response is too large';
    case 'network':
      return 'network error';
  }
}

/** jose's own check of the set (an object with an array of JWK-like `keys`); undefined when it fails. */
function parseJwks(text: string): LocalSet | undefined {
  try {
    return createLocalJWKSet(JSON.parse(text) as { keys: JWK[] });
  } catch {
    return undefined;
  }
}
