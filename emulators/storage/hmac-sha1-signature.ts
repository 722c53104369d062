/**
 * The HMAC-SHA1 signature OSS (V1) and OBS have in common, in its two places:
 *
 * - the Authorization header, `<SCHEME> <AccessKeyId>:<Signature>`, with the request time in
 *   `x-<service>-date` (browsers may not set `Date`) or `Date`, within 15 minutes of the service's clock;
 * - a presigned URL, `?<AccessKeyId param>=…&Expires=<unix seconds>&Signature=…`, where the Expires value
 *   stands in the Date line of the string to sign and the URL is refused once it has passed.
 *
 * Either way `Signature = base64(HMAC-SHA1(secret, StringToSign))`, with signed sub-resources appended to
 * the canonical resource. Each service builds its own StringToSign and names its own query parameters.
 *
 * @module
 */
import { createHmac } from 'node:crypto';
import type { IncomingRequest } from '../shared/emulator-server.js';
import { constantTimeEqual } from '../shared/signing.js';
import { decodedQuery } from './query-params.js';
import type { SignatureCheck } from './refusal.js';

/** Both services refuse header-signed requests more than 15 minutes off their clock. */
const MAX_SKEW_MS = 15 * 60 * 1000;

export interface HeaderSignatureRules {
  readonly scheme: 'OSS' | 'OBS';
  readonly dateHeader: 'x-oss-date' | 'x-obs-date';
  /** The header that carries the security token of a header-signed request. */
  readonly tokenHeader: string;
  /** The service's own wording for an unknown key and for a skewed clock. */
  readonly unknownKeyMessage: string;
  readonly skewMessage: string;
  /** The string to sign, with `dateLine` as its Date line (the request's date, or a URL's Expires). */
  readonly stringToSign: (request: IncomingRequest, dateLine: string) => string;
}

export interface QuerySignatureRules extends HeaderSignatureRules {
  /** `OSSAccessKeyId` (OSS) or `AccessKeyId` (OBS). */
  readonly accessKeyIdParam: string;
  /** The query parameter that carries the security token: `security-token` (OSS) or `x-obs-security-token` (OBS). */
  readonly tokenParam: string;
}

export function checkHmacSha1HeaderSignature(
  request: IncomingRequest,
  secretOf: (accessKeyId: string) => string | undefined,
  now: number,
  rules: HeaderSignatureRules,
): SignatureCheck {
  const match = new RegExp(`^${rules.scheme} ([^:\\s]+):(\\S+)$`).exec(request.headers.authorization ?? '');
  if (!match) return { ok: false, code: 'AccessDenied', message: `Authorization must be "${rules.scheme} <AccessKeyId>:<Signature>".` };
  const accessKeyId = match[1]!;
  const secret = secretOf(accessKeyId);
  if (secret === undefined) return { ok: false, code: 'InvalidAccessKeyId', message: rules.unknownKeyMessage, accessKeyId };

  const date = request.headers[rules.dateHeader] ?? request.headers.date ?? '';
  const sentAt = Date.parse(date);
  if (!Number.isFinite(sentAt)) return { ok: false, code: 'AccessDenied', message: 'The request has no valid date.', accessKeyId };
  if (Math.abs(sentAt - now) > MAX_SKEW_MS) return { ok: false, code: 'RequestTimeTooSkewed', message: rules.skewMessage, accessKeyId };

  if (!signatureMatches(secret, rules.stringToSign(request, date), match[2]!)) return signatureMismatch(accessKeyId);
  return { ok: true, accessKeyId, securityToken: request.headers[rules.tokenHeader], by: 'header' };
}

/** `params` are the request's decoded query parameters. */
export function checkHmacSha1QuerySignature(
  request: IncomingRequest,
  params: ReadonlyMap<string, string>,
  secretOf: (accessKeyId: string) => string | undefined,
  now: number,
  rules: QuerySignatureRules,
): SignatureCheck {
  const accessKeyId = params.get(rules.accessKeyIdParam);
  const expires = params.get('Expires');
  const signature = params.get('Signature');
  if (accessKeyId === undefined || expires === undefined || signature === undefined) {
    return { ok: false, code: 'AccessDenied', message: `A presigned URL needs ${rules.accessKeyIdParam}, Expires and Signature.` };
  }
  const secret = secretOf(accessKeyId);
  if (secret === undefined) return { ok: false, code: 'InvalidAccessKeyId', message: rules.unknownKeyMessage, accessKeyId };
  if (!/^\d{1,12}$/.test(expires)) return { ok: false, code: 'AccessDenied', message: 'Expires must be a Unix time in seconds.', accessKeyId };
  if (now / 1000 > Number(expires)) return { ok: false, code: 'AccessDenied', message: 'Request has expired.', accessKeyId };

  if (!signatureMatches(secret, rules.stringToSign(request, expires), signature)) return signatureMismatch(accessKeyId);
  return { ok: true, accessKeyId, securityToken: params.get(rules.tokenParam), by: 'query' };
}

function signatureMatches(secret: string, stringToSign: string, given: string): boolean {
  return constantTimeEqual(createHmac('sha1', secret).update(stringToSign, 'utf8').digest('base64'), given);
}

function signatureMismatch(accessKeyId: string): SignatureCheck {
  return { ok: false, code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided.', accessKeyId };
}

/**
 * The signed sub-resources of a query string, sorted, as `?a&b=c` (empty when there are none): the
 * parameters `isSigned` accepts, with decoded values.
 */
export function signedSubResources(query: string, isSigned: (name: string) => boolean): string {
  const subResources = [...decodedQuery(query)]
    .filter(([name]) => isSigned(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => (value ? `${name}=${value}` : name));
  return subResources.length > 0 ? `?${subResources.join('&')}` : '';
}
