/**
 * OSS signature V4, `OSS4-HMAC-SHA256` ("在URL中包含V4签名", help.aliyun.com/zh/oss/developer-reference/
 * add-signatures-to-urls; "POST V4签名", .../signature-version-4-recommend). Pure functions over explicit
 * inputs, so the vendor's own test vectors and the differential tests against ali-oss pin every part.
 *
 * - Signing key: HMAC-SHA256 chain `"aliyun_v4" + secret` → `yyyymmdd` → region → `oss` → `aliyun_v4_request`.
 * - Canonical request (URL and header signatures): method, `/<bucket>/<key>` RFC 3986-encoded with `/`
 *   kept, the canonical query, the canonical headers (`content-type`, `content-md5`, every `x-oss-*`, and
 *   the additional headers), the additional header names, and `UNSIGNED-PAYLOAD`.
 * - String to sign: algorithm, `yyyymmddThhmmssZ`, scope `yyyymmdd/<region>/oss/aliyun_v4_request`, and the
 *   SHA-256 of the canonical request; for a POST form the string to sign is the base64 policy itself.
 *
 * @module
 */
import { createHmac } from 'node:crypto';
import { percentEncode, sha256Hex } from '../../sts/encoding.js';

export const OSS_V4_ALGORITHM = 'OSS4-HMAC-SHA256';

export const ossV4Scope = (timestamp: string, region: string): string => `${timestamp.slice(0, 8)}/${region}/oss/aliyun_v4_request`;

/** The `x-oss-credential` value: `<AccessKeyId>/<yyyymmdd>/<region>/oss/aliyun_v4_request`. */
export const ossV4Credential = (accessKeyId: string, timestamp: string, region: string): string => `${accessKeyId}/${ossV4Scope(timestamp, region)}`;

const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/**
 * The derived key depends only on the secret, the day and the region, so it is kept: an upload signs a
 * form and a URL with it, and every request of the day reuses it (four HMACs of the five saved). The
 * signing role's keys rotate hourly, so a handful of entries covers every key still in use.
 */
const signingKeys = new Map<string, Buffer>();
const MAX_SIGNING_KEYS = 8;

function signingKey(accessKeySecret: string, day: string, region: string): Buffer {
  const id = `${day}\n${region}\n${accessKeySecret}`;
  let key = signingKeys.get(id);
  if (key === undefined) {
    key = hmac(hmac(hmac(hmac(`aliyun_v4${accessKeySecret}`, day), region), 'oss'), 'aliyun_v4_request');
    if (signingKeys.size >= MAX_SIGNING_KEYS) signingKeys.delete(signingKeys.keys().next().value!);
    signingKeys.set(id, key);
  }
  return key;
}

/** Hex HMAC-SHA256 of `stringToSign` under the key derived for the day of `timestamp` (`yyyymmddThhmmssZ`). */
export function ossV4Signature(accessKeySecret: string, timestamp: string, region: string, stringToSign: string): string {
  return createHmac('sha256', signingKey(accessKeySecret, timestamp.slice(0, 8), region)).update(stringToSign, 'utf8').digest('hex');
}

export interface OssV4Request {
  readonly method: string;
  readonly bucket: string;
  readonly key: string;
  /** Query parameters, not yet encoded; an empty value is signed as the bare name. */
  readonly query: Readonly<Record<string, string>>;
  /** Request headers; those OSS signs by default are picked out here. */
  readonly headers: Readonly<Record<string, string>>;
  /** Further headers to sign (lower-case), e.g. `content-length`; listed in `x-oss-additional-headers`. */
  readonly additionalHeaders: readonly string[];
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Names sorted by their encoded form; `name=value`, or the bare name when the value is empty. */
export function ossV4CanonicalQuery(query: Readonly<Record<string, string>>): string {
  return Object.entries(query)
    .map(([name, value]) => [percentEncode(name), value === '' ? '' : percentEncode(value)] as const)
    .sort(([a], [b]) => byCodeUnit(a, b))
    .map(([name, value]) => (value === '' ? name : `${name}=${value}`))
    .join('&');
}

/** content-type, content-md5 and every x-oss-* header are always signed; others only as additional headers. */
export const isOssV4DefaultSigned = (name: string): boolean => name === 'content-type' || name === 'content-md5' || name.startsWith('x-oss-');

export function ossV4CanonicalRequest(request: OssV4Request): string {
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(request.headers)) headers.set(name.toLowerCase(), value.trim());
  const additional = [...new Set(request.additionalHeaders.map((name) => name.toLowerCase()))].filter((name) => !isOssV4DefaultSigned(name)).sort(byCodeUnit);
  const signed = [...headers.keys()].filter((name) => isOssV4DefaultSigned(name) || additional.includes(name)).sort(byCodeUnit);
  const missing = additional.find((name) => !headers.has(name));
  if (missing !== undefined) throw new Error(`additional header ${missing} is not among the request headers`);
  return [
    request.method.toUpperCase(),
    `/${request.bucket}/${request.key}`.split('/').map(percentEncode).join('/'),
    ossV4CanonicalQuery(request.query),
    signed.map((name) => `${name}:${headers.get(name)}\n`).join(''),
    additional.join(';'),
    'UNSIGNED-PAYLOAD',
  ].join('\n');
}

export const ossV4StringToSign = (timestamp: string, region: string, canonicalRequest: string): string =>
  [OSS_V4_ALGORITHM, timestamp, ossV4Scope(timestamp, region), sha256Hex(canonicalRequest)].join('\n');
