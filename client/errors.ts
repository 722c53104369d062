/**
 * Typed errors with stable `code`s, so an app can branch on what went wrong without parsing messages.
 *
 * @module
 */

export type StsClientErrorCode =
  /** 401 from the token endpoint: the app's JWT is missing, expired or rejected; log the user in again. */
  | 'unauthorized'
  /** Any other non-2xx answer after retries (403 insufficient_scope, 429, 5xx after the last attempt, …). */
  | 'http_error'
  /** The endpoint could not be reached, or an attempt timed out, after retries. */
  | 'network_error'
  /** A 200 whose body is not credentials, or credentials that are already expired. */
  | 'invalid_response';

export class StsClientError extends Error {
  override readonly name: string = 'StsClientError';
  readonly code: StsClientErrorCode;
  /** The HTTP status, when there was an answer. */
  readonly status: number | undefined;
  /** The endpoint's `error` field (`invalid_token`, `insufficient_scope`, …), when it sent one. */
  readonly error: string | undefined;

  constructor(code: StsClientErrorCode, message: string, details: { status?: number; error?: string; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.status = details.status;
    this.error = details.error;
  }
}

/** 401: the app should send the user to log in again. `instanceof` works across the whole client. */
export class UnauthorizedError extends StsClientError {
  override readonly name = 'UnauthorizedError';
  constructor(message: string, details: { error?: string } = {}) {
    super('unauthorized', message, { status: 401, ...details });
  }
}
