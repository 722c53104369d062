/**
 * COS's `q-sign` signature as COS checks it, written from the published algorithm ("请求签名",
 * https://cloud.tencent.com/document/product/436/7778): `SignKey = HMAC-SHA1(SecretKey, KeyTime)` (hex),
 * `HttpString = method \n UriPathname \n HttpParameters \n HttpHeaders \n` with the method lowercase, the path
 * unencoded, and the parameters and headers named in `q-url-param-list` and `q-header-list` as
 * `name=UrlEncode(value)` joined by `&`; `StringToSign = sha1 \n SignTime \n SHA1(HttpString) \n`;
 * `Signature = HMAC-SHA1(SignKey, StringToSign)` (hex). A request outside its `q-sign-time` is refused as
 * COS refuses it, "Request has expired".
 *
 * The same fields travel in the Authorization header or, for a presigned URL, in the query string (with the
 * token in `x-cos-security-token`, unsigned). The stand-in runs its bucket in COS's strict signature mode
 * with the rule "all actions: Host and all request parameters must be signed" ("严格签名模式",
 * https://cloud.tencent.com/document/product/436/56532), so a `response-content-disposition` the signature
 * does not cover is refused rather than honoured.
 *
 * @module
 */
import { createHash, createHmac } from 'node:crypto';
import type { IncomingRequest } from '../shared/emulator-server.js';
import { constantTimeEqual, rfc3986Encode, splitTarget } from '../shared/signing.js';
import { decodedQuery, safeDecode } from './query-params.js';
import type { AuthenticatedBy, SignatureCheck } from './refusal.js';

const REQUIRED_FIELDS = ['q-sign-algorithm', 'q-ak', 'q-sign-time', 'q-key-time', 'q-header-list', 'q-url-param-list', 'q-signature'];
const KEY_TIME = /^\d{10};\d{10}$/;
/** Query parameters that are the signature itself (or, for a URL, its unsigned token), not signed parameters. */
const AUTH_PARAMS = new Set([...REQUIRED_FIELDS, 'x-cos-security-token']);

/** The hex SignKey: HMAC-SHA1 of the KeyTime with the secret. */
export function cosSignKey(secret: string, keyTime: string): string {
  return createHmac('sha1', secret).update(keyTime, 'utf8').digest('hex');
}

/** The hex signature of a StringToSign with a SignKey. */
export function cosSignatureOf(signKey: string, stringToSign: string): string {
  return createHmac('sha1', signKey).update(stringToSign, 'utf8').digest('hex');
}

export function sha1Hex(text: string): string {
  return createHash('sha1').update(text, 'utf8').digest('hex');
}

/** Whether `keyTime` (`start;end` in Unix seconds) covers `now` (ms). */
export function coversNow(keyTime: string, now: number): boolean {
  const [start, end] = keyTime.split(';').map(Number) as [number, number];
  return start <= now / 1000 && now / 1000 <= end;
}

export function isKeyTime(value: string | undefined): value is string {
  return value !== undefined && KEY_TIME.test(value);
}

/** The `q-*` fields of an Authorization header (`a=b&c=d`), or undefined when it is not a q-sign. */
export function qSignFromHeader(authorization: string): Map<string, string> | undefined {
  const fields = new Map<string, string>();
  for (const pair of authorization.split('&')) {
    const mark = pair.indexOf('=');
    if (mark > 0) fields.set(pair.slice(0, mark), pair.slice(mark + 1));
  }
  return isQSign(fields) ? fields : undefined;
}

/** The `q-*` fields of a presigned URL's decoded query, or undefined when it carries none. */
export function qSignFromQuery(params: ReadonlyMap<string, string>): Map<string, string> | undefined {
  const fields = new Map(REQUIRED_FIELDS.flatMap((name) => (params.has(name) ? [[name, params.get(name)!] as const] : [])));
  return isQSign(fields) ? fields : undefined;
}

function isQSign(fields: ReadonlyMap<string, string>): boolean {
  return REQUIRED_FIELDS.every((name) => fields.has(name)) && fields.get('q-sign-algorithm') === 'sha1' && isKeyTime(fields.get('q-sign-time')) && isKeyTime(fields.get('q-key-time'));
}

/** Checks a request signed with `fields`; `securityToken` is what the request carried where COS looks for it. */
export function checkCosRequestSignature(
  request: IncomingRequest,
  fields: ReadonlyMap<string, string>,
  by: AuthenticatedBy,
  securityToken: string | undefined,
  secretOf: (accessKeyId: string) => string | undefined,
  now: number,
): SignatureCheck {
  const accessKeyId = fields.get('q-ak')!;
  const secret = secretOf(accessKeyId);
  if (secret === undefined) return { ok: false, code: 'InvalidAccessKeyId', message: 'The access key id does not exist.', accessKeyId };
  if (!coversNow(fields.get('q-sign-time')!, now)) return { ok: false, code: 'AccessDenied', message: 'Request has expired', accessKeyId };

  const headerList = splitList(fields.get('q-header-list')!);
  if (!headerList.includes('host')) return { ok: false, code: 'AccessDenied', message: 'Strict signature missing header that must be signed', accessKeyId };
  const missing = headerList.find((name) => request.headers[name] === undefined);
  if (missing !== undefined) return { ok: false, code: 'SignatureDoesNotMatch', message: `Signed header ${missing} is absent.`, accessKeyId };

  const { path, query } = splitTarget(request.url);
  const paramList = splitList(fields.get('q-url-param-list')!).map((name) => safeDecode(name));
  const queryValues = new Map(decodedQuery(query).map(([name, value]) => [name.toLowerCase(), value] as const));
  const unsigned = [...queryValues.keys()].find((name) => !paramList.includes(name) && !(by === 'query' && AUTH_PARAMS.has(name)));
  if (unsigned !== undefined) return { ok: false, code: 'AccessDenied', message: 'Strict signature missing param that must be signed', accessKeyId };

  // Names are encoded, then lowercased whole (escapes included), as the algorithm says; values only encoded.
  const httpParameters = paramList.map((name) => `${rfc3986Encode(name).toLowerCase()}=${rfc3986Encode(queryValues.get(name) ?? '')}`).join('&');
  const httpHeaders = headerList.map((name) => `${name}=${rfc3986Encode(request.headers[name]!)}`).join('&');
  const httpString = `${request.method.toLowerCase()}\n${safeDecode(path)}\n${httpParameters}\n${httpHeaders}\n`;
  const stringToSign = `sha1\n${fields.get('q-sign-time')}\n${sha1Hex(httpString)}\n`;
  const expected = cosSignatureOf(cosSignKey(secret, fields.get('q-key-time')!), stringToSign);
  if (!constantTimeEqual(expected, fields.get('q-signature')!)) {
    return { ok: false, code: 'SignatureDoesNotMatch', message: 'The Signature you specified is invalid.', accessKeyId };
  }
  return { ok: true, accessKeyId, securityToken, by };
}

function splitList(list: string): string[] {
  return list === '' ? [] : list.split(';');
}
