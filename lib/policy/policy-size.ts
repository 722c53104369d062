/**
 * The session-policy size limit. Aliyun and Huawei refuse policies over 2048 characters; Tencent
 * documents no number, and stsgate keeps to the same 2048 there. Refusing before STS sees the policy
 * gives the caller a clear 400 instead of an upstream error. A rules document whose largest possible
 * policy does not fit is refused at cold start (`lib/rules/worst-case.ts`), so at run time only a long
 * requested prefix can reach this limit.
 *
 * @module
 */
import { invalidRequest, type StsgateError } from '../errors.js';

export const MAX_SESSION_POLICY_LENGTH = 2048;

/** The refusal of a policy that STS would not take; `why` says which limit. */
export const policyTooLarge = (why: string): StsgateError => invalidRequest(`the session policy would be too large for STS: ${why}`);

/** Returns the policy text, or throws 400 when it is too long to send. */
export function checkedPolicySize(policy: string): string {
  if (policy.length > MAX_SESSION_POLICY_LENGTH) throw policyTooLarge(`${policy.length} characters, over ${MAX_SESSION_POLICY_LENGTH}`);
  return policy;
}
