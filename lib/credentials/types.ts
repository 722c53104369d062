/**
 * The runtime role's own credentials, which sign the STS call, and where they come from.
 *
 * @module
 */
import type { Invocation } from '../invocation.js';
import type { Logger } from '../log.js';

export interface RoleCredentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  /** Present for temporary credentials; STS then requires it on every call. */
  readonly securityToken?: string | undefined;
  readonly expiresAt?: Date | undefined;
  /**
   * Huawei only: an IAM token (FunctionGraph's agency token from `context.getToken()`), which IAM's
   * `securitytokens` API accepts as `X-Auth-Token` in place of an AK/SK signature.
   */
  readonly authToken?: string | undefined;
}

/** One place credentials may come from. Resolves `undefined` when it has nothing, so the chain moves on. */
export interface CredentialSource {
  readonly name: string;
  /** What the log says when this source has nothing; defaults to "nothing configured". */
  readonly whenEmpty?: string;
  /** `logger` is for warnings that do not stop the source (a failed refresh served from the old keys). */
  resolve(invocation: Invocation, logger: Logger): Promise<RoleCredentials | undefined>;
}
