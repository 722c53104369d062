/**
 * esdk-obs-browserjs: constructor options for `new ObsClient(…)`, and a refresher that swaps fresh keys
 * into a client before its keys run out.
 *
 * The SDK has no credentials callback. It takes `access_key_id`, `secret_access_key`, `security_token`
 * and `server` once (src/obs.js `factory`, src/utils.js `initFactory`; `server` is mandatory and its
 * `https://` or `http://` prefix sets `is_secure`), and `ObsClient.prototype.refresh(ak, sk, token)`
 * replaces the three keys in place (src/utils.js `refresh`), to be used by the next request. It never
 * tracks expiry itself, so someone has to call `refresh` in time: `keepObsClientFresh` does, at the
 * stsgate client's refresh point.
 *
 * An ObsClient belongs to the user it was set up for: when the stsgate client sees a sign-out or another
 * user, `keepObsClientFresh` stops at once and reports `identity_changed` to `onError`. The ObsClient
 * still holds the old user's keys until they expire: drop it on sign-out and build a new one.
 *
 * @module
 */
import type { StsClient, StsCredentials, TokenRequest } from '../types.js';
import { expectProvider } from './internal/expect-provider.js';
import { identityChanged } from '../errors.js';

/** The options `new ObsClient(…)` needs for temporary keys; spread them and add `timeout`, … as needed. */
export interface ObsClientOptions {
  readonly access_key_id: string;
  readonly secret_access_key: string;
  readonly security_token: string;
  /** `https://obs.<region>.myhuaweicloud.com` unless given. */
  readonly server: string;
}

/** What `keepObsClientFresh` needs from an `ObsClient` (typed by shape: the client imports no SDK). */
export interface RefreshableObsClient {
  refresh(accessKeyId: string, secretAccessKey: string, securityToken: string): void;
}

export interface KeepObsClientFreshOptions {
  /** The token request body for these keys: the same one the ObsClient's first keys came from. */
  readonly request?: TokenRequest;
  /**
   * Called with each failed refresh; `UnauthorizedError` means: log in again, and refreshing goes on.
   * Called once with StsClientError `identity_changed` when refreshing stopped because the signed-in user
   * changed: drop this ObsClient (it keeps the old user's keys until they expire) and build a new one.
   */
  readonly onError?: (error: unknown) => void;
  /** First wait after a failed refresh, doubled per failure in a row up to `maxRetryDelayMs`. Default 1000. */
  readonly retryDelayMs?: number;
  /** Default 30000. */
  readonly maxRetryDelayMs?: number;
  /** The clock `client.refreshAt` uses: the same function as the client's `now` option. Default `Date.now`. */
  readonly now?: () => number;
}

export interface ObsFreshness {
  /**
   * Stops refreshing (e.g. when the ObsClient is dropped); clears every timer. Happens by itself when the
   * client sees another user or a sign-out (`clear()`, or `getToken` giving no token).
   */
  stop(): void;
}

/** Browsers and Node run a setTimeout with a longer delay at once. */
const MAX_TIMER_MS = 2_147_483_647;

export function obsClientOptions(credentials: StsCredentials, options: { readonly server?: string } = {}): ObsClientOptions {
  expectProvider(credentials, 'huawei', 'obsClientOptions');
  return {
    access_key_id: credentials.accessKeyId,
    secret_access_key: credentials.accessKeySecret,
    security_token: credentials.securityToken,
    server: options.server ?? `https://obs.${credentials.region}.myhuaweicloud.com`,
  };
}

/**
 * Keeps `obsClient` on fresh keys from `client` until `stop()`: at the client's refresh point it fetches
 * (through the client's cache, so ObsClients sharing a client share one request) and calls
 * `obsClient.refresh`. A failed refresh is retried with a doubling delay while the old keys, still valid
 * for the rest of their lifetime, stay in place; so is one where the client could only hand back the
 * old keys because its endpoint failed.
 */
export function keepObsClientFresh(obsClient: RefreshableObsClient, client: StsClient, options: KeepObsClientFreshOptions = {}): ObsFreshness {
  const { request, onError, now = Date.now } = options;
  const retryDelayMs = options.retryDelayMs ?? 1_000;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let failuresInARow = 0;
  // Sign-out or another user: this ObsClient was set up for the previous one. Stop at once rather than
  // at the next refresh point, and never hand it anyone's keys again.
  const unsubscribe = client.onIdentityChange(() => {
    if (stopped) return;
    stop();
    onError?.(identityChanged('since keepObsClientFresh started: drop this ObsClient and create a new one'));
  });

  function stop(): void {
    stopped = true;
    unsubscribe();
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  }

  const schedule = (delayMs: number) => {
    timer = setTimeout(() => void refresh(), Math.min(MAX_TIMER_MS, Math.max(0, delayMs)));
  };
  const retryLater = () => {
    failuresInARow += 1;
    schedule(Math.min(maxRetryDelayMs, retryDelayMs * 2 ** (failuresInARow - 1)));
  };

  async function refresh(): Promise<void> {
    timer = undefined;
    try {
      const credentials = expectProvider(await client.getCredentials(request), 'huawei', 'keepObsClientFresh');
      // Stopped meanwhile, by the app or by an identity change (this very call may have revealed one).
      if (stopped) return;
      obsClient.refresh(credentials.accessKeyId, credentials.accessKeySecret, credentials.securityToken);
      const refreshAt = client.refreshAt(request);
      // A refresh point still behind us: the client fell back on keys it had, so ask again soon.
      if (refreshAt === undefined || refreshAt <= now()) {
        retryLater();
        return;
      }
      failuresInARow = 0;
      schedule(refreshAt - now());
    } catch (error) {
      if (stopped) return;
      retryLater();
      onError?.(error);
    }
  }

  const firstRefreshAt = client.refreshAt(request);
  // Nothing cached (e.g. after clear()): the ObsClient's keys are of unknown age, so fetch now.
  schedule(firstRefreshAt === undefined ? 0 : firstRefreshAt - now());

  return { stop };
}
