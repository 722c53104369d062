/**
 * The public shapes of the browser client: what the token endpoint returns, what a call may ask for,
 * and how a client is configured. Kept free of DOM-only and Node-only types so the module runs in
 * browsers, mini-program webviews and Node alike.
 *
 * @module
 */

/** What one token endpoint returns on 200: the stsgate response contract (README, "The endpoint"). */
export interface StsCredentials {
  readonly provider: 'aliyun' | 'tencent' | 'huawei';
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken: string;
  /** ISO 8601 UTC. */
  readonly expiration: string;
  /** Unix seconds: when stsgate received these keys from STS. */
  readonly startTime: number;
  /** Unix seconds: when these keys stop working. */
  readonly expiredTime: number;
  readonly bucket: string;
  readonly region: string;
  readonly prefix: string;
  readonly actions: readonly string[];
}

/** The optional body of a token request: it may only narrow the grant, never widen it. */
export interface TokenRequest {
  readonly actions?: readonly ('get' | 'put' | 'delete' | 'list')[];
  readonly prefix?: string;
  readonly durationSeconds?: number;
}

export interface StsClientOptions {
  /** The token function's URL, e.g. `https://…/aliyun`. */
  readonly endpoint: string;
  /**
   * Returns the app's current login JWT. Called for every network request (never cached here), so a
   * token the app has just refreshed is used at once.
   */
  readonly getToken: () => string | Promise<string>;
  /**
   * Refresh when less than this share of the credentials' lifetime remains. Default 0.5, as the cloud
   * vendors recommend; must be in (0, 1).
   */
  readonly refreshWhenRemaining?: number;
  /** The body sent when a call gives none. Default: none (the whole grant). */
  readonly request?: TokenRequest;
  /** Attempts for 5xx and network errors, the first included. Default 3. */
  readonly maxAttempts?: number;
  /** First backoff in ms; doubles per attempt with full jitter, capped by `maxBackoffMs`. Default 200. */
  readonly baseBackoffMs?: number;
  /** Default 5000. */
  readonly maxBackoffMs?: number;
  /** Per-attempt timeout in ms. Default 10000. */
  readonly timeoutMs?: number;
  /** Injected for tests and non-browser runtimes. Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** Injected for tests. Default: `Date.now`. */
  readonly now?: () => number;
  /** Injected for tests. Default: `Math.random`. */
  readonly random?: () => number;
}

export interface GetCredentialsOptions {
  /** Fetch new credentials even if cached ones are still fresh. */
  readonly forceRefresh?: boolean;
}

/** A client for one token endpoint. */
export interface StsClient {
  /**
   * Fresh credentials for `request` (or the client's default body): cached ones while more than the
   * refresh share of their lifetime remains, otherwise one shared network request for all concurrent
   * callers. Never resolves with credentials that have expired.
   */
  getCredentials(request?: TokenRequest, options?: GetCredentialsOptions): Promise<StsCredentials>;
  /**
   * When the credentials for `request` should next be refreshed, in ms on the `now()` clock, or
   * undefined when none are cached. Adapters use it to schedule refreshes and SDK intervals.
   */
  refreshAt(request?: TokenRequest): number | undefined;
  /** Forget cached credentials (all of them without an argument), e.g. on logout. */
  clear(request?: TokenRequest): void;
}
