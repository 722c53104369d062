/**
 * What every cloud's STS call takes and returns, in one shape.
 *
 * @module
 */
import type { RoleCredentials } from '../credentials/types.js';

/** What every STS call needs beside its own API's parameters. */
export interface StsCallInput {
  readonly endpoint: URL;
  /** The session policy text, exactly as built. */
  readonly policy: string;
  readonly durationSeconds: number;
  /** The runtime role's credentials, which authenticate the call. */
  readonly credentials: RoleCredentials;
  /** How long the call may take, already bounded by the invocation's deadline. */
  readonly timeoutMs: number;
}

export interface IssuedCredentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken: string;
  /** When the cloud says the credentials stop working. */
  readonly expiresAt: Date;
  /** When we received them: the start of their lifetime for reuse decisions and for `startTime`. */
  readonly issuedAt: Date;
}
