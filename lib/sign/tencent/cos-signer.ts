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
import { defineObjectSigner, sortedNames } from '../define-signer.js';
import { MAX_SINGLE_UPLOAD_BYTES, ONE_WEEK_SECONDS } from '../limits.js';
import { objectUrl, queryString } from '../object-url.js';
import { uploadPolicy } from '../post-policy.js';
import type { Signable } from '../validate.js';
import { COS_SIGN_ALGORITHM, cosPolicySignature, signCosRequest } from './q-sign.js';

export const CLOCK_SKEW_SECONDS = 60;

const keyTimeOf = (input: Signable): string => `${input.signedAt - CLOCK_SKEW_SECONDS};${input.expiresAt}`;

const tokenParameter = (input: Signable): Record<string, string> =>
  input.credentials.securityToken === undefined ? {} : { 'x-cos-security-token': input.credentials.securityToken };

export const cosSigner = defineObjectSigner({
  provider: 'tencent',
  rules: {
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
  },
  forbidOverwriteHeader: 'x-cos-forbid-overwrite',

  postFields(input, expiration) {
    const { credentials } = input;
    const keyTime = keyTimeOf(input);
    const signed = { 'q-sign-algorithm': COS_SIGN_ALGORITHM, 'q-ak': credentials.accessKeyId, 'q-sign-time': keyTime };
    const token = tokenParameter(input);
    const policy = uploadPolicy(input, expiration, 'Content-Type', { ...signed, ...token });
    return {
      key: input.key,
      'Content-Type': input.contentType,
      ...token,
      policy: policy.base64,
      ...signed,
      'q-key-time': keyTime,
      'q-signature': cosPolicySignature(credentials.accessKeySecret, keyTime, policy.json),
    };
  },

  signUrl(input, method, headers, parameters) {
    // The path signs the key alone, so the host is signed too: it is what names the bucket.
    const signedHeaders = { ...headers, host: input.address.host };
    const query = { ...parameters, ...tokenParameter(input) };
    const signature = signCosRequest({ method, path: `/${input.key}`, query, headers: signedHeaders }, input.credentials, keyTimeOf(input));
    return { url: `${objectUrl(input.address, input.key)}?${queryString({ ...query, ...signature.params })}`, signedHeaders: sortedNames(signedHeaders) };
  },
});
