/**
 * Tencent Cloud API 3.0 request signature, `TC3-HMAC-SHA256`, as documented in "签名方法 v3". Pure:
 * the caller supplies the timestamp, so the official worked example and differential tests pin every
 * input. Signs `content-type`, `host` and any `x-tc-*` headers passed in `signedHeaders`.
 *
 * @module
 */
import { createHmac } from 'node:crypto';
import { sha256Hex } from '../encoding.js';

export const TC3_ALGORITHM = 'TC3-HMAC-SHA256';

export interface Tc3Request {
  readonly method: string;
  readonly host: string;
  readonly path: string;
  /** Already-encoded query string without `?` (empty for POST, as the APIs use it). */
  readonly query: string;
  /** Header values to sign, by name; `host` is taken from {@link host}. */
  readonly signedHeaders: Readonly<Record<string, string>>;
  readonly payload: string;
  readonly service: string;
  /** Unix seconds: the `X-TC-Timestamp` header value. */
  readonly timestamp: number;
}

export interface Tc3Signature {
  readonly canonicalRequest: string;
  readonly stringToSign: string;
  readonly credentialScope: string;
  readonly signature: string;
  readonly signedHeaders: string;
  readonly authorization: string;
}

const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

export function signTc3(request: Tc3Request, credentials: { secretId: string; secretKey: string }): Tc3Signature {
  const headers = new Map<string, string>([['host', request.host]]);
  for (const [name, value] of Object.entries(request.signedHeaders)) {
    const lower = name.toLowerCase();
    // The specification lower-cases header names and trims values; the worked example that signs
    // x-tc-action shows its value lower-cased as well.
    if (lower !== 'host') headers.set(lower, lower.startsWith('x-tc-') ? value.trim().toLowerCase() : value.trim());
  }
  const names = [...headers.keys()].sort();
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    request.method.toUpperCase(),
    request.path || '/',
    request.query,
    names.map((name) => `${name}:${headers.get(name)}\n`).join(''),
    signedHeaders,
    sha256Hex(request.payload),
  ].join('\n');

  // The credential date is the UTC calendar date of the timestamp, not the local one.
  const date = new Date(request.timestamp * 1000).toISOString().slice(0, 10);
  const credentialScope = `${date}/${request.service}/tc3_request`;
  const stringToSign = `${TC3_ALGORITHM}\n${request.timestamp}\n${credentialScope}\n${sha256Hex(canonicalRequest)}`;
  const secretDate = hmac(`TC3${credentials.secretKey}`, date);
  const secretService = hmac(secretDate, request.service);
  const secretSigning = hmac(secretService, 'tc3_request');
  const signature = createHmac('sha256', secretSigning).update(stringToSign, 'utf8').digest('hex');
  return {
    canonicalRequest,
    stringToSign,
    credentialScope,
    signature,
    signedHeaders,
    authorization: `${TC3_ALGORITHM} Credential=${credentials.secretId}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
}
