/**
 * FC3 HTTP-trigger events ↔ the core's API Gateway v2 shape.
 *
 * FC3 delivers the request as a Buffer of JSON (`version: "v1"`, `rawPath`, `headers` with repeated
 * values comma-joined, `queryParameters`, `body`, `isBase64Encoded`, `requestContext.http.method`);
 * tests and `s local invoke` may pass the parsed object instead, so both are accepted.
 *
 * @module
 */
import type { HttpEvent, HttpResponse } from '../../lib/http/types.js';
import { isRecord, str, stringRecord } from '../shared/event-fields.js';

export interface Fc3HttpEvent {
  version?: string;
  rawPath?: string;
  body?: string;
  isBase64Encoded?: boolean;
  headers?: Record<string, string>;
  queryParameters?: Record<string, string>;
  requestContext?: {
    accountId?: string;
    domainName?: string;
    domainPrefix?: string;
    http?: { method?: string; path?: string; protocol?: string; sourceIp?: string; userAgent?: string };
    requestId?: string;
    time?: string;
    timeEpoch?: string;
  };
}

export interface Fc3HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

/** Parses a raw FC3 event; returns a reason string when it is not an HTTP-trigger event at all. */
export function fc3EventToHttp(raw: unknown): HttpEvent | string {
  let event: unknown = raw;
  if (Buffer.isBuffer(raw) || raw instanceof Uint8Array || typeof raw === 'string') {
    try {
      event = JSON.parse(Buffer.from(raw as Uint8Array | string).toString('utf8'));
    } catch {
      return 'the event is not JSON';
    }
  }
  if (!isRecord(event)) return 'the event is not an object';
  const context = isRecord(event.requestContext) ? event.requestContext : {};
  const http = isRecord(context.http) ? context.http : {};
  const method = str(http.method)?.toUpperCase();
  if (!method || !/^[A-Z]{1,16}$/.test(method)) return 'the event has no HTTP method';
  if (event.body !== undefined && event.body !== null && typeof event.body !== 'string') return 'the event body is not a string';

  const query = stringRecord(event.queryParameters);
  const rawPath = str(event.rawPath) ?? str(http.path) ?? '/';
  const timeEpoch = Number(str(context.timeEpoch) ?? Date.now());
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: new URLSearchParams(query).toString(),
    headers: stringRecord(event.headers),
    queryStringParameters: query,
    requestContext: {
      accountId: str(context.accountId) ?? '',
      apiId: str(context.domainPrefix) ?? '',
      domainName: str(context.domainName) ?? '',
      domainPrefix: str(context.domainPrefix) ?? '',
      http: {
        method,
        path: str(http.path) ?? rawPath,
        protocol: str(http.protocol) ?? 'HTTP/1.1',
        sourceIp: str(http.sourceIp) ?? '',
        userAgent: str(http.userAgent) ?? '',
      },
      requestId: str(context.requestId) ?? '',
      routeKey: '$default',
      stage: '$default',
      time: str(context.time) ?? '',
      timeEpoch: Number.isFinite(timeEpoch) ? timeEpoch : Date.now(),
    },
    body: str(event.body),
    isBase64Encoded: event.isBase64Encoded === true,
  };
}

export const httpToFc3Response = (response: HttpResponse): Fc3HttpResponse => ({
  statusCode: response.statusCode,
  headers: response.headers,
  body: response.body,
  isBase64Encoded: false,
});
