/**
 * COS POST Object, as its documentation describes it (POST Object, https://cloud.tencent.com/document/product/436/14690;
 * "POST Object 常见异常", …/436/41164):
 *
 * - the form carries `q-sign-algorithm=sha1`, `q-ak`, `q-key-time`, `q-signature` and the base64 `policy`;
 *   `SignKey = HMAC-SHA1(SecretKey, q-key-time)` (hex), `StringToSign = SHA1(policy JSON text)` (hex),
 *   `q-signature = HMAC-SHA1(SignKey, StringToSign)` (hex); temporary keys add `x-cos-security-token`;
 * - the policy must contain `q-sign-algorithm`, `q-ak` and `q-sign-time` (the documented example pins
 *   q-sign-time to the form's q-key-time, which is what the stand-in checks it against);
 * - conditions: exact (`{"k": "v"}` or `eq`), `starts-with`, `content-length-range`; every field a
 *   condition names other than `bucket` must be in the form; form fields no condition names are allowed
 *   (the documented Example 1 leaves `key` unpinned);
 * - fields may follow the file (the documented examples put `policy` and the q-* fields after it);
 * - refusals in COS's words: "Condition key … doesn't match the value …", "You post object request has
 *   been expired, …", EntityTooLarge/EntityTooSmall for the size range.
 *
 * @module
 */
import { constantTimeEqual } from '../shared/signing.js';
import { coversNow, cosSignKey, cosSignatureOf, isKeyTime, sha1Hex } from './cos-signature.js';
import type { PostForm, PostObjectRules, PostRefusals } from './post-object.js';
import { decodePolicyField } from './post-policy.js';
import { type SignatureCheck, StorageRefusal } from './refusal.js';

const TOKEN_FIELD = 'x-cos-security-token';

const COS_POLICY_REFUSALS: PostRefusals = {
  expired: (expiresAt, now) =>
    new StorageRefusal(403, 'AccessDenied', `You post object request has been expired, expiration time: ${Math.floor(expiresAt / 1000)} but the time now : ${Math.floor(now / 1000)}`),
  conditionFailed: (_condition, field, actual) => new StorageRefusal(403, 'AccessDenied', `Condition key ${field} doesn't match the value ${actual ?? ''}`),
  tooLarge: (_condition, size) => new StorageRefusal(400, 'EntityTooLarge', `Condition key content-length-range doesn't match the value ${size}`),
  tooSmall: (_condition, size) => new StorageRefusal(400, 'EntityTooSmall', `Condition key content-length-range doesn't match the value ${size}`),
  uncovered: (field) => new StorageRefusal(403, 'AccessDenied', `Condition key ${field} is not in the policy`),
  missingCondition: (field) => new StorageRefusal(400, 'InvalidPolicyDocument', `You must provide the condition ${field} in the policy of a post object request.`),
};

export function cosPostObjectRules(options: { readonly now: () => number }): PostObjectRules {
  return {
    tokenField: TOKEN_FIELD,
    grammar: { operators: new Set(['eq', 'starts-with']) },
    fileMustBeLast: false,
    checkSignature: (form, secretOf) => checkSignature(form, secretOf, options.now()),
    requiredConditions: () => ['q-sign-algorithm', 'q-ak', 'q-sign-time'],
    conditionValue: (form, field) => form.fields.get(field === 'q-sign-time' ? 'q-key-time' : field),
    refusals: COS_POLICY_REFUSALS,
  };
}

function checkSignature(form: PostForm, secretOf: (accessKeyId: string) => string | undefined, now: number): SignatureCheck {
  const { fields } = form;
  const accessKeyId = fields.get('q-ak');
  const keyTime = fields.get('q-key-time');
  const signature = fields.get('q-signature');
  if (fields.get('q-sign-algorithm') !== 'sha1' || accessKeyId === undefined || !isKeyTime(keyTime) || signature === undefined) {
    return { ok: false, code: 'AccessDenied', message: 'A form with a policy needs q-sign-algorithm=sha1, q-ak, q-key-time and q-signature.' };
  }
  const secret = secretOf(accessKeyId);
  if (secret === undefined) return { ok: false, code: 'InvalidAccessKeyId', message: 'The access key id does not exist.', accessKeyId };
  if (!coversNow(keyTime, now)) return { ok: false, code: 'AccessDenied', message: 'Request has expired', accessKeyId };
  const policyText = decodePolicyField(fields.get('policy')!);
  if (policyText === undefined) return { ok: false, code: 'InvalidPolicyDocument', status: 400, message: 'The policy field is not base64 of UTF-8 text.', accessKeyId };
  const expected = cosSignatureOf(cosSignKey(secret, keyTime), sha1Hex(policyText));
  if (!constantTimeEqual(expected, signature)) return { ok: false, code: 'SignatureDoesNotMatch', message: 'The Signature you specified is invalid.', accessKeyId };
  return { ok: true, accessKeyId, securityToken: fields.get(TOKEN_FIELD), by: 'form' };
}
