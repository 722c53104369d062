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
  /** The first grant's prefix and actions: with one access rule, the whole grant. */
  readonly prefix: string;
  readonly actions: readonly string[];
  /** Every prefix the keys act on, from the deployment's access rules (absent from endpoints that predate them). */
  readonly grants?: readonly StsGrant[];
}

/** One prefix the keys act on, from one access rule (one per value of a `${claim[]}` placeholder). */
export interface StsGrant {
  readonly rule: string;
  readonly prefix: string;
  readonly actions: readonly string[];
  /** Upload limits of the rule, in bytes and media types (`image/png`, `image/*`). */
  readonly maxSize?: number;
  readonly contentTypes?: readonly string[];
  /**
   * The rule limits uploads and these keys cannot hold the limit (OSS, OBS): they cannot `put` here, and
   * uploads under this prefix go through the endpoint's signed uploads instead.
   */
  readonly signedUploads?: boolean;
}

/** The optional body of a token request: it may only narrow the grant, never widen it. */
export interface TokenRequest {
  readonly actions?: readonly ('get' | 'put' | 'delete' | 'list')[];
  readonly prefix?: string;
  readonly durationSeconds?: number;
  /** Only these access rules' grants, by rule name. */
  readonly rules?: readonly string[];
}

export interface StsClientOptions {
  /** The token function's URL, e.g. `https://…/aliyun`. */
  readonly endpoint: string;
  /**
   * Returns the app's current login JWT, or nothing when no one is signed in. Called on EVERY
   * `getCredentials()`, cache hits included, and again before each retry, so it must be the app's cheap
   * accessor for the session it already holds (a variable, or its auth library's cached getter), never
   * a network login.
   *
   * The token also says whose keys are wanted: the client reads its `iss` and `sub` (without verifying
   * the token; the endpoint does that) and keeps each identity's keys apart. When the identity changes,
   * or `getToken` gives no token, everything cached is dropped, requests in flight included. A token
   * that is not a JWT with a `sub` counts as an identity of its own, so its keys go to that very token only.
   */
  readonly getToken: () => string | null | undefined | Promise<string | null | undefined>;
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
  /**
   * Where `signUpload` and `upload` ask for a signature. Default: the endpoint with `/uploads` appended to
   * its path (`https://fn.example.com/aliyun` → `https://fn.example.com/aliyun/uploads`): the token
   * function selects its route by the last path segment. Set it when a gateway maps the routes elsewhere.
   */
  readonly uploadsEndpoint?: string;
  /** Where `downloadUrl` asks for a signed URL. Default: the endpoint with `/downloads` appended to its path. */
  readonly downloadsEndpoint?: string;
  /** Injected for tests and non-browser runtimes. Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
  /**
   * What `upload` sends with (for its upload progress): a constructor compatible with the browser's, for
   * tests and other runtimes. Default: the global `XMLHttpRequest`. (Typed loosely so these declarations
   * need no DOM types.)
   */
  readonly XMLHttpRequest?: new () => unknown;
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
   * Calls `getToken` first, every time: keys are only ever handed out for the identity in the current
   * token (see `StsClientOptions.getToken`).
   *
   * Rejects with UnauthorizedError on 401 (and forgets the cached set for `request`) and when `getToken`
   * gives no usable token (and forgets everything: nobody is signed in), with StsClientError
   * `identity_changed` when the signed-in user changed while the keys were being fetched, with
   * `http_error`, `network_error` or `invalid_response` otherwise, with a TypeError for a malformed
   * `request`, and with whatever `getToken` threw, unchanged.
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
   * Without an argument: sign-out. Forgets every cached set and the signed-in identity; requests in
   * flight are refused to their callers (`identity_changed`); `identityGeneration` moves on and the
   * `onIdentityChange` listeners run, so the adapters stop handing keys to SDK instances built before.
   * Call it when the user signs out, then drop (and later recreate) those SDK instances: the keys they
   * hold stay valid until they expire.
   *
   * With a request: forgets that request's set only (e.g. storage refused it). A request for it already
   * in flight still answers its callers, but its result is not cached, and later calls start a new one.
   */
  clear(request?: TokenRequest): void;
  /**
   * Counts the times this client has dropped everything for an identity change (another issuer or
   * subject in the login token, `getToken` giving no token, or `clear()` without argument); 0 until the
   * first. An adapter notes it when it sets up an SDK instance and refuses that instance keys once it
   * has moved on: an SDK instance built for one user must never quietly become another's.
   */
  readonly identityGeneration: number;
  /**
   * Runs `listener` (synchronously) each time {@link identityGeneration} moves on; returns a function
   * that unsubscribes it. `keepObsClientFresh` stops its refresh timer this way.
   */
  onIdentityChange(listener: () => void): () => void;
}
