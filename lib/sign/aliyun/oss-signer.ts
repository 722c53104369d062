/**
 * Aliyun OSS: POST Object forms, presigned PUT and presigned GET, all with signature V4.
 *
 * - The POST policy carries the V4 fields OSS requires in it (`x-oss-signature-version`,
 *   `x-oss-credential`, `x-oss-date`, and `x-oss-security-token` with temporary keys), the bucket, the
 *   exact key, the size range and the exact content type; the form's `x-oss-signature` is the V4
 *   signature of the base64 policy.
 * - A presigned PUT signs Content-Type (a default-signed header), `x-oss-forbid-overwrite: true`
 *   (every `x-oss-*` header is signed), and the exact Content-Length as an additional header
 *   (`x-oss-additional-headers=content-length`), so OSS refuses a body of any other size.
 * - A presigned GET signs `response-content-disposition` with the rest of the query.
 *
 * @module
 */
import { basicIsoTimestamp } from '../../sts/encoding.js';
import { defineObjectSigner, sortedNames } from '../define-signer.js';
import { MAX_SINGLE_UPLOAD_BYTES, ONE_WEEK_SECONDS } from '../limits.js';
import { objectUrl, queryString } from '../object-url.js';
import { uploadPolicy } from '../post-policy.js';
import type { Signable } from '../validate.js';
import { isOssV4DefaultSigned, OSS_V4_ALGORITHM, ossV4CanonicalRequest, ossV4Credential, ossV4Signature, ossV4StringToSign } from './oss-v4.js';

/** The V4 fields a form and a URL both carry (the form in its policy too), before the signature. */
function v4Fields(input: Signable, timestamp: string): Record<string, string> {
  const { credentials } = input;
  return {
    'x-oss-signature-version': OSS_V4_ALGORITHM,
    'x-oss-credential': ossV4Credential(credentials.accessKeyId, timestamp, input.region),
    'x-oss-date': timestamp,
    ...(credentials.securityToken !== undefined ? { 'x-oss-security-token': credentials.securityToken } : {}),
  };
}

const timestampOf = (input: Signable): string => basicIsoTimestamp(new Date(input.signedAt * 1000));

export const ossSigner = defineObjectSigner({
  provider: 'aliyun',
  rules: {
    provider: 'aliyun',
    capabilities: {
      putBindsSize: true,
      putForbidsOverwrite: true,
      maxObjectBytes: MAX_SINGLE_UPLOAD_BYTES,
      // "Object名称 … 长度必须在1~1023字节之间"
      maxKeyBytes: 1023,
      maxLifetimeSeconds: ONE_WEEK_SECONDS,
    },
    // 3-63 lower-case letters, digits and hyphens, starting and ending with a letter or digit.
    bucketName: /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
    bucketRule: 'must be an OSS bucket name: 3-63 lower-case letters, digits or "-"',
    // The V4 scope wants the plain region id; `oss-cn-hangzhou` is the endpoint's spelling, not the region's.
    regionId: /^(?!oss-)[a-z0-9][a-z0-9-]{1,48}[a-z0-9]$/,
    publicHost: (region) => `oss-${region}.aliyuncs.com`,
  },
  forbidOverwriteHeader: 'x-oss-forbid-overwrite',

  postFields(input, expiration) {
    const timestamp = timestampOf(input);
    const v4 = v4Fields(input, timestamp);
    const policy = uploadPolicy(input, expiration, 'content-type', v4);
    return {
      key: input.key,
      'Content-Type': input.contentType,
      ...v4,
      policy: policy.base64,
      'x-oss-signature': ossV4Signature(input.credentials.accessKeySecret, timestamp, input.region, policy.base64),
    };
  },

  signUrl(input, method, headers, parameters) {
    const timestamp = timestampOf(input);
    // content-length is not signed by default; V4 signs it when named in x-oss-additional-headers.
    const additionalHeaders = sortedNames(headers).filter((name) => !isOssV4DefaultSigned(name));
    const query = {
      ...parameters,
      ...(additionalHeaders.length > 0 ? { 'x-oss-additional-headers': additionalHeaders.join(';') } : {}),
      ...v4Fields(input, timestamp),
      'x-oss-expires': String(input.expiresIn),
    };
    const canonicalRequest = ossV4CanonicalRequest({ method, bucket: input.bucket, key: input.key, query, headers, additionalHeaders });
    const signature = ossV4Signature(input.credentials.accessKeySecret, timestamp, input.region, ossV4StringToSign(timestamp, input.region, canonicalRequest));
    return { url: `${objectUrl(input.address, input.key)}?${queryString({ ...query, 'x-oss-signature': signature })}`, signedHeaders: sortedNames(headers) };
  },
});
