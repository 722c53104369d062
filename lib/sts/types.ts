/**
 * What every cloud's STS call returns, in one shape.
 *
 * @module
 */

export interface IssuedCredentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken: string;
  /** When the cloud says the credentials stop working. */
  readonly expiresAt: Date;
  /** When we received them: the start of their lifetime for reuse decisions and for `startTime`. */
  readonly issuedAt: Date;
}
