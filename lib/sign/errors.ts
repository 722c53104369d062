/**
 * The one error a signer throws: an input it will not sign. It is an `invalid_request` (400) naming the
 * field, so a route that passes a caller's key or filename through gets a clear answer without mapping;
 * `reason` is a stable code for callers (and tests) that need to tell the cases apart. The description
 * names the field and the limit, never the value: a value may be a secret or a token.
 *
 * @module
 */
import { StsgateError } from '../errors.js';

export type SignInputReason =
  /** Wrong type or shape (not a string, not an integer, a malformed name). */
  | 'invalid'
  | 'empty'
  | 'too_long'
  /** The object key cannot be addressed in a URL the way it is written (`.`/`..` segments, leading `/`). */
  | 'unaddressable'
  | 'expired'
  | 'lifetime_too_long'
  /** The signature would stay valid after the signing credentials have expired. */
  | 'outlives_credentials'
  | 'size_range'
  /** The cloud's signature cannot enforce what was asked (e.g. binding the size into an OBS PUT). */
  | 'unsupported';

export class SignInputError extends StsgateError {
  constructor(
    readonly field: string,
    override readonly reason: SignInputReason,
    message: string,
  ) {
    super(400, 'invalid_request', `${field}: ${message}`);
  }
}

export const isSignInputError = (value: unknown): value is SignInputError => value instanceof SignInputError;
