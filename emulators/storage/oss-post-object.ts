/**
 * OSS PostObject, as its documentation describes it (PostObject, help.aliyun.com/document_detail/31988.htm;
 * "POST V4签名" and "POST V1签名", help.aliyun.com/zh/oss/developer-reference/signature-version-4-recommend
 * and …/signature-version-1):
 *
 * - V4 forms carry `x-oss-signature-version=OSS4-HMAC-SHA256`, `x-oss-credential`, `x-oss-date` and
 *   `x-oss-signature` = hex HMAC-SHA256 of the base64 policy with the V4 signing key; the policy must pin
 *   the first three to the form's values (the V4 page marks them required);
 * - V1 forms carry `OSSAccessKeyId` and `Signature` = base64(HMAC-SHA1(secret, base64 policy));
 * - temporary keys add `x-oss-security-token`; the stand-in also requires a V4 policy to pin it (the V4
 *   page lists it as needed when signing with STS);
 * - conditions: exact match, `eq`, `starts-with`, `in`, `not-in`, `content-length-range`; a form field
 *   the policy does not speak of is allowed (Aliyun's own direct-upload samples leave `key` unpinned);
 * - the file must be the last field; PostObject objects are at most 5 GB.
 *
 * @module
 */
import { createHmac } from 'node:crypto';
import { constantTimeEqual } from '../shared/signing.js';
import { OSS_V4_ALGORITHM, ossV4SignatureMatches, parseOssV4Credential, parseOssV4Date, scopeProblem } from './oss-v4-signature.js';
import type { PostForm, PostObjectRules } from './post-object.js';
import { S3_STYLE_POLICY_REFUSALS } from './post-object.js';
import type { SignatureCheck } from './refusal.js';

const TOKEN_FIELD = 'x-oss-security-token';
const V4_FIELDS = ['x-oss-signature-version', 'x-oss-credential', 'x-oss-date'] as const;
/** A V4 form is refused this long after its x-oss-date, and when that date is this far ahead of the clock. */
const MAX_V4_AGE_MS = 7 * 24 * 3600 * 1000;
const MAX_FUTURE_SKEW_MS = 15 * 60 * 1000;

export function ossPostObjectRules(options: { readonly region: string; readonly now: () => number }): PostObjectRules {
  return {
    tokenField: TOKEN_FIELD,
    grammar: { operators: new Set(['eq', 'starts-with', 'in', 'not-in']) },
    fileMustBeLast: true,
    checkSignature: (form, secretOf) => (form.fields.has('x-oss-signature-version') ? checkV4(form, secretOf, options) : checkV1(form, secretOf)),
    requiredConditions: (form) => (form.fields.has('x-oss-signature-version') ? [...V4_FIELDS, ...(form.fields.has(TOKEN_FIELD) ? [TOKEN_FIELD] : [])] : []),
    refusals: S3_STYLE_POLICY_REFUSALS,
  };
}

function checkV4(form: PostForm, secretOf: (accessKeyId: string) => string | undefined, options: { readonly region: string; readonly now: () => number }): SignatureCheck {
  const { fields } = form;
  if (fields.get('x-oss-signature-version') !== OSS_V4_ALGORITHM) return invalid(`x-oss-signature-version must be ${OSS_V4_ALGORITHM}.`);
  const credential = parseOssV4Credential(fields.get('x-oss-credential') ?? '');
  const ossDate = fields.get('x-oss-date') ?? '';
  const signedAt = parseOssV4Date(ossDate);
  const signature = fields.get('x-oss-signature');
  if (!credential || !Number.isFinite(signedAt) || signature === undefined) return invalid('A V4 form needs a valid x-oss-credential, x-oss-date and x-oss-signature.');
  const { accessKeyId } = credential;
  const problem = scopeProblem(credential, ossDate, options.region);
  if (problem !== undefined) return invalid(problem, accessKeyId);
  const now = options.now();
  if (signedAt - now > MAX_FUTURE_SKEW_MS) return { ok: false, code: 'AccessDenied', message: 'Request is not valid yet: x-oss-date is ahead of the server time.', accessKeyId };
  if (now - signedAt > MAX_V4_AGE_MS) return { ok: false, code: 'AccessDenied', message: 'Request has expired: x-oss-date is more than 7 days old.', accessKeyId };
  const secret = secretOf(accessKeyId);
  if (secret === undefined) return unknownKey(accessKeyId);
  if (!ossV4SignatureMatches(secret, credential, fields.get('policy')!, signature)) return mismatch(accessKeyId);
  return { ok: true, accessKeyId, securityToken: fields.get(TOKEN_FIELD), by: 'form' };
}

function checkV1(form: PostForm, secretOf: (accessKeyId: string) => string | undefined): SignatureCheck {
  const accessKeyId = form.fields.get('ossaccesskeyid');
  const signature = form.fields.get('signature');
  if (accessKeyId === undefined || signature === undefined) {
    return { ok: false, code: 'AccessDenied', message: 'A form with a policy needs OSSAccessKeyId and Signature (V1) or the x-oss-signature-version fields (V4).' };
  }
  const secret = secretOf(accessKeyId);
  if (secret === undefined) return unknownKey(accessKeyId);
  const expected = createHmac('sha1', secret).update(form.fields.get('policy')!, 'utf8').digest('base64');
  if (!constantTimeEqual(expected, signature)) return mismatch(accessKeyId);
  return { ok: true, accessKeyId, securityToken: form.fields.get(TOKEN_FIELD), by: 'form' };
}

function invalid(message: string, accessKeyId?: string): SignatureCheck {
  return { ok: false, code: 'InvalidArgument', status: 400, message, ...(accessKeyId !== undefined ? { accessKeyId } : {}) };
}

function unknownKey(accessKeyId: string): SignatureCheck {
  return { ok: false, code: 'InvalidAccessKeyId', message: 'The OSS Access Key Id you provided does not exist in our records.', accessKeyId };
}

function mismatch(accessKeyId: string): SignatureCheck {
  return { ok: false, code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided.', accessKeyId };
}
