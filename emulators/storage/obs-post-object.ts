/**
 * OBS POST upload, as its documentation describes it ("基于浏览器上传的表单中携带签名",
 * https://support.huaweicloud.com/api-obs/obs_04_0012.html; "POST上传", …/obs_04_0081.html):
 *
 * - the form carries `AccessKeyId`, `signature` = base64(HMAC-SHA1(SK, base64 policy)) and the base64
 *   `policy`; temporary keys add `x-obs-security-token` (the stand-in does not take the alternative
 *   `token` = `AccessKeyId:signature:policy` field);
 * - every form field except AccessKeyId, signature, file, policy, token and fields prefixed `x-ignore-`
 *   must be spoken of by a condition, the security token included;
 * - conditions: exact (`{"k": "v"}` or `eq`), `starts-with`, `content-length-range`;
 * - the stand-in wants the file last, as OBS's examples send it and S3, whose form OBS follows, requires.
 *
 * @module
 */
import { createHmac } from 'node:crypto';
import { constantTimeEqual } from '../shared/signing.js';
import type { PostForm, PostObjectRules } from './post-object.js';
import { S3_STYLE_POLICY_REFUSALS } from './post-object.js';
import type { SignatureCheck } from './refusal.js';

const TOKEN_FIELD = 'x-obs-security-token';
const EXEMPT_FIELDS = new Set(['accesskeyid', 'signature', 'policy', 'token']);

export const OBS_POST_OBJECT_RULES: PostObjectRules = {
  tokenField: TOKEN_FIELD,
  grammar: { operators: new Set(['eq', 'starts-with']) },
  fileMustBeLast: true,
  checkSignature,
  requiredConditions: () => [],
  mustBeCovered: (field) => !EXEMPT_FIELDS.has(field) && !field.startsWith('x-ignore-'),
  refusals: S3_STYLE_POLICY_REFUSALS,
};

function checkSignature(form: PostForm, secretOf: (accessKeyId: string) => string | undefined): SignatureCheck {
  const accessKeyId = form.fields.get('accesskeyid');
  const signature = form.fields.get('signature');
  if (accessKeyId === undefined || signature === undefined) return { ok: false, code: 'AccessDenied', message: 'A form with a policy needs AccessKeyId and signature.' };
  const secret = secretOf(accessKeyId);
  if (secret === undefined) return { ok: false, code: 'InvalidAccessKeyId', message: 'The AWS Access Key Id you provided does not exist in our records.', accessKeyId };
  const expected = createHmac('sha1', secret).update(form.fields.get('policy')!, 'utf8').digest('base64');
  if (!constantTimeEqual(expected, signature)) {
    return { ok: false, code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided.', accessKeyId };
  }
  return { ok: true, accessKeyId, securityToken: form.fields.get(TOKEN_FIELD), by: 'form' };
}
