/**
 * Typed errors with stable codes. Every failure a caller can see is one of these; the HTTP layer turns
 * it into `{"error": code, "error_description": description}` with `status`. Anything else that escapes
 * is a bug and becomes a 500 `server_error` without details.
 *
 * @module
 */

/** The error codes of the public contract (RFC 6750 names where one exists). */
export type ErrorCode =
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'method_not_allowed'
  | 'rate_limited'
  | 'server_error'
  | 'upstream_error'
  | 'temporarily_unavailable'
  | 'upstream_timeout';

/**
 * Why a request was refused or failed, for the request's log line only (never in the response body): a
 * stable code an operator can search for, which carries no token, claim value or upstream text. The
 * response's `error` says what the caller must do; this says which check it was.
 */
export type Reason =
  // The Bearer token (401), in the order the checks run.
  | 'missing'
  | 'not_bearer'
  | 'too_large'
  | 'malformed'
  | 'alg_not_allowed'
  | 'unknown_kid'
  | 'bad_signature'
  | 'unverifiable'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'missing_claim'
  | 'invalid_claim'
  // The issuer's keys could not be fetched (503).
  | 'jwks_unavailable'
  // The per-subject limits (429): all requests (`TOKEN_RATE_LIMIT`), calls that would reach STS (`TOKEN_STS_RATE_LIMIT`).
  | 'request_limit'
  | 'new_key_limit'
  // STS answered that it is throttling (503), or recently did and this instance pauses new keys (503, no call made).
  | 'sts_throttled'
  | 'sts_paused'
  // The signing routes (403), decided before anything is signed: no grant lets this token upload here (no rule
  // with `put`, a rule that does not apply or cannot upload, a key outside every prefix it may upload to); the
  // size or the content type is beyond the grant's limits; a PUT asked for where the cloud cannot bind the
  // grant's size limit into the URL; no grant lets this token read the key.
  | 'upload_not_granted'
  | 'over_size_limit'
  | 'content_type_not_allowed'
  | 'put_size_unbindable'
  | 'download_not_granted'
  // The signing role's keys are too close to their expiry to sign with and could not be renewed (503).
  | 'signing_keys_expiring';

export interface StsgateErrorOptions {
  /** Extra response headers this error needs (`WWW-Authenticate`, `Retry-After`, `Allow`). */
  headers?: Record<string, string>;
  /** The upstream service's own error code; filtered by {@link safeUpstreamCode} before it is kept. */
  upstreamCode?: string;
  /** Which check refused the request, for the log line: a {@link Reason}, or a subclass's own code. */
  reason?: Reason | (string & {});
  cause?: unknown;
}

export class StsgateError extends Error {
  override readonly name = 'StsgateError';
  readonly headers: Readonly<Record<string, string>>;
  readonly upstreamCode: string | undefined;
  /**
   * Which check refused the request, for the log line: one of {@link Reason} for the errors built here; a
   * subclass may narrow it to codes of its own (a signer's `SignInputError`: which input rule was broken).
   */
  readonly reason: string | undefined;

  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    /** Safe to show to the caller: never contains a token, key, secret or upstream message. */
    readonly description: string,
    options: StsgateErrorOptions = {},
  ) {
    super(description, options.cause === undefined ? undefined : { cause: options.cause });
    this.headers = options.headers ?? {};
    // Filtered here, so that no path that reports an upstream code can forget to: it reaches the caller and the log.
    this.upstreamCode = options.upstreamCode === undefined ? undefined : safeUpstreamCode(options.upstreamCode);
    this.reason = options.reason;
  }
}

export const isStsgateError = (value: unknown): value is StsgateError => value instanceof StsgateError;

export const invalidRequest = (description: string, status = 400): StsgateError =>
  new StsgateError(status, 'invalid_request', description);

/** No credentials at all: RFC 6750 §3.1 says the challenge then carries no error attribute. */
export const missingToken = (): StsgateError =>
  new StsgateError(401, 'invalid_token', 'a Bearer token is required in the Authorization header', {
    headers: { 'WWW-Authenticate': 'Bearer' },
    reason: 'missing',
  });

export const invalidToken = (description: string, reason: Reason, cause?: unknown): StsgateError =>
  new StsgateError(401, 'invalid_token', description, {
    // A quoted-string may not contain a bare quote or backslash (RFC 7235); our texts quote claim names.
    headers: { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${description.replace(/["\\]/g, "'")}"` },
    reason,
    cause,
  });

export const insufficientScope = (description: string, reason?: Reason): StsgateError =>
  new StsgateError(403, 'insufficient_scope', description, reason === undefined ? {} : { reason });

export const methodNotAllowed = (allow: readonly string[]): StsgateError =>
  new StsgateError(405, 'method_not_allowed', `use ${allow.join(' or ')}`, { headers: { Allow: allow.join(', ') } });

const retryAfter = (seconds: number) => ({ 'Retry-After': String(Math.max(1, Math.ceil(seconds))) });

/** Over `TOKEN_RATE_LIMIT`: too many requests of any kind. */
export const rateLimited = (retryAfterSeconds: number): StsgateError =>
  new StsgateError(429, 'rate_limited', 'too many token requests for this subject', {
    headers: retryAfter(retryAfterSeconds),
    reason: 'request_limit',
  });

/**
 * Over `TOKEN_STS_RATE_LIMIT`: too many requests that each needed a new STS call. The text says what
 * counts, because a developer narrowing per folder or per file will otherwise not guess it.
 */
export const newKeysRateLimited = (retryAfterSeconds: number, perMinute: number): StsgateError =>
  new StsgateError(
    429,
    'rate_limited',
    `too many new keys for this subject: each distinct prefix, actions and duration needs new keys, and at most ${perMinute} are issued a minute; ` +
      'repeat a request already answered (it is served from cache) or retry later',
    { headers: retryAfter(retryAfterSeconds), reason: 'new_key_limit' },
  );

export const serverError = (description = 'the token service is not available', cause?: unknown): StsgateError =>
  new StsgateError(500, 'server_error', description, { cause });

/** Upstream codes are echoed to the caller, so only plain identifiers pass; anything else is "unknown". */
export const safeUpstreamCode = (code: unknown): string =>
  typeof code === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(code) ? code : 'unknown';

export const upstreamError = (service: string, upstreamCode: unknown, cause?: unknown): StsgateError => {
  const code = safeUpstreamCode(upstreamCode);
  return new StsgateError(502, 'upstream_error', `${service} refused the request (${code})`, {
    upstreamCode: code,
    cause,
  });
};

export const temporarilyUnavailable = (
  description: string,
  retryAfterSeconds = 1,
  options: Omit<StsgateErrorOptions, 'headers'> = {},
): StsgateError => new StsgateError(503, 'temporarily_unavailable', description, { ...options, headers: retryAfter(retryAfterSeconds) });

/** STS (or IAM) said it is throttling: never retried per request, it opens the instance's breaker instead. */
export const upstreamThrottling = (service: string, upstreamCode?: string, retryAfterSeconds = 1): StsgateError =>
  temporarilyUnavailable(`${service} is throttling token requests`, retryAfterSeconds, {
    ...(upstreamCode === undefined ? {} : { upstreamCode }),
    reason: 'sts_throttled',
  });

export const isThrottling = (error: unknown): error is StsgateError => isStsgateError(error) && error.reason === 'sts_throttled';

/** The same error, telling the caller to wait `seconds` instead. */
export const withRetryAfter = (error: StsgateError, seconds: number): StsgateError =>
  new StsgateError(error.status, error.code, error.description, {
    headers: { ...error.headers, ...retryAfter(seconds) },
    ...(error.upstreamCode === undefined ? {} : { upstreamCode: error.upstreamCode }),
    ...(error.reason === undefined ? {} : { reason: error.reason }),
    cause: error.cause,
  });

export const upstreamTimeout = (service: string, cause?: unknown): StsgateError =>
  new StsgateError(504, 'upstream_timeout', `${service} did not answer in time`, { cause });

/**
 * A configuration problem found at cold start. The message names every offending variable (never its
 * value: a value may be a secret) so the deployer can fix it from the log alone.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly { variable: string; message: string }[]) {
    super(`invalid configuration: ${problems.map((p) => `${p.variable}: ${p.message}`).join('; ')}`);
  }
}
