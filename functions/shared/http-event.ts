/**
 * Building the core's HTTP event from what an adapter read off its platform's event, and the response
 * shape all three platforms share. Each adapter only knows where its platform keeps each field.
 *
 * @module
 */
import type { HttpEvent, HttpResponse } from '../../lib/http/types.js';

/** What every platform's HTTP trigger answers with: a string body, never base64 from stsgate. */
export interface PlatformHttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

export const toPlatformResponse = (response: HttpResponse): PlatformHttpResponse => ({
  statusCode: response.statusCode,
  headers: response.headers,
  body: response.body,
  isBase64Encoded: false,
});

/** An upper-case HTTP method token, or undefined for anything that is not one. */
export function httpMethod(value: unknown): string | undefined {
  // Checked before upper-casing: Unicode case mapping turns `poſt` into `POST`.
  return typeof value === 'string' && /^[A-Za-z]{1,16}$/.test(value) ? value.toUpperCase() : undefined;
}

/** Why a body is unusable, if it is: platforms deliver text (or nothing), anything else is malformed. */
export const bodyProblem = (body: unknown): string | undefined =>
  body === undefined || body === null || typeof body === 'string' ? undefined : 'the event body is not a string';

export interface RequestFields {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly query: Record<string, string>;
  readonly body: string | undefined;
  readonly isBase64Encoded: boolean;
  readonly requestId?: string | undefined;
  readonly sourceIp?: string | undefined;
  readonly apiId?: string | undefined;
  readonly stage?: string | undefined;
  readonly accountId?: string | undefined;
  readonly domainName?: string | undefined;
  readonly domainPrefix?: string | undefined;
  readonly protocol?: string | undefined;
  readonly userAgent?: string | undefined;
  readonly time?: string | undefined;
  readonly timeEpoch?: number | undefined;
}

/** The value of a header in any spelling of its name. */
export const headerValue = (headers: Record<string, string>, name: string): string | undefined =>
  Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];

export function toHttpEvent(fields: RequestFields): HttpEvent {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: fields.path,
    rawQueryString: new URLSearchParams(fields.query).toString(),
    headers: fields.headers,
    queryStringParameters: fields.query,
    requestContext: {
      accountId: fields.accountId ?? '',
      apiId: fields.apiId ?? '',
      domainName: fields.domainName ?? headerValue(fields.headers, 'host') ?? '',
      domainPrefix: fields.domainPrefix ?? '',
      http: {
        method: fields.method,
        path: fields.path,
        protocol: fields.protocol ?? 'HTTP/1.1',
        sourceIp: fields.sourceIp ?? '',
        userAgent: fields.userAgent ?? headerValue(fields.headers, 'user-agent') ?? '',
      },
      requestId: fields.requestId ?? '',
      routeKey: '$default',
      stage: fields.stage ?? '$default',
      time: fields.time ?? '',
      timeEpoch: fields.timeEpoch !== undefined && Number.isFinite(fields.timeEpoch) ? fields.timeEpoch : Date.now(),
    },
    body: fields.body,
    isBase64Encoded: fields.isBase64Encoded,
  };
}
