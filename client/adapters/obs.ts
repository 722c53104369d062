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
 * @module
 */
import type { StsClient, StsCredentials, TokenRequest } from '../types.js';
import { expectProvider } from './internal/expect-provider.js';

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
  /** Called with each failed refresh; `UnauthorizedError` means: log in again. Refreshing goes on. */
  readonly onError?: (error: unknown) => void;
  /** First wait after a failed refresh, doubled per failure in a row up to `maxRetryDelayMs`. Default 1000. */
  readonly retryDelayMs?: number;
  /** Default 30000. */
  readonly maxRetryDelayMs?: number;
  /** The clock `client.refreshAt` uses: the same function as the client's `now` option. Default `Date.now`. */
  readonly now?: () => number;
}

export interface ObsFreshness {
  /** Stops refreshing (e.g. on logout, or when the ObsClient is dropped); clears every timer. */
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

  return {
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
