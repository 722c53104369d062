/**
 * When a set of credentials should be refreshed and until when it may still be handed out, both on the
 * local `now()` clock.
 *
 * Phones have wrong clocks, so the server's clock decides: the offset between its `Date` header and the
 * local time of arrival moves `expiredTime` onto the local clock. (Without a readable `Date`, e.g. an
 * endpoint whose CORS rules do not expose it, no skew is assumed.) The header's one-second resolution and
 * the request's latency make the estimate a little off; the safety margin below absorbs that.
 *
 * @module
 */
import { StsClientError } from '../errors.js';
import type { FetchedCredentials } from './fetch-credentials.js';

export interface CachedCredentials extends FetchedCredentials {
  /** From here on, the next call fetches again (and falls back to these while they are usable). */
  readonly refreshAt: number;
  /** From here on, these are never handed out: too close to their expiry for an upload to finish. */
  readonly usableUntil: number;
}

/**
 * Credentials are not handed out in their last 30 s: enough for the `Date` estimate's error and for an
 * SDK to send a request signed with them. For short lifetimes (stsgate's minimum is 900 s, but an
 * endpoint configured otherwise might issue less) the margin shrinks to a tenth of the lifetime, so
 * that a 60 s set is still usable for most of its life.
 */
export const SAFETY_MARGIN_MS = 30_000;
const SAFETY_MARGIN_SHARE = 0.1;

export function planFreshness(fetched: FetchedCredentials, refreshWhenRemaining: number): CachedCredentials {
  const { credentials, receivedAt, serverDate } = fetched;
  const skewMs = serverDate === undefined ? 0 : serverDate - receivedAt;
  const lifetimeMs = (credentials.expiredTime - credentials.startTime) * 1000;
  const expiresAt = credentials.expiredTime * 1000 - skewMs;
  const usableUntil = expiresAt - Math.min(SAFETY_MARGIN_MS, lifetimeMs * SAFETY_MARGIN_SHARE);
  if (usableUntil <= receivedAt) {
    throw new StsClientError('invalid_response', 'the token endpoint answered with credentials that are expired or about to expire');
  }

  const thresholdAt = expiresAt - refreshWhenRemaining * lifetimeMs;
  // The endpoint caches too, and may hand back a set already past our threshold. Refreshing at the
  // threshold would then fetch again at once, get the same set, and loop. So the refresh point is never
  // earlier than a share of what remained on arrival: half of it (for a fresh set with the default
  // share this is the threshold itself), or less when the configured share asks for earlier refreshes,
  // so that a fresh set still refreshes exactly at the configured point.
  const remainingOnArrival = expiresAt - receivedAt;
  const notBefore = receivedAt + Math.min(0.5, 1 - refreshWhenRemaining) * remainingOnArrival;
  return { ...fetched, refreshAt: Math.min(usableUntil, Math.max(thresholdAt, notBefore)), usableUntil };
}
