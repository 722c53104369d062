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

export interface StsgateErrorOptions {
  /** Extra response headers this error needs (`WWW-Authenticate`, `Retry-After`, `Allow`). */
  headers?: Record<string, string>;
  /** The upstream service's own error code, already checked to be a safe token. */
  upstreamCode?: string;
  cause?: unknown;
}

export class StsgateError extends Error {
  override readonly name = 'StsgateError';
  readonly headers: Readonly<Record<string, string>>;
  readonly upstreamCode: string | undefined;

  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    /** Safe to show to the caller: never contains a token, key, secret or upstream message. */
    readonly description: string,
    options: StsgateErrorOptions = {},
  ) {
    super(description, options.cause === undefined ? undefined : { cause: options.cause });
    this.headers = options.headers ?? {};
    this.upstreamCode = options.upstreamCode;
  }
}

export const isStsgateError = (value: unknown): value is StsgateError => value instanceof StsgateError;

export const invalidRequest = (description: string, status = 400): StsgateError =>
  new StsgateError(status, 'invalid_request', description);

/** No credentials at all: RFC 6750 §3.1 says the challenge then carries no error attribute. */
export const missingToken = (): StsgateError =>
  new StsgateError(401, 'invalid_token', 'a Bearer token is required in the Authorization header', {
    headers: { 'WWW-Authenticate': 'Bearer' },
  });

export const invalidToken = (description: string, cause?: unknown): StsgateError =>
  new StsgateError(401, 'invalid_token', description, {
    // A quoted-string may not contain a bare quote or backslash (RFC 7235); our texts quote claim names.
    headers: { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${description.replace(/["\\]/g, "'")}"` },
    cause,
  });

export const insufficientScope = (description: string): StsgateError =>
  new StsgateError(403, 'insufficient_scope', description);

export const methodNotAllowed = (allow: readonly string[]): StsgateError =>
  new StsgateError(405, 'method_not_allowed', `use ${allow.join(' or ')}`, { headers: { Allow: allow.join(', ') } });

export const rateLimited = (retryAfterSeconds: number): StsgateError =>
  new StsgateError(429, 'rate_limited', 'too many token requests for this subject', {
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
  });

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
): StsgateError =>
  new StsgateError(503, 'temporarily_unavailable', description, {
    ...options,
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
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
