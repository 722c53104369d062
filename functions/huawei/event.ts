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
import type { HttpEvent, HttpResponse } from '../../lib/http/types.js';
import { isRecord, str } from '../shared/event-fields.js';

export interface FunctionGraphHttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

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

const header = (headers: Record<string, string>, name: string) => Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];

/** Parses an APIG event; returns a reason string when it is not an HTTP event at all. */
export function functionGraphEventToHttp(event: unknown): HttpEvent | string {
  if (!isRecord(event)) return 'the event is not an object';
  const method = str(event.httpMethod)?.toUpperCase();
  if (!method || !/^[A-Z]{1,16}$/.test(method)) return 'the event has no HTTP method';
  if (event.body !== undefined && event.body !== null && typeof event.body !== 'string') return 'the event body is not a string';
  if (event.isBase64Encoded !== undefined && typeof event.isBase64Encoded !== 'boolean') return 'the event isBase64Encoded is not a boolean';

  const context = isRecord(event.requestContext) ? event.requestContext : {};
  const headers = flatRecord(event.headers);
  const query = flatRecord(event.queryStringParameters);
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
      apiId: str(context.apiId) ?? '',
      domainName: header(headers, 'host') ?? '',
      domainPrefix: '',
      http: {
        method,
        path,
        protocol: 'HTTP/1.1',
        sourceIp: str(context.sourceIp) ?? header(headers, 'x-real-ip') ?? '',
        userAgent: header(headers, 'user-agent') ?? '',
      },
      requestId: str(context.requestId) ?? '',
      routeKey: '$default',
      stage: str(context.stage) ?? '$default',
      time: '',
      timeEpoch: Date.now(),
    },
    body: str(event.body),
    // APIG's default is true; an event that does not say is taken as plain text.
    isBase64Encoded: event.isBase64Encoded === true,
  };
}

export const httpToFunctionGraphResponse = (response: HttpResponse): FunctionGraphHttpResponse => ({
  statusCode: response.statusCode,
  headers: response.headers,
  body: response.body,
  isBase64Encoded: false,
});
