/**
 * COS request signature, `q-sign-algorithm=sha1` ("请求签名", cloud.tencent.com/document/product/436/7778),
 * and the POST Object policy signature ("POST Object" → 签名保护, .../436/14690). Pure functions over
 * explicit inputs, so the official worked examples and the differential tests pin every part.
 *
 * - SignKey = hex HMAC-SHA1(SecretKey, KeyTime), where KeyTime is `start;end` in Unix seconds.
 * - HttpString = `method\nUriPathname\nHttpParameters\nHttpHeaders\n`: the method in lower case, the path
 *   as stored (not URL-encoded), and the signed parameters and headers as `name=value` pairs joined by
 *   `&`, names URL-encoded then lower-cased, values URL-encoded, sorted by name.
 * - StringToSign = `sha1\nKeyTime\nSHA1(HttpString)\n`; Signature = hex HMAC-SHA1(SignKey, StringToSign),
 *   the SignKey used as its hex text.
 * - For a POST form: StringToSign = hex SHA1 of the policy JSON text (not of its base64).
 *
 * @module
 */
import { createHash, createHmac } from 'node:crypto';
import { percentEncode } from '../../sts/encoding.js';

export const COS_SIGN_ALGORITHM = 'sha1';

const sha1Hex = (data: string): string => createHash('sha1').update(data, 'utf8').digest('hex');
const hmacSha1Hex = (key: string, data: string): string => createHmac('sha1', key).update(data, 'utf8').digest('hex');

export const cosSignKey = (secretKey: string, keyTime: string): string => hmacSha1Hex(secretKey, keyTime);

export interface CosRequest {
  readonly method: string;
  /** `/` followed by the key as stored, not URL-encoded. */
  readonly path: string;
  /** The query parameters to sign, not yet encoded. */
  readonly query: Readonly<Record<string, string>>;
  /** The headers to sign, e.g. host and content-type. */
  readonly headers: Readonly<Record<string, string>>;
}

/** `name=value&…` and `name;…` for one set of signed parameters or headers. */
function signedPairs(entries: Readonly<Record<string, string>>): { pairs: string; list: string } {
  const encoded = Object.entries(entries)
    .map(([name, value]) => [percentEncode(name).toLowerCase(), percentEncode(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { pairs: encoded.map(([name, value]) => `${name}=${value}`).join('&'), list: encoded.map(([name]) => name).join(';') };
}

export interface CosSignature {
  readonly httpString: string;
  readonly stringToSign: string;
  /** The `q-*` parameters, in the documented order; as a header they are joined with `&`. */
  readonly params: {
    readonly 'q-sign-algorithm': string;
    readonly 'q-ak': string;
    readonly 'q-sign-time': string;
    readonly 'q-key-time': string;
    readonly 'q-header-list': string;
    readonly 'q-url-param-list': string;
    readonly 'q-signature': string;
  };
}

export function signCosRequest(request: CosRequest, credentials: { accessKeyId: string; accessKeySecret: string }, keyTime: string): CosSignature {
  const parameters = signedPairs(request.query);
  const headers = signedPairs(request.headers);
  const httpString = `${request.method.toLowerCase()}\n${request.path}\n${parameters.pairs}\n${headers.pairs}\n`;
  const stringToSign = `${COS_SIGN_ALGORITHM}\n${keyTime}\n${sha1Hex(httpString)}\n`;
  return {
    httpString,
    stringToSign,
    params: {
      'q-sign-algorithm': COS_SIGN_ALGORITHM,
      'q-ak': credentials.accessKeyId,
      'q-sign-time': keyTime,
      'q-key-time': keyTime,
      'q-header-list': headers.list,
      'q-url-param-list': parameters.list,
      'q-signature': hmacSha1Hex(cosSignKey(credentials.accessKeySecret, keyTime), stringToSign),
    },
  };
}

/** The `Authorization` header form of a signature. */
export const cosAuthorization = (signature: CosSignature): string =>
  Object.entries(signature.params)
    .map(([name, value]) => `${name}=${value}`)
    .join('&');

/** The POST form's `q-signature` for the policy JSON text. */
export const cosPolicySignature = (secretKey: string, keyTime: string, policyJson: string): string =>
  hmacSha1Hex(cosSignKey(secretKey, keyTime), sha1Hex(policyJson));
