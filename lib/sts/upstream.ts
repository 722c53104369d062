/**
 * One bounded HTTP exchange with an upstream service (STS, IAM). The timeout covers the whole exchange,
 * body included, and never runs past the invocation's own deadline; failures become the contract's
 * statuses: a timeout is 504, an unreachable service is 503.
 *
 * @module
 */
import { temporarilyUnavailable, upstreamTimeout } from '../errors.js';

export interface UpstreamResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

export async function exchange(
  service: string,
  url: URL,
  init: Omit<RequestInit, 'signal'>,
  timeoutMs: number,
): Promise<UpstreamResponse> {
  if (!(timeoutMs >= 1)) throw upstreamTimeout(service);
  // AbortSignal.timeout takes whole milliseconds only.
  const signal = AbortSignal.timeout(Math.floor(timeoutMs));
  try {
    const response = await fetch(url, { ...init, signal, redirect: 'error' });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text };
  } catch (error) {
    if (signal.aborted) throw upstreamTimeout(service, error);
    throw temporarilyUnavailable(`${service} could not be reached`, 1, { cause: error });
  }
}
