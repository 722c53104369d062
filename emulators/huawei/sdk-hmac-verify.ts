/**
 * Verification of Huawei Cloud's `SDK-HMAC-SHA256` request signature, as API Gateway (APIG) applies it in front of
 * IAM, STS and the other cloud services. Shared by the Huawei emulators; pure functions without I/O.
 *
 * Written from the published algorithm (API Request Signing Guide, "签名算法详解",
 * https://support.huaweicloud.com/eu/devg-apisign/api-sign-algorithm-003.html; reference §4.1) and shares no code
 * with the project's signer in lib/ nor with the official SDK:
 *
 *     CanonicalRequest = Method \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n SignedHeaders \n
 *                        HexEncode(SHA256(payload))
 *     StringToSign     = "SDK-HMAC-SHA256" \n X-Sdk-Date \n HexEncode(SHA256(CanonicalRequest))
 *     Signature        = HexEncode(HMAC-SHA256(SecretKey, StringToSign))
 *     Authorization: SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<a;b>, Signature=<hex>
 *
 * A gateway only has the request as it arrived, so everything is rebuilt from the received bytes:
 *
 * - Path. Clients percent-encode each segment before sending (RFC 3986), so the received path is already encoded,
 *   while the canonical URI is defined as "URI-encode each segment". The official APIG signers canonicalise the
 *   *decoded* path (the Go signer splits `r.URL.Path`, which Go has decoded, and escapes every segment), so APIG has
 *   to do the same: decode the received path, split it on `/`, encode each segment with the RFC 3986 unreserved set
 *   (`A-Z a-z 0-9 - _ . ~`, upper-case hex) and append a `/` if the result does not end with one. This is what
 *   {@link canonicalUri} does. It makes `~`, `%7E` and `%7e` equivalent, and an encoded slash (`%2F`) inside a segment
 *   becomes a separator, like in the Go signer. The Node core SDK instead encodes the pathname it is given without
 *   decoding first (so it would sign `%` as `%25`); for paths made of unreserved characters, such as the two IAM/STS
 *   paths the emulators serve, all of these agree. How APIG itself treats unusual paths could not be confirmed
 *   (UNVERIFIED); a path with invalid percent-encoding is refused.
 * - Query. Parsed like Go's `url.Query()` (which the Go signer uses): pairs split on `&`, name and value split at the
 *   first `=`, both percent-decoded with `+` read as a space; then names sorted, the values of a repeated name sorted,
 *   every pair emitted as `encode(name)=encode(value)` and joined with `&`. Sorting compares the decoded text in
 *   code-point order (the SDKs sort the decoded keys; UTF-8 byte order is the same order). A name without `=` has
 *   an empty value. No query gives an empty line.
 * - Headers. One `name:value\n` line per name in SignedHeaders, with the value as received (leading and trailing
 *   white space trimmed, as the doc's pseudo-code says; HTTP parsers strip it anyway) and its case kept: unlike TC3,
 *   values are not lower-cased (the official example signs `x-sdk-date:20191115T033655Z`).
 * - Payload. SHA-256 hex of the received body bytes, or the literal `UNSIGNED-PAYLOAD` when the request carries
 *   `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD` (docs FAQ "Body体是否可以不参与签名"; the body is then not protected).
 *   Any other value of that header is ignored: the hash of what arrived is what counts.
 *
 * Requirements on top of the cryptography: `x-sdk-date` must be signed ("X-Sdk-Date必须参与签名"), and so must `host`
 * (every Huawei signer signs it, and without it a signature could be replayed against another endpoint). SignedHeaders
 * must be lower-case, sorted and free of duplicates, as the algorithm builds it. `X-Sdk-Date` is `YYYYMMDDTHHMMSSZ`
 * (UTC). {@link authenticateSdkHmacRequest} adds the gateway's policy: the clock window (15 minutes at APIG), the
 * caller lookup and the security-token rules for temporary keys.
 */
import { createHmac } from 'node:crypto';
import { canonicalRequest, constantTimeEqual, parseAuthorizationFields, rfc3986Encode, sha256Hex, signedHeaderListProblem } from '../shared/signing.js';
import type { CanonicalizationRules, CanonicalRequestInput } from '../shared/signing.js';

export { constantTimeEqual, rfc3986Encode, sha256Hex };
export type { CanonicalRequestInput };

export const SDK_HMAC_ALGORITHM = 'SDK-HMAC-SHA256';
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const SDK_DATE_HEADER = 'x-sdk-date';
export const CONTENT_SHA256_HEADER = 'x-sdk-content-sha256';
export const SECURITY_TOKEN_HEADER = 'x-security-token';
/** Headers a request must sign: the date because the algorithm requires it, the host to pin the endpoint. */
export const REQUIRED_SIGNED_HEADERS = ['host', SDK_DATE_HEADER] as const;
/** APIG refuses a request whose X-Sdk-Date is more than 15 minutes away from its own clock. */
export const APIG_ALLOWED_SKEW_SECONDS = 900;
/**
 * APIG's code for every IAM-authentication refusal, HTTP 401, message "Incorrect IAM authentication information: …"
 * (API Request Signing Guide FAQ "Common Errors Related to IAM Authentication Information",
 * https://support.huaweicloud.com/intl/en-us/devg-apisign/api-sign-0001.html). The guide documents APIGW.0303 for an
 * expired signature only under *App* authentication; for AK/SK (IAM) authentication no separate code is documented,
 * so an expired X-Sdk-Date is answered with APIGW.0301 as well (UNVERIFIED).
 */
export const APIG_AUTH_ERROR_CODE = 'APIGW.0301';
export const APIG_AUTH_ERROR_PREFIX = 'Incorrect IAM authentication information: ';
/** APIG's answer to a method or path that no API is published under, HTTP 404 (APIG user guide, error codes). */
export const APIG_NOT_FOUND_CODE = 'APIGW.0101';

// ---------------------------------------------------------------------------------------------------------------------
// Canonical request
// ---------------------------------------------------------------------------------------------------------------------

/**
 * The canonical URI of a received raw path (see the module comment): decoded, split on `/`, each segment
 * re-encoded, a `/` appended if missing. Throws URIError on malformed percent-encoding.
 */
export function canonicalUri(rawPath: string): string {
  const encoded = decodeURIComponent(rawPath).split('/').map(rfc3986Encode).join('/');
  return encoded.endsWith('/') ? encoded : `${encoded}/`;
}

function decodeQueryComponent(raw: string): string {
  return decodeURIComponent(raw.replace(/\+/g, ' '));
}

/** Code-point order, the order of the decoded keys the SDKs sort (and of their UTF-8 bytes). */
function compareCodePoints(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The canonical query string of a received raw query (without `?`). Throws URIError on malformed encoding. */
export function canonicalQueryString(rawQuery: string): string {
  const byName = new Map<string, string[]>();
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const name = decodeQueryComponent(equals === -1 ? part : part.slice(0, equals));
    const value = equals === -1 ? '' : decodeQueryComponent(part.slice(equals + 1));
    const values = byName.get(name);
    if (values) values.push(value);
    else byName.set(name, [value]);
  }
  return [...byName.keys()]
    .sort(compareCodePoints)
    .flatMap((name) => (byName.get(name) ?? []).sort(compareCodePoints).map((value) => `${rfc3986Encode(name)}=${rfc3986Encode(value)}`))
    .join('&');
}

/**
 * Node hands header values over as latin1 strings (one character per byte); they are read back as UTF-8 so that a
 * non-ASCII value is hashed as the client, which signs text, saw it. Trimmed, case kept.
 */
export function canonicalHeaderValue(received: string): string {
  return Buffer.from(received, 'latin1').toString('utf8').trim();
}

/** `UNSIGNED-PAYLOAD` when the request says so, otherwise the SHA-256 of the bytes that arrived. */
export function payloadHashFor(headers: Readonly<Record<string, string | undefined>>, body: string | Buffer): string {
  return headers[CONTENT_SHA256_HEADER]?.trim() === UNSIGNED_PAYLOAD ? UNSIGNED_PAYLOAD : sha256Hex(body);
}

/** The method as sent, the path and the query decoded and re-encoded (see the module comment), values trimmed. */
const SDK_HMAC_CANONICALIZATION: CanonicalizationRules = {
  method: (method) => method,
  uri: canonicalUri,
  query: canonicalQueryString,
  headerValue: canonicalHeaderValue,
};

/**
 * `hashedPayload` is the lowercase hex SHA-256 of the received body, or `UNSIGNED-PAYLOAD` ({@link payloadHashFor}).
 * Throws URIError on malformed percent-encoding and Error if a signed header is absent.
 */
export function canonicalRequestFor(input: CanonicalRequestInput): string {
  return canonicalRequest(input, SDK_HMAC_CANONICALIZATION);
}

/** `SDK-HMAC-SHA256 \n <X-Sdk-Date as sent> \n hex(SHA256(canonical request))`. */
export function stringToSignFor(sdkDate: string, canonicalRequest: string): string {
  return [SDK_HMAC_ALGORITHM, sdkDate, sha256Hex(canonicalRequest)].join('\n');
}

/** Lower-case hex HMAC-SHA256 keyed directly with the secret key (no key derivation, unlike TC3 or SigV4). */
export function signatureFor(secretKey: string, stringToSign: string): string {
  return createHmac('sha256', secretKey).update(stringToSign, 'utf8').digest('hex');
}

// ---------------------------------------------------------------------------------------------------------------------
// Authorization header and X-Sdk-Date
// ---------------------------------------------------------------------------------------------------------------------

export type ParsedAuthorization =
  | { ok: true; accessKey: string; signedHeaders: string[]; signature: string }
  | { ok: false; reason: string };

const AUTHORIZATION_FIELDS = ['Access', 'SignedHeaders', 'Signature'];

/**
 * Parses `SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<a;b>, Signature=<hex>`. The algorithm and the field names are
 * matched exactly (case included); fields are separated by commas, optionally followed by spaces ("算法与Access之前有
 * 空格但没有逗号，但是SignedHeaders与Signature之前需要使用逗号隔开"), each appears once, nothing else may appear.
 */
export function parseSdkHmacAuthorization(value: string): ParsedAuthorization {
  const prefix = `${SDK_HMAC_ALGORITHM} `;
  if (!value.startsWith(prefix)) {
    const algorithm = value.split(' ')[0] ?? '';
    return { ok: false, reason: `unsupported algorithm "${algorithm}", expected ${SDK_HMAC_ALGORITHM}` };
  }
  const fields = parseAuthorizationFields(value.slice(prefix.length), AUTHORIZATION_FIELDS);
  if (typeof fields === 'string') return { ok: false, reason: fields };
  const { Access: accessKey, SignedHeaders: signedList, Signature: signature } = fields;
  if (!accessKey || !signedList || !signature) {
    return { ok: false, reason: 'Access, SignedHeaders and Signature are all required' };
  }
  if (!/^[0-9a-f]{64}$/.test(signature)) return { ok: false, reason: 'Signature must be 64 lowercase hex digits' };
  const signedHeaders = signedList.split(';');
  const problem = signedHeaderListProblem(signedHeaders);
  if (problem !== undefined) return { ok: false, reason: problem };
  return { ok: true, accessKey, signedHeaders, signature };
}

/** Milliseconds since the epoch of an `X-Sdk-Date` (`YYYYMMDDTHHMMSSZ`, UTC), or undefined if malformed. */
export function parseSdkDate(value: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 20261340T… over into another date; a real timestamp survives the round trip.
  return formatSdkDate(ms) === value ? ms : undefined;
}

/** `YYYYMMDDTHHMMSSZ` of a millisecond timestamp (seconds truncated). */
export function formatSdkDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

// ---------------------------------------------------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------------------------------------------------

export interface SignedRequest {
  method: string;
  /** Request target exactly as received. */
  url: string;
  /** Received headers by lowercase name, `authorization` and `x-sdk-date` included. */
  headers: Readonly<Record<string, string | undefined>>;
  body: string | Buffer;
  /** Lowercase names of headers that arrived more than once (their values are joined with `,` in `headers`). */
  repeatedHeaders?: ReadonlySet<string>;
}

export type SignatureVerdict =
  | { ok: true; accessKey: string; signedHeaders: string[] }
  | { ok: false; reason: string; canonicalRequest?: string; stringToSign?: string };

/**
 * What is wrong with a request's SignedHeaders list, or undefined: the required headers must be in it, and every
 * header in it must have arrived exactly once (a repeated header could be read differently by a proxy and by the
 * verifier).
 */
export function signedHeadersProblem(request: Pick<SignedRequest, 'headers' | 'repeatedHeaders'>, signedHeaders: readonly string[]): string | undefined {
  const unsigned = REQUIRED_SIGNED_HEADERS.find((name) => !signedHeaders.includes(name));
  if (unsigned !== undefined) return `SignedHeaders must include ${unsigned}`;
  for (const name of signedHeaders) {
    if (request.headers[name] === undefined) return `signed header ${name} is absent`;
    if (request.repeatedHeaders?.has(name)) return `signed header ${name} is repeated`;
  }
  return undefined;
}

/**
 * Recomputes the signature of a received request from its Authorization header, its `X-Sdk-Date` and the body that
 * arrived, and compares it in constant time. Checks the shape rules too (parsable Authorization, required signed
 * headers present, well-formed date) but not the clock, the caller or the security token: that is
 * {@link authenticateSdkHmacRequest}.
 */
export function verifySdkHmacSignature(request: SignedRequest, secretKey: string): SignatureVerdict {
  const authorization = parseSdkHmacAuthorization(request.headers['authorization'] ?? '');
  if (!authorization.ok) return { ok: false, reason: authorization.reason };
  const problem = signedHeadersProblem(request, authorization.signedHeaders);
  if (problem !== undefined) return { ok: false, reason: problem };
  const sdkDate = request.headers[SDK_DATE_HEADER] ?? '';
  if (parseSdkDate(sdkDate) === undefined) return { ok: false, reason: `X-Sdk-Date "${sdkDate}" is not YYYYMMDDTHHMMSSZ` };

  let canonicalRequest: string;
  try {
    canonicalRequest = canonicalRequestFor({
      method: request.method,
      url: request.url,
      headers: request.headers,
      signedHeaders: authorization.signedHeaders,
      hashedPayload: payloadHashFor(request.headers, request.body),
    });
  } catch {
    return { ok: false, reason: 'the request target is not valid percent-encoding' };
  }
  const stringToSign = stringToSignFor(sdkDate, canonicalRequest);
  const expected = signatureFor(secretKey, stringToSign);
  return constantTimeEqual(expected, authorization.signature)
    ? { ok: true, accessKey: authorization.accessKey, signedHeaders: authorization.signedHeaders }
    : { ok: false, reason: 'signature mismatch', canonicalRequest, stringToSign };
}

// ---------------------------------------------------------------------------------------------------------------------
// Gateway authentication (AK/SK): clock, caller, security token, signature
// ---------------------------------------------------------------------------------------------------------------------

export interface HuaweiAkSkCaller {
  secretKey: string;
  /** Temporary key: requests must carry this exact X-Security-Token, and sign it. */
  securityToken?: string;
}

export interface SdkHmacAuthOptions {
  /** AK -> caller; looked up with hasOwn, so `constructor` is not a caller. */
  callers: Readonly<Record<string, HuaweiAkSkCaller>>;
  nowMs: number;
  allowedSkewSeconds: number;
}

export type SdkHmacAuthResult =
  | { ok: true; accessKey: string; securityToken: string | undefined }
  /** `detail` completes APIG's "Incorrect IAM authentication information: …" message. */
  | { ok: false; detail: string };

/**
 * APIG's AK/SK authentication, in the order a gateway can afford it: cheap shape checks, the clock, the caller
 * lookup, the security token, and the HMAC last. Every refusal is one of APIG's `APIGW.0301` answers (HTTP 401); the
 * `detail` follows APIG's published wording where there is one (unknown AK: "Get secretKey failed,ak:…,err:ak not
 * exist"; mismatch: "verify aksk signature fail, canonicalRequest:…" with lines joined by `|`; expired:
 * "signature expired, signature time:…,server time:…").
 *
 * Temporary keys: the request must carry the caller's exact X-Security-Token ("临时AK/SK和securitytoken两者必须同时
 * 使用") and sign it, since an unsigned token could be swapped in transit. A permanent key sending a token is refused
 * too: it means the client is holding on to a stale temporary key.
 */
export function authenticateSdkHmacRequest(request: SignedRequest, options: SdkHmacAuthOptions): SdkHmacAuthResult {
  const header = request.headers['authorization'];
  if (!header) return { ok: false, detail: 'Authorization is absent' };
  const authorization = parseSdkHmacAuthorization(header);
  if (!authorization.ok) return { ok: false, detail: `invalid Authorization: ${authorization.reason}` };
  const problem = signedHeadersProblem(request, authorization.signedHeaders);
  if (problem !== undefined) return { ok: false, detail: problem };

  const sdkDate = request.headers[SDK_DATE_HEADER] ?? '';
  const signedAt = parseSdkDate(sdkDate);
  if (signedAt === undefined) return { ok: false, detail: `X-Sdk-Date "${sdkDate}" is not YYYYMMDDTHHMMSSZ` };
  const serverSeconds = Math.floor(options.nowMs / 1000);
  if (Math.abs(serverSeconds - signedAt / 1000) > options.allowedSkewSeconds) {
    return { ok: false, detail: `signature expired, signature time:${sdkDate},server time:${formatSdkDate(options.nowMs)}` };
  }

  const { accessKey } = authorization;
  const caller = Object.hasOwn(options.callers, accessKey) ? options.callers[accessKey] : undefined;
  if (!caller) return { ok: false, detail: `Get secretKey failed,ak:${accessKey},err:ak not exist` };

  const sentToken = request.headers[SECURITY_TOKEN_HEADER];
  if (caller.securityToken !== undefined) {
    if (!sentToken) return { ok: false, detail: `X-Security-Token is required for the temporary ak ${accessKey}` };
    if (!constantTimeEqual(sentToken, caller.securityToken)) {
      return { ok: false, detail: `X-Security-Token does not belong to ak ${accessKey}` };
    }
    if (!authorization.signedHeaders.includes(SECURITY_TOKEN_HEADER)) {
      return { ok: false, detail: 'SignedHeaders must include x-security-token' };
    }
  } else if (sentToken !== undefined) {
    return { ok: false, detail: `ak ${accessKey} is a permanent key and takes no X-Security-Token` };
  }

  const verdict = verifySdkHmacSignature(request, caller.secretKey);
  if (!verdict.ok) {
    const canonical = verdict.canonicalRequest?.replace(/\n/g, '|');
    return {
      ok: false,
      detail: canonical === undefined ? verdict.reason : `verify aksk signature fail, canonicalRequest:${canonical}`,
    };
  }
  return { ok: true, accessKey, securityToken: sentToken };
}
