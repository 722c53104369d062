/**
 * SCF HTTP events ↔ the core's API Gateway v2 shape. Two shapes arrive at an event function:
 * - the API Gateway trigger (being retired): `requestContext`, `queryStringParameters`, maybe `isBase64Encoded`;
 * - the Function URL (its replacement): only `body`, `headers`, `httpMethod`, `path`, `queryString`, with
 *   the client address in the `x-scf-remote-addr` header.
 *
 * @module
 */
import type { HttpEvent } from '../../lib/http/types.js';
import { isRecord, str, stringRecord } from '../shared/event-fields.js';
import { bodyProblem, headerValue, httpMethod, type PlatformHttpResponse, toHttpEvent } from '../shared/http-event.js';

/** SCF's HTTP response (Function URL and API Gateway alike). */
export type ScfHttpResponse = PlatformHttpResponse;

/** Parses an SCF event; returns a reason string when it is not an HTTP event at all. */
export function scfEventToHttp(event: unknown): HttpEvent | string {
  if (!isRecord(event)) return 'the event is not an object';
  const context = isRecord(event.requestContext) ? event.requestContext : undefined;
  // The top-level method is the request's; requestContext.httpMethod may be the route's ("ANY").
  const method = httpMethod(str(event.httpMethod) ?? context?.httpMethod);
  if (!method) return 'the event has no HTTP method';
  const problem = bodyProblem(event.body);
  if (problem) return problem;

  const headers = stringRecord(event.headers);
  return toHttpEvent({
    method,
    path: str(event.path) ?? '/',
    headers,
    query: stringRecord(event.queryString ?? event.queryStringParameters),
    body: str(event.body),
    isBase64Encoded: event.isBase64Encoded === true,
    requestId: str(context?.requestId),
    sourceIp: headerValue(headers, 'x-scf-remote-addr') ?? str(context?.sourceIp),
    apiId: str(context?.serviceId),
    stage: str(context?.stage),
  });
}
