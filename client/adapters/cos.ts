/**
 * cos-js-sdk-v5: a `getAuthorization(options, callback)` for `new COS({ getAuthorization })`.
 *
 * How cos-js-sdk-v5 1.10 uses it (src/base.js `getAuthorizationAsync`): it keeps the credentials it was
 * called back with and signs every request with them while `ExpiredTime - now > 60` s, with `now` its own
 * clock (`Date.now() + SystemClockOffset`); after that it calls `getAuthorization` again. It signs with
 * `q-key-time = StartTime;ExpiredTime`, so a server-issued `StartTime` makes signatures immune to a device
 * clock that runs fast. Its callback takes credentials only: there is no error argument, and anything
 * without `TmpSecretId` makes the SDK fail the call with `getAuthorization callback params missing
 * "TmpSecretId"` before any request is sent.
 *
 * So the adapter hands COS an `ExpiredTime` 60 s past the stsgate client's refresh point (never past the
 * keys' real expiry): COS asks again exactly when the client would fetch new keys, and the client answers
 * from its cache until then, with one network request for all the COS requests waiting at that moment.
 * On failure it calls back with no credentials, so the COS call fails at once instead of hanging (the
 * official demo never calls back on failure), and gives the real error to `onError`, the only place the
 * app can see that the user must log in again.
 *
 * A `getAuthorization` belongs to the user signed in when it was made (or the first one after): once the
 * client has seen another user or a sign-out, it answers with no credentials and hands `onError` an
 * `identity_changed` error, so the COS instance fails rather than quietly switching users. COS keeps the
 * keys it already has until their `ExpiredTime`: drop the instance on sign-out and build a new one.
 *
 * Leave COS's `ScopeLimit` off: stsgate's keys cover the whole granted prefix, not one object.
 *
 * @module
 */
import type { StsClient, StsCredentials, TokenRequest } from '../types.js';
import { expectProvider } from './internal/expect-provider.js';
import { sameIdentityAs } from './internal/same-identity.js';

/** What cos-js-sdk-v5 expects from `getAuthorization`'s callback (its `COS.Credentials`). */
export interface CosCredentials {
  readonly TmpSecretId: string;
  readonly TmpSecretKey: string;
  readonly SecurityToken: string;
  /** Unix seconds. */
  readonly StartTime: number;
  /** Unix seconds on the SDK's clock: when COS should ask for credentials again. */
  readonly ExpiredTime: number;
}

/** The part of COS's `getAuthorization` options the adapter reads. */
export interface CosAuthorizationRequest {
  /** ms to add to `Date.now()` to get COS's clock (COS sets it after detecting clock skew). */
  readonly SystemClockOffset?: number;
}

export type CosGetAuthorization = (options: CosAuthorizationRequest, callback: (credentials: CosCredentials) => void) => void;

export interface CosAdapterOptions {
  /** The token request body for these keys. Default: the client's own default. */
  readonly request?: TokenRequest;
  /**
   * Called with the error when keys could not be fetched (an `UnauthorizedError` means: log in again).
   * COS itself only reports `getAuthorization callback params missing "TmpSecretId"` in that case.
   */
  readonly onError?: (error: unknown) => void;
  /** The clock `client.refreshAt` uses: the same function as the client's `now` option. Default `Date.now`. */
  readonly now?: () => number;
}

/** COS reuses credentials while more than this many seconds remain before `ExpiredTime`. */
const COS_REUSE_MARGIN_SECONDS = 60;

/**
 * Empty fields: COS rejects them before sending anything (first check: `TmpSecretId`), which turns a
 * failed fetch into a failed COS call rather than a call that never completes.
 */
const NO_CREDENTIALS: CosCredentials = { TmpSecretId: '', TmpSecretKey: '', SecurityToken: '', StartTime: 0, ExpiredTime: 0 };

export function cosGetAuthorization(client: StsClient, options: CosAdapterOptions = {}): CosGetAuthorization {
  const { request, onError, now = Date.now } = options;
  const checkSameUser = sameIdentityAs(client, 'cosGetAuthorization');
  return (authorizationRequest, callback) => {
    try {
      checkSameUser();
    } catch (error) {
      fail(error);
      return;
    }
    client.getCredentials(request).then(
      (credentials) => {
        let answer: CosCredentials;
        try {
          // The call itself may be what revealed another user.
          checkSameUser();
          expectProvider(credentials, 'tencent', 'cosGetAuthorization');
          answer = cosCredentials(credentials, client.refreshAt(request), now(), Date.now() + (authorizationRequest?.SystemClockOffset ?? 0));
        } catch (error) {
          fail(error);
          return;
        }
        callback(answer);
      },
      fail,
    );
    function fail(error: unknown): void {
      try {
        onError?.(error);
      } finally {
        callback(NO_CREDENTIALS);
      }
    }
  };
}

/**
 * Maps stsgate's credentials to COS's, with `ExpiredTime` moved to the client's refresh point
 * (`refreshAt`, on the client's clock whose current reading is `clientNow`) plus COS's reuse margin, on
 * COS's clock (`cosNowMs`). Durations are carried between the clocks, never absolute times. On a device
 * whose clock is far behind, this end can fall before `StartTime`; COS then answers "Request has expired",
 * and the SDK's own skew correction (`CorrectClockSkew`, on by default) sets `SystemClockOffset`, drops
 * these credentials and asks again, which this function then answers on the corrected clock.
 */
function cosCredentials(credentials: StsCredentials, refreshAt: number | undefined, clientNow: number, cosNowMs: number): CosCredentials {
  // A refresh point already behind us means the client is handing out keys that still work while its
  // endpoint fails: COS should then ask on every request, and its signatures must still end in the future.
  const untilRefreshMs = refreshAt === undefined ? Infinity : Math.max(0, refreshAt - clientNow);
  const askAgainAt = Math.floor((cosNowMs + untilRefreshMs) / 1000) + COS_REUSE_MARGIN_SECONDS;
  return {
    TmpSecretId: credentials.accessKeyId,
    TmpSecretKey: credentials.accessKeySecret,
    SecurityToken: credentials.securityToken,
    StartTime: credentials.startTime,
    ExpiredTime: Math.min(credentials.expiredTime, askAgainAt),
  };
}
