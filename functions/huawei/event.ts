/**
 * FunctionGraph APIG-trigger events ↔ the core's API Gateway v2 shape.
 *
 * APIG delivers `{body, headers, httpMethod, path, queryStringParameters, pathParameters,
 * requestContext: {requestId, sourceIp, …}, isBase64Encoded}`, with the body base64-encoded by default.
 * Header and query values are documented as strings; a list of strings is joined as HTTP joins
 * repeated headers, anything else is dropped. The response must carry `statusCode`, `headers`, a string
 * `body` and `isBase64Encoded`, or APIG itself answers 500.
 *
 * @module
 */
import type { HttpEvent } from '../../lib/http/types.js';
import { isRecord, str } from '../shared/event-fields.js';
import { bodyProblem, headerValue, httpMethod, type PlatformHttpResponse, toHttpEvent } from '../shared/http-event.js';

/** APIG's required response shape. */
export type FunctionGraphHttpResponse = PlatformHttpResponse;

/** String values, and lists of strings joined with ", "; anything else is left out. */
function flatRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(value)) return out;
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === 'string') out[key] = item;
    else if (Array.isArray(item) && item.length > 0 && item.every((v) => typeof v === 'string')) out[key] = item.join(', ');
  }
  return out;
}

/** Parses an APIG event; returns a reason string when it is not an HTTP event at all. */
export function functionGraphEventToHttp(event: unknown): HttpEvent | string {
  if (!isRecord(event)) return 'the event is not an object';
  const method = httpMethod(event.httpMethod);
  if (!method) return 'the event has no HTTP method';
  const problem = bodyProblem(event.body);
  if (problem) return problem;
  if (event.isBase64Encoded !== undefined && typeof event.isBase64Encoded !== 'boolean') return 'the event isBase64Encoded is not a boolean';

  const context = isRecord(event.requestContext) ? event.requestContext : {};
  const headers = flatRecord(event.headers);
  return toHttpEvent({
    method,
    path: str(event.path) ?? '/',
    headers,
    query: flatRecord(event.queryStringParameters),
    body: str(event.body),
    // APIG's default is true; an event that does not say is taken as plain text.
    isBase64Encoded: event.isBase64Encoded === true,
    requestId: str(context.requestId),
    sourceIp: str(context.sourceIp) ?? headerValue(headers, 'x-real-ip'),
    apiId: str(context.apiId),
    stage: str(context.stage),
  });
}
