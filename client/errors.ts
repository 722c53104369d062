/**
 * Typed errors with stable `code`s, so an app can branch on what went wrong without parsing messages.
 *
 * @module
 */

export type StsClientErrorCode =
  /** 401 from the token endpoint: the app's JWT is missing, expired or rejected; log the user in again. */
  | 'unauthorized'
  /**
   * Any other non-2xx answer: 400/403/… at once (not retried), 429 and 5xx after the last attempt.
   * `status` and `error` say which.
   */
  | 'http_error'
  /** The endpoint could not be reached, or an attempt timed out, after retries. */
  | 'network_error'
  /** A 200 whose body is not credentials, or credentials already expired (or within the safety margin) on arrival. Not retried. */
  | 'invalid_response'
  /**
   * The signed-in user changed (another issuer or subject in the login token, getToken giving no token,
   * or `clear()`) while these keys were being fetched, or since an adapter set up its SDK instance. The
   * old user's keys are never handed out after that: ask again for the current user, and recreate SDK
   * instances built for the old one. Not retried.
   */
  | 'identity_changed'
  /**
   * The storage service refused a signed upload (`upload()`): thrown as UploadRefusedError, with the
   * service's HTTP `status`, its error code in `error` (`EntityTooLarge`, `AccessDenied`,
   * `SignatureDoesNotMatch`, `FileAlreadyExists`, …) and its message in `description`. Retried once, on a
   * new signature, only when the refusal says the signature expired.
   */
  | 'upload_refused'
  /** The caller's `signal` aborted the call (signing or uploading). `cause` is the signal's reason. */
  | 'aborted';

export class StsClientError extends Error {
  override readonly name: string = 'StsClientError';
  readonly code: StsClientErrorCode;
  /** The HTTP status, when there was an answer. */
  readonly status: number | undefined;
  /**
   * The endpoint's `error` field (`invalid_token`, `insufficient_scope`, …), when it sent one; for
   * `upload_refused`, the storage service's error code.
   */
  readonly error: string | undefined;
  /**
   * The endpoint's `error_description` (at most 300 characters), when it sent one: for developers, e.g.
   * why a body was refused. Kept out of `message`, which holds only what the client itself knows.
   */
  readonly description: string | undefined;

  constructor(
    code: StsClientErrorCode,
    message: string,
    details: { status?: number; error?: string; description?: string; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.status = details.status;
    this.error = details.error;
    this.description = details.description;
  }
}

/**
 * 401: the app should send the user to log in again. Also thrown, with no request made, when `getToken`
 * gives no usable token; `status` is 401 then too, so an app handles both the same way. `instanceof`
 * works across the whole client.
 */
export class UnauthorizedError extends StsClientError {
  override readonly name = 'UnauthorizedError';
  constructor(message: string, details: { error?: string; description?: string } = {}) {
    super('unauthorized', message, { status: 401, ...details });
  }
}

/** See {@link StsClientErrorCode} `identity_changed`. */
export const identityChanged = (what: string): StsClientError =>
  new StsClientError('identity_changed', `the signed-in user changed ${what}; the previous user's keys are not handed out`);

/**
 * The storage service refused a signed upload. Beside the service's `status`, code (`error`) and message
 * (`description`, with every signed value the client knows of replaced by `[redacted]`), it carries the
 * service's request id, which is what its support asks for.
 */
export class UploadRefusedError extends StsClientError {
  override readonly name = 'UploadRefusedError';
  /** The storage service's request id (`x-oss-request-id`, `x-cos-request-id`, `x-obs-request-id` or the body's), when readable. */
  readonly requestId: string | undefined;
  constructor(message: string, details: { status: number; error?: string; description?: string; requestId?: string }) {
    super('upload_refused', message, details);
    this.requestId = details.requestId;
  }
}

/** See {@link StsClientErrorCode} `aborted`. */
export const abortedError = (what: string, signal: AbortSignal): StsClientError =>
  new StsClientError('aborted', `${what} was aborted`, { cause: signal.reason });
