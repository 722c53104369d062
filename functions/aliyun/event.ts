/**
 * FC3 HTTP-trigger events ↔ the core's API Gateway v2 shape.
 *
 * FC3 delivers the request as a Buffer of JSON (`version: "v1"`, `rawPath`, `headers` with repeated
 * values comma-joined, `queryParameters`, `body`, `isBase64Encoded`, `requestContext.http.method`);
 * tests and `s local invoke` may pass the parsed object instead, so both are accepted.
 *
 * @module
 */
import type { HttpEvent } from '../../lib/http/types.js';
import { isRecord, str, stringRecord } from '../shared/event-fields.js';
import { bodyProblem, httpMethod, type PlatformHttpResponse, toHttpEvent } from '../shared/http-event.js';

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

/** FC3's HTTP-trigger response. */
export type Fc3HttpResponse = PlatformHttpResponse;

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
  const method = httpMethod(http.method);
  if (!method) return 'the event has no HTTP method';
  const problem = bodyProblem(event.body);
  if (problem) return problem;

  return toHttpEvent({
    method,
    path: str(event.rawPath) ?? str(http.path) ?? '/',
    headers: stringRecord(event.headers),
    query: stringRecord(event.queryParameters),
    body: str(event.body),
    isBase64Encoded: event.isBase64Encoded === true,
    requestId: str(context.requestId),
    sourceIp: str(http.sourceIp),
    userAgent: str(http.userAgent),
    protocol: str(http.protocol),
    accountId: str(context.accountId),
    apiId: str(context.domainPrefix),
    domainName: str(context.domainName) ?? '',
    domainPrefix: str(context.domainPrefix),
    time: str(context.time),
    timeEpoch: Number(str(context.timeEpoch) ?? Date.now()),
  });
}
