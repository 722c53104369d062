/**
 * POST Object (browser form upload) as the three services run it, up to the point of storing: read the
 * form, check its signature and security token, decode the policy, check its expiration and every one of
 * its conditions against the form and the file's actual size, and work out the object key, content type
 * and success status. What differs between services (signature fields and algorithm, the token field,
 * required and covered fields, operators, wording of refusals) is a {@link PostObjectRules} each stand-in
 * writes from its service's documentation.
 *
 * The order of the checks is the one a client can observe: a form that is not multipart/form-data never
 * reaches the signature check; a wrong signature is refused before the policy is read (so a policy changed
 * after signing is a SignatureDoesNotMatch, as on the services); an expired policy before any condition.
 *
 * @module
 */
import type { FormPart } from './multipart-form.js';
import { FormPartTooLarge, MalformedForm, formBoundary, parseMultipartForm } from './multipart-form.js';
import {
  type PolicyGrammar,
  type PostPolicy,
  conditionedFields,
  decodePolicyField,
  describeCondition,
  firstUnmetCondition,
  parsePostPolicy,
} from './post-policy.js';
import { type SignatureCheck, StorageRefusal, refusalOf } from './refusal.js';

/** A form as read: its fields other than the file by lowercase name, and the file. */
export interface PostForm {
  readonly fields: ReadonlyMap<string, string>;
  readonly file: FormPart;
}

/** How a service words the refusals of a form whose signature is right. */
export interface PostRefusals {
  expired(expiresAt: number, now: number): StorageRefusal;
  /**
   * `condition` as the policy wrote it, `field` its lowercase field name, `actual` the form's value
   * (undefined when absent); security tokens are redacted in both.
   */
  conditionFailed(condition: string, field: string, actual: string | undefined): StorageRefusal;
  tooLarge(condition: string, size: number): StorageRefusal;
  tooSmall(condition: string, size: number): StorageRefusal;
  /** A form field no condition speaks of, where the service requires every field to be covered. */
  uncovered(field: string): StorageRefusal;
  /** A policy lacking a condition the service requires. */
  missingCondition(field: string): StorageRefusal;
}

export interface PostObjectRules {
  /** The form field that carries the security token, lowercase. */
  readonly tokenField: string;
  readonly grammar: PolicyGrammar;
  /** Whether the file must be the form's last field (OSS and OBS say so; COS's own examples put fields after it). */
  readonly fileMustBeLast: boolean;
  /** The form's signature over its policy field: who signed, and the token the form carries. */
  checkSignature(form: PostForm, secretOf: (accessKeyId: string) => string | undefined): SignatureCheck;
  /** Fields the policy must pin by a condition for this form (e.g. OSS V4's x-oss-credential). */
  requiredConditions(form: PostForm): readonly string[];
  /** The value a condition on `field` is checked against; the form's field of that name unless a service says otherwise. */
  conditionValue?(form: PostForm, field: string): string | undefined;
  /** Whether a form field must be spoken of by some condition (OBS: every field but its exemptions). */
  mustBeCovered?(field: string): boolean;
  readonly refusals: PostRefusals;
}

/** What a form that passed every check asks the stand-in to store. */
export interface PostUpload {
  readonly accessKeyId: string;
  readonly securityToken: string;
  readonly key: string;
  readonly body: Buffer;
  readonly contentType: string;
  /** 200, 201 or 204, from `success_action_status` (204 when absent or another value). */
  readonly successStatus: 200 | 201 | 204;
  readonly fields: ReadonlyMap<string, string>;
}

export interface PostContext {
  readonly bucket: string;
  readonly now: number;
  readonly maxFileBytes: number;
  readonly secretOf: (accessKeyId: string) => string | undefined;
  /** The token, once it is the key's own and the key has not expired; refuses otherwise, as for any request. */
  readonly verifyTemporaryKey: (accessKeyId: string, securityToken: string | undefined) => string;
}

/** At most this many fields, each at most this large (security tokens run to a few KB; policies too). */
const MAX_PARTS = 64;
const MAX_FIELD_BYTES = 64 * 1024;
/** Keys longer than this (in UTF-8) are refused by all three services. */
const MAX_KEY_BYTES = 1023;

function malformedPost(reason: string): StorageRefusal {
  return new StorageRefusal(400, 'MalformedPOSTRequest', `The body of your POST request is not well-formed multipart/form-data: ${reason}.`);
}

/** The upload a POST Object request asks for, or the service's refusal (thrown). */
export function readPostObject(contentType: string | undefined, body: Buffer, rules: PostObjectRules, context: PostContext): PostUpload {
  const form = readForm(contentType, body, rules, context.maxFileBytes);
  if (form.fields.get('policy') === undefined) {
    throw new StorageRefusal(403, 'AccessDenied', 'The stand-in serves a private bucket: a form must carry a policy and its signature.');
  }
  const check = rules.checkSignature(form, context.secretOf);
  if (!check.ok) throw refusalOf(check);
  const securityToken = context.verifyTemporaryKey(check.accessKeyId, check.securityToken);

  const policyText = decodePolicyField(form.fields.get('policy')!);
  if (policyText === undefined) throw invalidPolicy('the policy field is not base64 of UTF-8 text');
  const policy = parsePostPolicy(policyText, rules.grammar);
  if (typeof policy === 'string') throw invalidPolicy(policy);
  if (context.now >= policy.expiresAt) throw rules.refusals.expired(policy.expiresAt, context.now);
  checkPolicyCoversForm(policy, form, rules);

  const key = objectKeyOf(form);
  refuseUnmetCondition(policy, form, rules, (field) => (field === 'bucket' ? context.bucket : field === 'key' ? key : (rules.conditionValue?.(form, field) ?? form.fields.get(field))));
  return {
    accessKeyId: check.accessKeyId,
    securityToken,
    key,
    body: form.file.value,
    // The form's Content-Type field, not the browser's guess on the file part (COS documents this; assumed for all).
    contentType: form.fields.get('content-type') ?? 'application/octet-stream',
    successStatus: successStatusOf(form.fields.get('success_action_status')),
    fields: form.fields,
  };
}

/** Refuses the form, in its service's words, at the first condition it does not meet; `valueOf` is what each condition is checked against. */
function refuseUnmetCondition(policy: PostPolicy, form: PostForm, rules: PostObjectRules, valueOf: (field: string) => string | undefined): void {
  const size = form.file.value.length;
  const unmet = firstUnmetCondition(policy, valueOf, size);
  if (!unmet) return;
  const isToken = (field: string) => field === rules.tokenField;
  const described = describeCondition(unmet.condition, isToken);
  if (unmet.reason !== 'mismatch') throw unmet.reason === 'too-large' ? rules.refusals.tooLarge(described, size) : rules.refusals.tooSmall(described, size);
  const { field } = unmet.condition;
  const actual = valueOf(field);
  throw rules.refusals.conditionFailed(described, field, isToken(field) && actual !== undefined ? '[redacted]' : actual);
}

function readForm(contentType: string | undefined, body: Buffer, rules: PostObjectRules, maxFileBytes: number): PostForm {
  let parts: FormPart[];
  try {
    parts = parseMultipartForm(body, formBoundary(contentType), { maxParts: MAX_PARTS, maxFieldBytes: MAX_FIELD_BYTES, maxFileBytes, fileField: 'file' });
  } catch (error) {
    if (error instanceof FormPartTooLarge && error.field.toLowerCase() === 'file') {
      throw new StorageRefusal(400, 'EntityTooLarge', `Your proposed upload exceeds the ${maxFileBytes} bytes this stand-in keeps in memory.`);
    }
    if (error instanceof MalformedForm) throw malformedPost(error.message);
    throw error;
  }
  const files = parts.filter((part) => part.name.toLowerCase() === 'file');
  if (files.length !== 1) throw malformedPost(`the form must carry exactly one file field, it carries ${files.length}`);
  if (rules.fileMustBeLast && parts.at(-1) !== files[0]) throw malformedPost('the file must be the last field of the form');
  const fields = new Map<string, string>();
  for (const part of parts) {
    const name = part.name.toLowerCase();
    if (name === 'file') continue;
    // Two values for one field would leave open which one the policy judged.
    if (fields.has(name)) throw malformedPost(`the field ${name} appears twice`);
    fields.set(name, part.value.toString('utf8'));
  }
  return { fields, file: files[0]! };
}

function checkPolicyCoversForm(policy: PostPolicy, form: PostForm, rules: PostObjectRules): void {
  const spoken = conditionedFields(policy);
  const missing = rules.requiredConditions(form).find((field) => !spoken.has(field));
  if (missing !== undefined) throw rules.refusals.missingCondition(missing);
  if (!rules.mustBeCovered) return;
  const uncovered = [...form.fields.keys()].find((field) => rules.mustBeCovered!(field) && !spoken.has(field));
  if (uncovered !== undefined) throw rules.refusals.uncovered(uncovered);
}

/** The `key` field with `${filename}` replaced by the file's name, as all three services document. */
function objectKeyOf(form: PostForm): string {
  const template = form.fields.get('key');
  if (template === undefined || template === '') throw new StorageRefusal(400, 'InvalidArgument', 'The form has no key field.');
  const filename = (form.file.filename ?? '').split(/[\\/]/).at(-1) ?? '';
  const key = template.replaceAll('${filename}', filename);
  if (key === '' || Buffer.byteLength(key) > MAX_KEY_BYTES) throw new StorageRefusal(400, 'InvalidObjectName', 'The object key must be 1 to 1023 bytes long.');
  return key;
}

function successStatusOf(value: string | undefined): 200 | 201 | 204 {
  return value === '200' ? 200 : value === '201' ? 201 : 204;
}

function invalidPolicy(problem: string): StorageRefusal {
  return new StorageRefusal(400, 'InvalidPolicyDocument', `Invalid Policy: ${problem}.`);
}

/**
 * The wording OSS and OBS share with S3 for a form whose signature is right but which breaks its policy.
 * OSS documents "Invalid according to Policy: Policy expired." and the codes; the rest of the wording is S3's.
 */
export const S3_STYLE_POLICY_REFUSALS: PostRefusals = {
  expired: () => new StorageRefusal(403, 'AccessDenied', 'Invalid according to Policy: Policy expired.'),
  conditionFailed: (condition) => new StorageRefusal(403, 'AccessDenied', `Invalid according to Policy: Policy Condition failed: ${condition}`),
  tooLarge: () => new StorageRefusal(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size.'),
  tooSmall: () => new StorageRefusal(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size.'),
  uncovered: (field) => new StorageRefusal(403, 'AccessDenied', `Invalid according to Policy: Extra input fields: ${field}`),
  missingCondition: (field) => new StorageRefusal(400, 'InvalidPolicyDocument', `Invalid Policy: the policy must contain a condition on ${field}.`),
};
