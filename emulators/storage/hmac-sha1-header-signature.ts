/**
 * The header signature OSS (V1) and OBS have in common: `Authorization: <SCHEME> <AccessKeyId>:<Signature>`
 * with `Signature = base64(HMAC-SHA1(secret, StringToSign))`, a request time in `x-<service>-date` (browsers
 * may not set `Date`) or `Date` that must be within 15 minutes of the service's clock, and signed
 * sub-resources appended to the canonical resource. Each service builds its own StringToSign.
 *
 * @module
 */
import { createHmac } from 'node:crypto';
import type { IncomingRequest } from '../shared/emulator-server.js';
import { constantTimeEqual } from '../shared/signing.js';
import type { SignatureCheck } from './storage-stand-in.js';

/** Both services refuse header-signed requests more than 15 minutes off their clock. */
const MAX_SKEW_MS = 15 * 60 * 1000;

export interface HeaderSignatureRules {
  readonly scheme: 'OSS' | 'OBS';
  readonly dateHeader: 'x-oss-date' | 'x-obs-date';
  /** The service's own wording for an unknown key and for a skewed clock. */
  readonly unknownKeyMessage: string;
  readonly skewMessage: string;
  readonly stringToSign: (request: IncomingRequest) => string;
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

  const sentAt = Date.parse(request.headers[rules.dateHeader] ?? request.headers.date ?? '');
  if (!Number.isFinite(sentAt)) return { ok: false, code: 'AccessDenied', message: 'The request has no valid date.', accessKeyId };
  if (Math.abs(sentAt - now) > MAX_SKEW_MS) return { ok: false, code: 'RequestTimeTooSkewed', message: rules.skewMessage, accessKeyId };

  const expected = createHmac('sha1', secret).update(rules.stringToSign(request), 'utf8').digest('base64');
  if (!constantTimeEqual(expected, match[2]!)) {
    return { ok: false, code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided.', accessKeyId };
  }
  return { ok: true, accessKeyId };
}

/** The signed sub-resources of a query string, sorted, as `?a&b=c` (empty when there are none). */
export function signedSubResources(query: string, signed: ReadonlySet<string>): string {
  const subResources = query
    .split('&')
    .filter(Boolean)
    .map((pair) => pair.split('=').map((part) => decodeURIComponent(part)) as [string, string?])
    .filter(([name]) => signed.has(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => (value ? `${name}=${value}` : name));
  return subResources.length > 0 ? `?${subResources.join('&')}` : '';
}
