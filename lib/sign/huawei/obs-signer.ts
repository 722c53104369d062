/**
 * Huawei OBS: POST Object forms, presigned PUT and presigned GET, with OBS's own (HMAC-SHA1) signatures.
 *
 * - OBS wants every form field except AccessKeyId, signature, policy, token and file named in the
 *   policy, and the security token among them: the policy names the bucket, the exact key, the size
 *   range, the exact content type and `x-obs-security-token`.
 * - A presigned PUT signs Content-Type and `x-obs-forbid-overwrite: true` (every `x-obs-*` header is
 *   signed). The signature has no place for Content-Length, so OBS cannot bind the size into a PUT URL:
 *   the capabilities say so, and a size asked for is refused rather than silently dropped.
 * - A presigned GET signs `response-content-disposition` and the security token as sub-resources.
 *
 * @module
 */
import { defineObjectSigner, sortedNames } from '../define-signer.js';
import { MAX_SINGLE_UPLOAD_BYTES } from '../limits.js';
import { objectUrl, queryString } from '../object-url.js';
import { uploadPolicy } from '../post-policy.js';
import type { Signable } from '../validate.js';
import { obsSignature, obsStringToSign } from './obs-signature.js';

const tokenField = (input: Signable): Record<string, string> =>
  input.credentials.securityToken === undefined ? {} : { 'x-obs-security-token': input.credentials.securityToken };

export const obsSigner = defineObjectSigner({
  provider: 'huawei',
  rules: {
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
  },
  forbidOverwriteHeader: 'x-obs-forbid-overwrite',

  postFields(input, expiration) {
    const token = tokenField(input);
    // The expiration to the second (`2018-07-17T04:54:35Z`), as OBS's examples and SDK write it.
    const policy = uploadPolicy(input, expiration.replace(/\.000Z$/, 'Z'), 'content-type', token);
    return {
      key: input.key,
      'content-type': input.contentType,
      ...token,
      policy: policy.base64,
      AccessKeyId: input.credentials.accessKeyId,
      signature: obsSignature(input.credentials.accessKeySecret, policy.base64),
    };
  },

  signUrl(input, method, headers, parameters) {
    const { 'content-type': contentType, ...obsHeaders } = headers;
    // The string to sign has a line for Content-Type and lines for x-obs-* headers, nothing else.
    const unsignable = Object.keys(obsHeaders).find((name) => !name.startsWith('x-obs-'));
    if (unsignable !== undefined) throw new Error(`an OBS query signature cannot cover ${unsignable}`);
    const subResources = { ...parameters, ...tokenField(input) };
    const stringToSign = obsStringToSign({ method, bucket: input.bucket, key: input.key, contentType, expires: input.expiresAt, obsHeaders, subResources });
    const query = {
      AccessKeyId: input.credentials.accessKeyId,
      Expires: String(input.expiresAt),
      ...subResources,
      Signature: obsSignature(input.credentials.accessKeySecret, stringToSign),
    };
    return { url: `${objectUrl(input.address, input.key)}?${queryString(query)}`, signedHeaders: sortedNames(headers) };
  },
});
