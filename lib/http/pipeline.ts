/**
 * The one HTTP pipeline every platform shares: a middy handler over API Gateway v2 events.
 *
 *   request normalizer → CORS (preflight ends here) → method guard → the route's service
 *   errors → JSON error response → CORS headers;  every request → one log line
 *
 * Every route (keys, uploads, downloads: `routes.ts`) goes through the same steps, so they share the
 * body limit, CORS, the method rule, the error shape and the log line; only the service differs.
 *
 * @module
 */
import middy from '@middy/core';
import type { Context as LambdaContext } from 'aws-lambda';
import { type StsgateError, serverError } from '../errors.js';
import type { Invocation, RequestTrace, Route, ServiceRequest } from '../invocation.js';
import { errorFields, type Logger } from '../log.js';
import type { CorsConfig } from './cors-config.js';
import { httpCors } from './middleware/cors.js';
import { httpErrorResponse } from './middleware/error-response.js';
import { httpMethodGuard } from './middleware/method-guard.js';
import { httpRequestNormalizer } from './middleware/request-normalizer.js';
import { REQUEST_ID_HEADER, requestIdFor } from './request-id.js';
import { errorResponse, jsonResponse } from './response.js';
import { routeOf } from './routes.js';
import type { HttpEvent, HttpHandler, HttpResponse, PipelineContext } from './types.js';

export const MAX_BODY_BYTES = 16 * 1024;

/** What one route does with a request: resolves with the 200 body, or rejects with an StsgateError. */
export type RouteService = (request: ServiceRequest) => Promise<object>;

export type RouteServices = Readonly<Record<Route, RouteService>>;

export interface PipelineOptions {
  readonly provider: string;
  readonly cors: CorsConfig | undefined;
  readonly logger: Logger;
}

/** Answer before the platform's own deadline, so the caller gets our 504 and not a platform error. */
const TIMEOUT_EARLY_MS = 250;

export function createHttpHandler(services: RouteServices, options: PipelineOptions): HttpHandler {
  const pipeline = middy<HttpEvent, HttpResponse, Error, PipelineContext>(
    async function routeHandler(event: HttpEvent, context: PipelineContext): Promise<HttpResponse> {
      const answer = await services[context.trace.route ?? 'keys']({
        authorization: event.headers.authorization,
        body: event.body,
        invocation: context.invocation,
        trace: context.trace,
      });
      return jsonResponse(200, answer);
    },
    { timeoutEarlyInMillis: TIMEOUT_EARLY_MS },
  )
    .use(httpRequestNormalizer({ maxBodyBytes: MAX_BODY_BYTES }))
    .use(httpCors(options.cors))
    .use(httpErrorResponse(options.logger))
    .use(httpMethodGuard());

  return withRequestLog(options, (event, invocation, trace) => pipeline(event, pipelineContext(invocation, trace)));
}

/** A handler that answers every request with 500: what a function with a broken configuration serves. */
export function createMisconfiguredHandler(options: PipelineOptions): HttpHandler {
  return withRequestLog(options, async (_event, _invocation, trace) => {
    trace.errorCode = 'server_error';
    return errorResponse(serverError());
  });
}

type TracedHandler = (event: HttpEvent, invocation: Invocation, trace: RequestTrace) => Promise<HttpResponse>;

/** Every request, and every refused invocation, is answered through {@link logged}. */
function withRequestLog(options: PipelineOptions, handle: TracedHandler): HttpHandler {
  const handleHttpRequest = (event: HttpEvent, invocation: Invocation) =>
    logged(options, methodOf(event), invocation, (withId, trace) => {
      trace.route = routeOf(event?.rawPath);
      return handle(event, withId, trace);
    });
  const refuse = (error: StsgateError, invocation: Invocation) =>
    logged(options, undefined, invocation, async (_withId, trace) => {
      trace.errorCode = error.code;
      if (error.reason) trace.reason = error.reason;
      return errorResponse(error);
    });
  return Object.assign(handleHttpRequest, { refuse });
}

/**
 * Settles the request id, writes the request's single log line, puts the id on the response, and makes
 * sure nothing thrown ever reaches the platform.
 */
async function logged(
  options: PipelineOptions,
  method: string | undefined,
  platformInvocation: Invocation,
  handle: (invocation: Invocation, trace: RequestTrace) => Promise<HttpResponse>,
): Promise<HttpResponse> {
  const started = performance.now();
  const invocation: Invocation = { ...platformInvocation, requestId: requestIdFor(platformInvocation.requestId) };
  const trace: RequestTrace = {};
  let response: HttpResponse;
  try {
    response = await handle(invocation, trace);
  } catch (error) {
    options.logger.log('error', 'unhandled error', { requestId: invocation.requestId, ...errorFields(error) });
    trace.errorCode = 'server_error';
    response = errorResponse(serverError());
  }
  response.headers[REQUEST_ID_HEADER] = invocation.requestId;
  const status = response.statusCode;
  options.logger.log(status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info', 'request', {
    requestId: invocation.requestId,
    provider: options.provider,
    route: trace.route,
    method,
    subject: trace.subject,
    outcome: status === 204 ? 'preflight' : status < 400 ? (trace.route === 'uploads' || trace.route === 'downloads' ? 'signed' : 'issued') : status < 500 ? 'refused' : 'failed',
    status,
    error: trace.errorCode,
    reason: trace.reason,
    upstreamCode: trace.upstreamCode,
    cache: trace.cache,
    sharedState: trace.sharedState,
    credentialSource: trace.credentialSource,
    latencyMs: Math.round((performance.now() - started) * 10) / 10,
    stsLatencyMs: trace.stsLatencyMs,
  });
  return response;
}

function methodOf(event: HttpEvent): string | undefined {
  const method: unknown = event?.requestContext?.http?.method;
  return typeof method === 'string' ? method.slice(0, 16) : undefined;
}

/**
 * middy is typed for AWS Lambda's context. We give it the one Lambda member it uses
 * (`getRemainingTimeInMillis`, which arms its early timeout) and carry our own fields alongside.
 */
function pipelineContext(invocation: Invocation, trace: RequestTrace): PipelineContext {
  const context = { getRemainingTimeInMillis: () => invocation.remainingMs(), invocation, trace };
  return context as unknown as LambdaContext & typeof context;
}
