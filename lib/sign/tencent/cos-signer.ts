/**
 * Tencent COS: POST Object forms, presigned PUT and presigned GET, all with the q-sign (sha1) scheme.
 *
 * - The POST policy carries the fields COS requires in it (`q-sign-algorithm`, `q-ak`, `q-sign-time`),
 *   the bucket, the exact key, the size range, the exact content type and the security token; the form
 *   sends `q-key-time` (and `q-sign-time`, because COS wants every field a policy names except the bucket
 *   to appear in the form).
 * - A presigned PUT signs host, content-type, `x-cos-forbid-overwrite: true` and the exact
 *   content-length as headers, and the security token as a URL parameter.
 * - A presigned GET signs host, `response-content-disposition` and the security token.
 *
 * The signature's start time is {@link CLOCK_SKEW_SECONDS} before the signing time: COS refuses a
 * request before the start of `q-sign-time`, and a server clock a little ahead of COS's would otherwise
 * hand out URLs that do not work yet.
 *
 * @module
 */
import { lazy } from '../../lazy.js';
import { attachmentDisposition } from '../content-disposition.js';
import { MAX_SINGLE_UPLOAD_BYTES, ONE_WEEK_SECONDS } from '../limits.js';
import { bucketUrl, objectUrl, queryString } from '../object-url.js';
import { encodePolicy } from '../post-policy.js';
import type { ObjectSigner, PostForm, PresignedGet, PresignedPut } from '../types.js';
import { checkGet, checkPost, checkPut, type CloudRules, isoSeconds, requestSchemas, type Signable } from '../validate.js';
import { COS_SIGN_ALGORITHM, cosPolicySignature, signCosRequest } from './q-sign.js';

export const CLOCK_SKEW_SECONDS = 60;

const rules: CloudRules = {
  provider: 'tencent',
  capabilities: {
    putBindsSize: true,
    putForbidsOverwrite: true,
    maxObjectBytes: MAX_SINGLE_UPLOAD_BYTES,
    // "对象键 … 长度限制为850字节"
    maxKeyBytes: 850,
    // COS documents no ceiling for q-sign-time; stsgate keeps OSS's week.
    maxLifetimeSeconds: ONE_WEEK_SECONDS,
  },
  // `<name>-<APPID>`: the name in lower-case letters, digits and hyphens, the APPID in digits.
  bucketName: /^(?=.{3,63}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?-\d{1,20}$/,
  bucketRule: 'must be a COS bucket name with its APPID, e.g. examplebucket-1250000000',
  regionId: /^[a-z0-9][a-z0-9-]{1,48}[a-z0-9]$/,
  publicHost: (region) => `cos.${region}.myqcloud.com`,
};

const schemas = lazy(() => requestSchemas(rules));

const keyTimeOf = (input: Signable): string => `${input.signedAt - CLOCK_SKEW_SECONDS};${input.expiresAt}`;

const tokenParam = (input: Signable): Record<string, string> =>
  input.credentials.securityToken === undefined ? {} : { 'x-cos-security-token': input.credentials.securityToken };

function presignedUrl(input: Signable, method: string, headers: Readonly<Record<string, string>>, query: Readonly<Record<string, string>>): string {
  const signature = signCosRequest({ method, path: `/${input.key}`, query, headers }, input.credentials, keyTimeOf(input));
  return `${objectUrl(input.address, input.key)}?${queryString({ ...query, ...signature.params })}`;
}

export const cosSigner: ObjectSigner = {
  provider: 'tencent',
  capabilities: rules.capabilities,

  signPostForm(request): PostForm {
    const input = checkPost(rules, schemas(), request);
    const { credentials } = input;
    const keyTime = keyTimeOf(input);
    const expiration = isoSeconds(input.expiresAt);
    const token = tokenParam(input);
    const policy = encodePolicy({
      expiration,
      conditions: [
        { bucket: input.bucket },
        ['eq', '$key', input.key],
        ['content-length-range', input.minSize, input.maxSize],
        ['eq', '$Content-Type', input.contentType],
        { 'q-sign-algorithm': COS_SIGN_ALGORITHM },
        { 'q-ak': credentials.accessKeyId },
        { 'q-sign-time': keyTime },
        ...Object.entries(token).map(([name, value]) => ({ [name]: value })),
      ],
    });
    return {
      method: 'POST',
      url: bucketUrl(input.address),
      fields: {
        key: input.key,
        'Content-Type': input.contentType,
        ...token,
        policy: policy.base64,
        'q-sign-algorithm': COS_SIGN_ALGORITHM,
        'q-ak': credentials.accessKeyId,
        'q-key-time': keyTime,
        'q-sign-time': keyTime,
        'q-signature': cosPolicySignature(credentials.accessKeySecret, keyTime, policy.json),
      },
      expiration,
    };
  },

  presignPut(request): PresignedPut {
    const input = checkPut(rules, schemas(), request);
    const headers: Record<string, string> = { 'Content-Type': input.contentType };
    if (input.forbidOverwrite) headers['x-cos-forbid-overwrite'] = 'true';
    const sizeBound = input.contentLength !== undefined;
    const signingHeaders: Record<string, string> = { ...headers, host: input.address.host };
    if (sizeBound) signingHeaders['content-length'] = String(input.contentLength);
    return {
      method: 'PUT',
      url: presignedUrl(input, 'PUT', signingHeaders, tokenParam(input)),
      headers,
      signedHeaders: Object.keys(signingHeaders).map((name) => name.toLowerCase()).sort(),
      sizeBound,
      overwriteForbidden: input.forbidOverwrite,
      expiration: isoSeconds(input.expiresAt),
    };
  },

  presignGet(request): PresignedGet {
    const input = checkGet(rules, schemas(), request);
    const query: Record<string, string> = tokenParam(input);
    if (input.filename !== undefined) query['response-content-disposition'] = attachmentDisposition(input.filename);
    return { method: 'GET', url: presignedUrl(input, 'GET', { host: input.address.host }, query), expiration: isoSeconds(input.expiresAt) };
  },
};
