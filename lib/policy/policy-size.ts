/**
 * The session-policy size limit. Aliyun and Huawei refuse policies over 2048 characters; Tencent
 * documents no number, and stsgate keeps to the same 2048 there. Refusing before STS sees the policy
 * gives the caller a clear 400 instead of an upstream error.
 *
 * @module
 */
import { invalidRequest } from '../errors.js';

export const MAX_SESSION_POLICY_LENGTH = 2048;

/** Returns the policy text, or throws 400 when it is too long to send. */
export function checkedPolicySize(policy: string): string {
  if (policy.length > MAX_SESSION_POLICY_LENGTH) throw invalidRequest('the requested prefix is too long for a session policy');
  return policy;
}
