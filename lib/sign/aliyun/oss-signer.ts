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
import { lazy } from '../../lazy.js';
import { attachmentDisposition } from '../content-disposition.js';
import { MAX_SINGLE_UPLOAD_BYTES, ONE_WEEK_SECONDS } from '../limits.js';
import { bucketUrl, objectUrl, queryString } from '../object-url.js';
import { encodePolicy } from '../post-policy.js';
import type { ObjectSigner, PostForm, PresignedGet, PresignedPut } from '../types.js';
import { checkGet, checkPost, checkPut, type CloudRules, isoSeconds, requestSchemas, type Signable } from '../validate.js';
import { OSS_V4_ALGORITHM, ossV4CanonicalRequest, ossV4Credential, ossV4Signature, ossV4StringToSign } from './oss-v4.js';

const rules: CloudRules = {
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
};

const schemas = lazy(() => requestSchemas(rules));

/** The query every V4 URL signature carries, before `x-oss-signature`. */
function v4Query(input: Signable, timestamp: string, additionalHeaders: readonly string[], extra: Readonly<Record<string, string>>) {
  const { credentials } = input;
  return {
    ...extra,
    ...(additionalHeaders.length > 0 ? { 'x-oss-additional-headers': additionalHeaders.join(';') } : {}),
    'x-oss-credential': ossV4Credential(credentials.accessKeyId, timestamp, input.region),
    'x-oss-date': timestamp,
    'x-oss-expires': String(input.expiresIn),
    ...(credentials.securityToken !== undefined ? { 'x-oss-security-token': credentials.securityToken } : {}),
    'x-oss-signature-version': OSS_V4_ALGORITHM,
  };
}

function presignedUrl(input: Signable, method: string, headers: Readonly<Record<string, string>>, additionalHeaders: readonly string[], extraQuery: Readonly<Record<string, string>>): string {
  const timestamp = basicIsoTimestamp(new Date(input.signedAt * 1000));
  const query = v4Query(input, timestamp, additionalHeaders, extraQuery);
  const canonicalRequest = ossV4CanonicalRequest({ method, bucket: input.bucket, key: input.key, query, headers, additionalHeaders });
  const signature = ossV4Signature(input.credentials.accessKeySecret, timestamp, input.region, ossV4StringToSign(timestamp, input.region, canonicalRequest));
  return `${objectUrl(input.address, input.key)}?${queryString({ ...query, 'x-oss-signature': signature })}`;
}

export const ossSigner: ObjectSigner = {
  provider: 'aliyun',
  capabilities: rules.capabilities,

  signPostForm(request): PostForm {
    const input = checkPost(rules, schemas(), request);
    const { credentials } = input;
    const timestamp = basicIsoTimestamp(new Date(input.signedAt * 1000));
    const v4Fields = {
      'x-oss-signature-version': OSS_V4_ALGORITHM,
      'x-oss-credential': ossV4Credential(credentials.accessKeyId, timestamp, input.region),
      'x-oss-date': timestamp,
      ...(credentials.securityToken !== undefined ? { 'x-oss-security-token': credentials.securityToken } : {}),
    };
    const expiration = isoSeconds(input.expiresAt);
    const policy = encodePolicy({
      expiration,
      conditions: [
        { bucket: input.bucket },
        ['eq', '$key', input.key],
        ['content-length-range', input.minSize, input.maxSize],
        ['eq', '$content-type', input.contentType],
        ...Object.entries(v4Fields).map(([name, value]) => ({ [name]: value })),
      ],
    });
    return {
      method: 'POST',
      url: bucketUrl(input.address),
      fields: {
        key: input.key,
        'Content-Type': input.contentType,
        ...v4Fields,
        policy: policy.base64,
        'x-oss-signature': ossV4Signature(credentials.accessKeySecret, timestamp, input.region, policy.base64),
      },
      expiration,
    };
  },

  presignPut(request): PresignedPut {
    const input = checkPut(rules, schemas(), request);
    const headers: Record<string, string> = { 'Content-Type': input.contentType };
    if (input.forbidOverwrite) headers['x-oss-forbid-overwrite'] = 'true';
    const sizeBound = input.contentLength !== undefined;
    const signingHeaders = sizeBound ? { ...headers, 'content-length': String(input.contentLength) } : headers;
    const additionalHeaders = sizeBound ? ['content-length'] : [];
    return {
      method: 'PUT',
      url: presignedUrl(input, 'PUT', signingHeaders, additionalHeaders, {}),
      headers,
      signedHeaders: Object.keys(signingHeaders).map((name) => name.toLowerCase()).sort(),
      sizeBound,
      overwriteForbidden: input.forbidOverwrite,
      expiration: isoSeconds(input.expiresAt),
    };
  },

  presignGet(request): PresignedGet {
    const input = checkGet(rules, schemas(), request);
    const extraQuery: Record<string, string> = input.filename === undefined ? {} : { 'response-content-disposition': attachmentDisposition(input.filename) };
    return { method: 'GET', url: presignedUrl(input, 'GET', {}, [], extraQuery), expiration: isoSeconds(input.expiresAt) };
  },
};
