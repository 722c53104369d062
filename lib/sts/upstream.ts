/**
 * One bounded HTTP exchange with an upstream service (STS, IAM, a metadata service). The timeout covers
 * the whole exchange, body included, and never runs past the invocation's own deadline; failures become
 * the contract's statuses: a timeout is 504, an unreachable service (or one that redirects) is 503, an
 * answer too large to be what was asked for is 502.
 *
 * @module
 */
import { temporarilyUnavailable, upstreamError, upstreamTimeout } from '../errors.js';
import { HttpClientError, httpRequest, type HttpRequest, type HttpResponse } from '../net/http-client.js';

export type UpstreamResponse = HttpResponse;

export type UpstreamRequest = Omit<HttpRequest, 'timeoutMs' | 'maxBodyBytes'>;

export async function exchange(service: string, url: URL, init: UpstreamRequest, timeoutMs: number): Promise<UpstreamResponse> {
  if (!(timeoutMs >= 1)) throw upstreamTimeout(service);
  try {
    return await httpRequest(url, { ...init, timeoutMs: Math.floor(timeoutMs) });
  } catch (error) {
    if (error instanceof HttpClientError && error.kind === 'timeout') throw upstreamTimeout(service, error);
    if (error instanceof HttpClientError && error.kind === 'too-large') throw upstreamError(service, 'InvalidResponse', error);
    throw temporarilyUnavailable(`${service} could not be reached`, 1, { cause: error });
  }
}
