/**
 * Huawei Cloud's AK/SK request signature, `SDK-HMAC-SHA256`, as documented in the API Request Signing
 * Guide. Pure: the caller supplies the `X-Sdk-Date` value, so the official worked example and the
 * differential tests against the official SDK can pin every input.
 *
 * Unlike the Aliyun and Tencent signatures there is no derived key: the secret key signs the string to
 * sign directly. `host` and `x-sdk-date` are always signed; every header passed in is signed too, so a
 * temporary key's `X-Security-Token` is covered by the signature.
 *
 * @module
 */
import { createHmac } from 'node:crypto';
import { basicIsoTimestamp, percentEncode, sha256Hex } from '../encoding.js';

export const SDK_HMAC_ALGORITHM = 'SDK-HMAC-SHA256';

export interface SdkHmacRequest {
  readonly method: string;
  readonly host: string;
  /** The path as sent, not yet percent-encoded: each segment is encoded here. */
  readonly path: string;
  /** Query parameters, not yet encoded; a repeated parameter is a list of values. */
  readonly query: Readonly<Record<string, string | readonly string[]>>;
  /** Headers to sign beside `host` and `x-sdk-date` (e.g. `content-type`, `x-security-token`). */
  readonly headers: Readonly<Record<string, string>>;
  readonly payload: string;
  /** The `X-Sdk-Date` value: UTC, `YYYYMMDDTHHMMSSZ`. */
  readonly sdkDate: string;
}

export interface SdkHmacSignature {
  readonly canonicalRequest: string;
  readonly stringToSign: string;
  readonly signature: string;
  readonly signedHeaders: string;
  readonly authorization: string;
}

/** `2019-11-15T03:36:55.123Z` → `20191115T033655Z`. */
export const sdkDateOf: (date: Date) => string = basicIsoTimestamp;

/** The signed path always ends in `/`, even though the request itself need not. */
function canonicalUri(path: string): string {
  const encoded = path.split('/').map(percentEncode).join('/');
  return encoded.endsWith('/') ? encoded : `${encoded}/`;
}

function canonicalQuery(query: SdkHmacRequest['query']): string {
  const pairs: string[] = [];
  for (const key of Object.keys(query).sort()) {
    const value = query[key]!;
    const values = typeof value === 'string' ? [value] : [...value].sort();
    for (const item of values) pairs.push(`${percentEncode(key)}=${percentEncode(item)}`);
  }
  return pairs.join('&');
}

export function signSdkHmac(request: SdkHmacRequest, credentials: { accessKeyId: string; accessKeySecret: string }): SdkHmacSignature {
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(request.headers)) headers.set(name.toLowerCase(), value.trim());
  headers.set('host', request.host);
  headers.set('x-sdk-date', request.sdkDate);
  const names = [...headers.keys()].sort();
  const signedHeaders = names.join(';');

  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalUri(request.path),
    canonicalQuery(request.query),
    names.map((name) => `${name}:${headers.get(name)}\n`).join(''),
    signedHeaders,
    sha256Hex(request.payload),
  ].join('\n');
  const stringToSign = `${SDK_HMAC_ALGORITHM}\n${request.sdkDate}\n${sha256Hex(canonicalRequest)}`;
  const signature = createHmac('sha256', credentials.accessKeySecret).update(stringToSign, 'utf8').digest('hex');
  return {
    canonicalRequest,
    stringToSign,
    signature,
    signedHeaders,
    authorization: `${SDK_HMAC_ALGORITHM} Access=${credentials.accessKeyId}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
}
