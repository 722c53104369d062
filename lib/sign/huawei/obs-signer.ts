/**
 * Huawei OBS: POST Object forms, presigned PUT and presigned GET, with OBS's own (HMAC-SHA1) signatures.
 *
 * - OBS wants every form field except AccessKeyId, signature, policy, token and file named in the
 *   policy, and the security token among them: the policy names the bucket, the exact key, the size
 *   range, the exact content type and `x-obs-security-token`.
 * - A presigned PUT signs Content-Type and `x-obs-forbid-overwrite: true` (every `x-obs-*` header is
 *   signed). The signature has no place for Content-Length, so OBS cannot bind the size into a PUT URL:
 *   {@link obsSigner.capabilities} says so, and a size asked for is refused rather than silently dropped.
 * - A presigned GET signs `response-content-disposition` and the security token as sub-resources.
 *
 * @module
 */
import { lazy } from '../../lazy.js';
import { attachmentDisposition } from '../content-disposition.js';
import { MAX_SINGLE_UPLOAD_BYTES } from '../limits.js';
import { bucketUrl, objectUrl, queryString } from '../object-url.js';
import { encodePolicy } from '../post-policy.js';
import type { ObjectSigner, PostForm, PresignedGet, PresignedPut } from '../types.js';
import { checkGet, checkPost, checkPut, type CloudRules, isoSeconds, requestSchemas, type Signable } from '../validate.js';
import { obsSignature, obsStringToSign } from './obs-signature.js';

const rules: CloudRules = {
  provider: 'huawei',
  capabilities: {
    putBindsSize: false,
    // `x-obs-forbid-overwrite`, sent by esdk-obs-browserjs since 3.25.51 ("上传支持forbid-overwrite头域").
    putForbidsOverwrite: true,
    maxObjectBytes: MAX_SINGLE_UPLOAD_BYTES,
    maxKeyBytes: 1024,
    // "如果含有了临时的AK，其授权失效时间最大值也只能为24小时"; long-term keys may reach a year.
    maxLifetimeSeconds: 24 * 3600,
  },
  // 3-63 lower-case letters, digits, "-" and "."; no "..", ".-" or "-.", and not shaped like an IP address.
  bucketName: /^(?!\d+\.\d+\.\d+\.\d+$)(?!.*(?:\.\.|\.-|-\.))[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
  bucketRule: 'must be an OBS bucket name: 3-63 lower-case letters, digits, "-" or "."',
  regionId: /^[a-z0-9][a-z0-9-]{1,48}[a-z0-9]$/,
  publicHost: (region) => `obs.${region}.myhuaweicloud.com`,
};

const schemas = lazy(() => requestSchemas(rules));

const tokenResource = (input: Signable): Record<string, string> =>
  input.credentials.securityToken === undefined ? {} : { 'x-obs-security-token': input.credentials.securityToken };

/** OBS policies give the expiration to the second (`2018-07-17T04:54:35Z`), as its examples and SDK do. */
const policyExpiration = (input: Signable): string => isoSeconds(input.expiresAt).replace(/\.000Z$/, 'Z');

function presignedUrl(input: Signable, method: string, contentType: string | undefined, obsHeaders: Readonly<Record<string, string>>, subResources: Readonly<Record<string, string>>): string {
  const stringToSign = obsStringToSign({ method, bucket: input.bucket, key: input.key, contentType, expires: input.expiresAt, obsHeaders, subResources });
  const query = {
    AccessKeyId: input.credentials.accessKeyId,
    Expires: String(input.expiresAt),
    ...subResources,
    Signature: obsSignature(input.credentials.accessKeySecret, stringToSign),
  };
  return `${objectUrl(input.address, input.key)}?${queryString(query)}`;
}

export const obsSigner: ObjectSigner = {
  provider: 'huawei',
  capabilities: rules.capabilities,

  signPostForm(request): PostForm {
    const input = checkPost(rules, schemas(), request);
    const token = tokenResource(input);
    const policy = encodePolicy({
      expiration: policyExpiration(input),
      conditions: [
        { bucket: input.bucket },
        ['eq', '$key', input.key],
        ['content-length-range', input.minSize, input.maxSize],
        ['eq', '$content-type', input.contentType],
        ...Object.entries(token).map(([name, value]) => ({ [name]: value })),
      ],
    });
    return {
      method: 'POST',
      url: bucketUrl(input.address),
      fields: {
        key: input.key,
        'content-type': input.contentType,
        ...token,
        policy: policy.base64,
        AccessKeyId: input.credentials.accessKeyId,
        signature: obsSignature(input.credentials.accessKeySecret, policy.base64),
      },
      expiration: isoSeconds(input.expiresAt),
    };
  },

  presignPut(request): PresignedPut {
    const input = checkPut(rules, schemas(), request);
    const obsHeaders: Record<string, string> = input.forbidOverwrite ? { 'x-obs-forbid-overwrite': 'true' } : {};
    const headers = { 'Content-Type': input.contentType, ...obsHeaders };
    return {
      method: 'PUT',
      url: presignedUrl(input, 'PUT', input.contentType, obsHeaders, tokenResource(input)),
      headers,
      signedHeaders: Object.keys(headers).map((name) => name.toLowerCase()).sort(),
      sizeBound: false,
      overwriteForbidden: input.forbidOverwrite,
      expiration: isoSeconds(input.expiresAt),
    };
  },

  presignGet(request): PresignedGet {
    const input = checkGet(rules, schemas(), request);
    const subResources: Record<string, string> = tokenResource(input);
    if (input.filename !== undefined) subResources['response-content-disposition'] = attachmentDisposition(input.filename);
    return { method: 'GET', url: presignedUrl(input, 'GET', undefined, {}, subResources), expiration: isoSeconds(input.expiresAt) };
  },
};
