/**
 * Alibaba Cloud's V3 request signature, `ACS3-HMAC-SHA256`, as documented in "V3 request structure and
 * signature". Pure: the caller supplies date and nonce headers, so the official worked example and the
 * differential tests can pin every input.
 *
 * @module
 */
import { createHmac } from 'node:crypto';
import { percentEncode, sha256Hex } from '../encoding.js';

export const ACS3_ALGORITHM = 'ACS3-HMAC-SHA256';

export interface Acs3Request {
  readonly method: string;
  readonly host: string;
  /** Canonical URI: `/` for RPC-style APIs such as STS. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Must include the `x-acs-*` headers to sign; `host` is taken from {@link host}. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface Acs3Signature {
  readonly canonicalRequest: string;
  readonly stringToSign: string;
  readonly signature: string;
  readonly signedHeaders: string;
  readonly authorization: string;
}

export function canonicalQueryString(query: Readonly<Record<string, string>>): string {
  return Object.entries(query)
    .map(([key, value]) => [percentEncode(key), percentEncode(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

/** Only `host`, `content-type` and `x-acs-*` headers are signed, per the V3 specification. */
const isSignedHeader = (name: string) => name === 'host' || name === 'content-type' || name.startsWith('x-acs-');

export function signAcs3(request: Acs3Request, credentials: { accessKeyId: string; accessKeySecret: string }): Acs3Signature {
  const headers = new Map<string, string>([['host', request.host]]);
  for (const [name, value] of Object.entries(request.headers)) {
    const lower = name.toLowerCase();
    if (lower !== 'host' && isSignedHeader(lower)) headers.set(lower, value.trim());
  }
  const names = [...headers.keys()].sort();
  const canonicalHeaders = names.map((name) => `${name}:${headers.get(name)}\n`).join('');
  const signedHeaders = names.join(';');
  const hashedPayload = headers.get('x-acs-content-sha256') ?? sha256Hex(request.body);
  const canonicalUri = request.path.split('/').map(percentEncode).join('/') || '/';

  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalUri,
    canonicalQueryString(request.query),
    canonicalHeaders,
    signedHeaders,
    hashedPayload,
  ].join('\n');
  const stringToSign = `${ACS3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`;
  const signature = createHmac('sha256', credentials.accessKeySecret).update(stringToSign, 'utf8').digest('hex');
  return {
    canonicalRequest,
    stringToSign,
    signature,
    signedHeaders,
    authorization: `${ACS3_ALGORITHM} Credential=${credentials.accessKeyId},SignedHeaders=${signedHeaders},Signature=${signature}`,
  };
}
