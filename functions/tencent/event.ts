/**
 * SCF HTTP events ↔ the core's API Gateway v2 shape. Two shapes arrive at an event function:
 * - the API Gateway trigger (being retired): `requestContext`, `queryStringParameters`, maybe `isBase64Encoded`;
 * - the Function URL (its replacement): only `body`, `headers`, `httpMethod`, `path`, `queryString`, with
 *   the client address in the `x-scf-remote-addr` header.
 *
 * @module
 */
import type { HttpEvent, HttpResponse } from '../../lib/http/types.js';
import { isRecord, str, stringRecord } from '../shared/event-fields.js';

export interface ScfHttpResponse {
  isBase64Encoded: boolean;
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}


function header(headers: Record<string, string>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

/** Parses an SCF event; returns a reason string when it is not an HTTP event at all. */
export function scfEventToHttp(event: unknown): HttpEvent | string {
  if (!isRecord(event)) return 'the event is not an object';
  const context = isRecord(event.requestContext) ? event.requestContext : undefined;
  // The top-level method is the request's; requestContext.httpMethod may be the route's ("ANY").
  const method = (str(event.httpMethod) ?? str(context?.httpMethod))?.toUpperCase();
  if (!method || !/^[A-Z]{1,16}$/.test(method)) return 'the event has no HTTP method';
  if (event.body !== undefined && event.body !== null && typeof event.body !== 'string') return 'the event body is not a string';

  const headers = stringRecord(event.headers);
  const query = stringRecord(event.queryString ?? event.queryStringParameters);
  const path = str(event.path) ?? '/';
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: new URLSearchParams(query).toString(),
    headers,
    queryStringParameters: query,
    requestContext: {
      accountId: '',
      apiId: str(context?.serviceId) ?? '',
      domainName: header(headers, 'host') ?? '',
      domainPrefix: '',
      http: {
        method,
        path,
        protocol: 'HTTP/1.1',
        sourceIp: header(headers, 'x-scf-remote-addr') ?? str(context?.sourceIp) ?? '',
        userAgent: header(headers, 'user-agent') ?? '',
      },
      requestId: str(context?.requestId) ?? '',
      routeKey: '$default',
      stage: str(context?.stage) ?? '$default',
      time: '',
      timeEpoch: Date.now(),
    },
    body: str(event.body),
    isBase64Encoded: event.isBase64Encoded === true,
  };
}

export const httpToScfResponse = (response: HttpResponse): ScfHttpResponse => ({
  isBase64Encoded: false,
  statusCode: response.statusCode,
  headers: response.headers,
  body: response.body,
});
