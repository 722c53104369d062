/**
 * OSS signature V4 (`OSS4-HMAC-SHA256`) as OSS verifies it, for presigned URLs and POST forms, written
 * from the published algorithm ("在URL中包含V4签名", help.aliyun.com/zh/oss/developer-reference/add-signatures-to-urls;
 * "POST V4签名", …/signature-version-4-recommend):
 *
 * - SigningKey = HMAC-SHA256 chain `"aliyun_v4" + secret` → date (yyyymmdd) → region → `oss` → `aliyun_v4_request`;
 * - a URL signs `OSS4-HMAC-SHA256 \n x-oss-date \n <date>/<region>/oss/aliyun_v4_request \n hex(SHA256(CanonicalRequest))`,
 *   where CanonicalRequest = `VERB \n /<bucket>/<key, URI-encoded but for "/"> \n CanonicalQuery \n
 *   CanonicalHeaders \n AdditionalHeaders \n UNSIGNED-PAYLOAD`: every query parameter but x-oss-signature,
 *   RFC 3986-encoded and sorted (a name alone when its value is empty); the `content-type`, `content-md5`
 *   and `x-oss-*` headers the request carries plus the ones x-oss-additional-headers names, lowercase,
 *   trimmed, sorted, one `name:value\n` each;
 * - a form signs its base64 policy field as sent;
 * - the signature is the HMAC-SHA256 of that with the SigningKey, in lowercase hex.
 *
 * A URL lives `x-oss-expires` seconds (at most 7 days) from `x-oss-date`; an `x-oss-date` more than 15
 * minutes ahead of the service's clock is refused.
 *
 * @module
 */
import { createHmac } from 'node:crypto';
import type { IncomingRequest } from '../shared/emulator-server.js';
import { constantTimeEqual, rfc3986Encode, sha256Hex, splitTarget } from '../shared/signing.js';
import { decodedQuery } from './query-params.js';
import type { SignatureCheck } from './refusal.js';

export const OSS_V4_ALGORITHM = 'OSS4-HMAC-SHA256';
/** The longest a V4 URL may live. */
const MAX_EXPIRES_SECONDS = 7 * 24 * 3600;
const MAX_FUTURE_SKEW_MS = 15 * 60 * 1000;

export interface OssV4Credential {
  readonly accessKeyId: string;
  /** yyyymmdd */
  readonly date: string;
  readonly region: string;
}

/** `<AccessKeyId>/<yyyymmdd>/<region>/oss/aliyun_v4_request`, or undefined when not of that shape. */
export function parseOssV4Credential(text: string): OssV4Credential | undefined {
  const parts = text.split('/');
  if (parts.length < 5) return undefined;
  const [date, region, product, terminator] = parts.slice(-4) as [string, string, string, string];
  const accessKeyId = parts.slice(0, -4).join('/');
  if (accessKeyId === '' || !/^\d{8}$/.test(date) || region === '' || product !== 'oss' || terminator !== 'aliyun_v4_request') return undefined;
  return { accessKeyId, date, region };
}

/** `yyyymmddThhmmssZ` as ms since the epoch, or NaN. */
export function parseOssV4Date(text: string): number {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  return match ? Date.parse(`${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}Z`) : Number.NaN;
}

/** The lowercase hex signature of `stringToSign` with the key derived for `credential`. */
function ossV4Signature(secret: string, credential: OssV4Credential, stringToSign: string): string {
  let key: Buffer = Buffer.from(`aliyun_v4${secret}`, 'utf8');
  for (const step of [credential.date, credential.region, 'oss', 'aliyun_v4_request']) key = createHmac('sha256', key).update(step, 'utf8').digest();
  return createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
}

export function ossV4SignatureMatches(secret: string, credential: OssV4Credential, stringToSign: string, given: string): boolean {
  return constantTimeEqual(ossV4Signature(secret, credential, stringToSign), given);
}

/**
 * Checks a V4 presigned URL. `params` are the request's decoded query parameters; `target` names the
 * bucket, its region and the decoded key the request addresses.
 */
export function checkOssV4QuerySignature(
  request: IncomingRequest,
  params: ReadonlyMap<string, string>,
  target: { readonly bucket: string; readonly objectKey: string; readonly region: string },
  secretOf: (accessKeyId: string) => string | undefined,
  now: number,
): SignatureCheck {
  const credential = parseOssV4Credential(params.get('x-oss-credential') ?? '');
  const signedAt = parseOssV4Date(params.get('x-oss-date') ?? '');
  const expires = params.get('x-oss-expires') ?? '';
  const signature = params.get('x-oss-signature');
  if (!credential || !Number.isFinite(signedAt) || signature === undefined) {
    return { ok: false, code: 'InvalidArgument', status: 400, message: 'A V4 URL needs a valid x-oss-credential, x-oss-date, x-oss-expires and x-oss-signature.' };
  }
  const { accessKeyId } = credential;
  const problem = scopeProblem(credential, params.get('x-oss-date')!, target.region);
  if (problem !== undefined) return { ok: false, code: 'InvalidArgument', status: 400, message: problem, accessKeyId };
  if (!/^\d{1,6}$/.test(expires) || Number(expires) < 1 || Number(expires) > MAX_EXPIRES_SECONDS) {
    return { ok: false, code: 'InvalidArgument', status: 400, message: `x-oss-expires must be 1 to ${MAX_EXPIRES_SECONDS} seconds.`, accessKeyId };
  }
  if (signedAt - now > MAX_FUTURE_SKEW_MS) return { ok: false, code: 'AccessDenied', message: 'Request is not valid yet: x-oss-date is ahead of the server time.', accessKeyId };
  if (now > signedAt + Number(expires) * 1000) return { ok: false, code: 'AccessDenied', message: 'Request has expired.', accessKeyId };
  const secret = secretOf(accessKeyId);
  if (secret === undefined) return { ok: false, code: 'InvalidAccessKeyId', message: 'The OSS Access Key Id you provided does not exist in our records.', accessKeyId };

  const additional = (params.get('x-oss-additional-headers') ?? '').split(';').filter(Boolean);
  const absent = additional.find((name) => request.headers[name] === undefined);
  if (absent !== undefined) return { ok: false, code: 'SignatureDoesNotMatch', message: `The additional header ${absent} is absent.`, accessKeyId };
  const stringToSign = [OSS_V4_ALGORITHM, params.get('x-oss-date')!, scopeOf(credential), sha256Hex(canonicalRequest(request, target, additional))].join('\n');
  if (!ossV4SignatureMatches(secret, credential, stringToSign, signature)) {
    return { ok: false, code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided.', accessKeyId };
  }
  return { ok: true, accessKeyId, securityToken: params.get('x-oss-security-token'), by: 'query' };
}

/** What is wrong with a credential scope for a request signed at `ossDate` to a bucket in `region`. */
export function scopeProblem(credential: OssV4Credential, ossDate: string, region: string): string | undefined {
  if (ossDate.slice(0, 8) !== credential.date) return 'The date of x-oss-credential is not the day of x-oss-date.';
  if (credential.region !== region) return `The region of x-oss-credential is ${credential.region}; the bucket is in ${region}.`;
  return undefined;
}

function scopeOf(credential: OssV4Credential): string {
  return `${credential.date}/${credential.region}/oss/aliyun_v4_request`;
}

function canonicalRequest(request: IncomingRequest, target: { readonly bucket: string; readonly objectKey: string }, additional: readonly string[]): string {
  const uri = rfc3986Encode(`/${target.bucket}/${target.objectKey}`).replace(/%2F/g, '/');
  const query = decodedQuery(splitTarget(request.url).query)
    .filter(([name]) => name !== 'x-oss-signature')
    .map(([name, value]) => [rfc3986Encode(name), rfc3986Encode(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => (value === '' ? name : `${name}=${value}`))
    .join('&');
  const signed = new Set([...Object.keys(request.headers).filter(isDefaultSignedHeader), ...additional]);
  const headers = [...signed]
    .sort()
    .map((name) => `${name}:${request.headers[name]!.trim()}\n`)
    .join('');
  return [request.method, uri, query, headers, additional.join(';'), request.headers['x-oss-content-sha256'] ?? 'UNSIGNED-PAYLOAD'].join('\n');
}

function isDefaultSignedHeader(name: string): boolean {
  return name === 'content-type' || name === 'content-md5' || name.startsWith('x-oss-');
}
