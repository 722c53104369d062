/**
 * Why `npm start` refused to start, as one line a person can act on. `local/server.ts` prints the
 * message alone (no stack trace) and exits non-zero; anything else that escapes start-up is a bug and
 * keeps its stack.
 *
 * @module
 */

export type LocalStartupErrorCode =
  /** A cloud runs for real but no JWT_* issuer is set: the development login would hand out real keys. */
  | 'real_mode_without_issuer'
  /** STSGATE_REAL names something that is not a cloud. */
  | 'invalid_real_setting'
  /** PORT or DEMO_PORT is taken (or not allowed). */
  | 'port_unavailable';

export class LocalStartupError extends Error {
  override readonly name = 'LocalStartupError';
  constructor(
    readonly code: LocalStartupErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
