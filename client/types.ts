/**
 * The public shapes of the browser client: what the token endpoint returns, what a call may ask for,
 * and how a client is configured. Kept free of DOM-only and Node-only types so the module runs in
 * browsers, mini-program webviews and Node alike.
 *
 * @module
 */

/** What one token endpoint returns on 200: the stsgate response contract (docs/endpoint.md). */
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
   * vendors recommend; must be in (0, 1). A set that arrives already past that point (the endpoint
   * caches too) is kept until half of what remained on arrival has passed, so it is not fetched again
   * at once.
   */
  readonly refreshWhenRemaining?: number;
  /**
   * The body sent when a call gives none. Default: none (the whole grant). Equivalent bodies (key order,
   * repeated or reordered `actions`) share one cache entry.
   */
  readonly request?: TokenRequest;
  /** Attempts for network errors, timeouts, 429 and 5xx, the first included. Default 3; an integer from 1 to 100. */
  readonly maxAttempts?: number;
  /**
   * First backoff in ms; doubles per attempt with full jitter (a random wait up to that ceiling), capped
   * by `maxBackoffMs`. A `Retry-After` (seconds) raises the wait, still capped by `maxBackoffMs`. Default 200.
   */
  readonly baseBackoffMs?: number;
  /** The longest wait between attempts, in ms. Default 5000. */
  readonly maxBackoffMs?: number;
  /** Per-attempt timeout in ms, reading the body included. Default 10000. */
  readonly timeoutMs?: number;
  /** Injected for tests and non-browser runtimes. Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** Injected for tests. Default: `Date.now`. */
  readonly now?: () => number;
  /** Injected for tests. Default: `Math.random`. */
  readonly random?: () => number;
}

export interface GetCredentialsOptions {
  /**
   * Fetch new credentials even if cached ones are still fresh (e.g. after storage refused them). Joins a
   * request already in flight instead of starting a second. Unlike a routine refresh, a forced one
   * that fails rejects rather than falling back to the cached set.
   */
  readonly forceRefresh?: boolean;
}

/** A client for one token endpoint. */
export interface StsClient {
  /**
   * Fresh credentials for `request` (or the client's default body): cached ones while more than the
   * refresh share of their lifetime remains, otherwise one shared network request for all concurrent
   * callers. When that refresh fails for a passing reason (network, timeout, 429, 5xx) while the cached
   * set is still valid, resolves with the cached set. Never resolves with credentials in their last 30 s
   * (a tenth of the lifetime when that is shorter) or past their expiry.
   *
   * Rejects with UnauthorizedError on 401 (and forgets the cached set for `request`), with
   * StsClientError `http_error`, `network_error` or `invalid_response` otherwise, with a TypeError for a
   * malformed `request`, and with whatever `getToken` threw, unchanged.
   */
  getCredentials(request?: TokenRequest, options?: GetCredentialsOptions): Promise<StsCredentials>;
  /**
   * When the credentials for `request` should next be refreshed, in ms on the `now()` clock, or
   * undefined when none are cached. Adapters use it to schedule refreshes and SDK intervals.
   */
  refreshAt(request?: TokenRequest): number | undefined;
  /** The share of the lifetime left at which keys are refreshed (the `refreshWhenRemaining` option, resolved). */
  readonly refreshWhenRemaining: number;
  /**
   * Forget cached credentials (all of them without an argument), e.g. on logout. A request already in
   * flight still answers its callers, but its result is not cached, and later calls start a new one.
   */
  clear(request?: TokenRequest): void;
}
