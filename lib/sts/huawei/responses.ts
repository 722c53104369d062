/**
 * Reading Huawei IAM and STS answers. Both report errors as a non-2xx status with a JSON body, in one of
 * two documented shapes: the API Gateway's `{"error_code", "error_msg"}` and Keystone's
 * `{"error": {"code", "title", "message"}}`. Only the code is kept: messages may echo request values.
 *
 * @module
 */
import { temporarilyUnavailable, upstreamError, upstreamThrottling } from '../../errors.js';

export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorCodeOf(body: unknown, status: number): string {
  if (typeof body === 'object' && body !== null) {
    const record = body as Record<string, unknown>;
    if (typeof record.error_code === 'string') return record.error_code;
    const nested = record.error;
    if (typeof nested === 'object' && nested !== null && typeof (nested as Record<string, unknown>).error_code === 'string') {
      return (nested as Record<string, string>).error_code!;
    }
  }
  return `HTTP${status}`;
}

/**
 * The error for a non-2xx answer: throttling (429) and server trouble (5xx) are worth retrying later,
 * so they become 503 with Retry-After; anything else is a refusal, 502 with the upstream code. The code
 * is the upstream's own text: every error filters it to a plain identifier before anyone sees it.
 */
export function huaweiFailure(service: string, status: number, body: unknown) {
  const code = errorCodeOf(body, status);
  if (status === 429) return upstreamThrottling(service, code);
  if (status >= 500) return temporarilyUnavailable(`${service} is unavailable`, 1, { upstreamCode: code });
  return upstreamError(service, code);
}

/** IAM writes microseconds (`…19.587000Z`); keep milliseconds so every runtime parses it the same way. */
export function parseHuaweiTime(value: string): Date | undefined {
  const date = new Date(value.replace(/(\.\d{3})\d+Z$/, '$1Z'));
  return Number.isNaN(date.getTime()) ? undefined : date;
}
