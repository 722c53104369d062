/**
 * The platform-neutral HTTP shapes. Requests are API Gateway v2 proxy events, which every adapter can
 * produce and middy's ecosystem understands; responses are the structured v2 result.
 *
 * @module
 */
import type { APIGatewayProxyEventV2, Context as LambdaContext } from 'aws-lambda';
import type { StsgateError } from '../errors.js';
import type { Invocation, RequestTrace } from '../invocation.js';

export type HttpEvent = APIGatewayProxyEventV2;

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** One platform-neutral HTTP handler; adapters call it and translate its result. It never throws. */
export interface HttpHandler {
  (event: HttpEvent, invocation: Invocation): Promise<HttpResponse>;
  /**
   * Answers an invocation that never became an HTTP request (an event of another kind, a context that
   * cannot be read) with `error`, with the request id and log line every response gets.
   */
  refuse(error: StsgateError, invocation: Invocation): Promise<HttpResponse>;
}

/** The context our middlewares see: the Lambda-style remaining-time hook middy understands, plus ours. */
export type PipelineContext = LambdaContext & { readonly invocation: Invocation; readonly trace: RequestTrace };
