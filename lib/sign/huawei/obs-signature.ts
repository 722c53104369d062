/**
 * OBS's own signatures ("URL中携带签名", support.huaweicloud.com/api-obs/obs_04_0011.html; "基于浏览器上传的
 * 表单中携带签名", .../obs_04_0012.html). Pure functions over explicit inputs.
 *
 * - Query signature: `Signature = Base64(HMAC-SHA1(SK, StringToSign))`, URL-encoded in the URL, where
 *   StringToSign = `Verb\nContent-MD5\nContent-Type\nExpires\n` + CanonicalizedHeaders +
 *   CanonicalizedResource. CanonicalizedHeaders are the `x-obs-*` headers, lower-case, sorted, one
 *   `name:value\n` each; CanonicalizedResource is `/<bucket>/<key>` with the key as it appears in the URL
 *   path, then the sub-resources (among them `response-content-disposition` and
 *   `x-obs-security-token`) sorted, `?name=value` joined by `&`, values as they are, not encoded.
 * - POST form: `signature = Base64(HMAC-SHA1(SK, policy))` over the base64 policy.
 *
 * @module
 */
import { createHmac } from 'node:crypto';
import { encodeKeyPath } from '../object-url.js';

export interface ObsQueryRequest {
  readonly method: string;
  readonly bucket: string;
  readonly key: string;
  readonly contentMd5?: string | undefined;
  readonly contentType?: string | undefined;
  /** Unix seconds when the URL stops working (the `Expires` parameter). */
  readonly expires: number;
  /** `x-obs-*` headers the request will carry. */
  readonly obsHeaders: Readonly<Record<string, string>>;
  /** Sub-resources in the query, not encoded; an empty value is signed as the bare name. */
  readonly subResources: Readonly<Record<string, string>>;
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function obsStringToSign(request: ObsQueryRequest): string {
  const headers = Object.entries(request.obsHeaders)
    .map(([name, value]) => [name.toLowerCase(), value.trim()] as const)
    .sort(([a], [b]) => byCodeUnit(a, b))
    .map(([name, value]) => `${name}:${value}\n`)
    .join('');
  const subResources = Object.keys(request.subResources)
    .sort(byCodeUnit)
    .map((name) => (request.subResources[name] === '' ? name : `${name}=${request.subResources[name]}`))
    .join('&');
  const resource = `/${request.bucket}/${encodeKeyPath(request.key)}${subResources === '' ? '' : `?${subResources}`}`;
  return `${request.method.toUpperCase()}\n${request.contentMd5 ?? ''}\n${request.contentType ?? ''}\n${request.expires}\n${headers}${resource}`;
}

/** Base64 HMAC-SHA1: the query signature of a StringToSign, and the form signature of a base64 policy. */
export const obsSignature = (secretKey: string, stringToSign: string): string => createHmac('sha1', secretKey).update(stringToSign, 'utf8').digest('base64');
