/**
 * JSON responses. Token responses must never be cached by a browser or a proxy, so every response
 * says `no-store`, errors included.
 *
 * @module
 */
import type { StsgateError } from '../errors.js';
import type { HttpResponse } from './types.js';

export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

export function errorResponse(error: StsgateError): HttpResponse {
  const body: Record<string, string> = { error: error.code, error_description: error.description };
  if (error.upstreamCode) body.upstream_code = error.upstreamCode;
  return jsonResponse(error.status, body, { ...error.headers });
}
