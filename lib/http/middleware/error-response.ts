/**
 * Every error becomes a JSON response. Our own errors carry their status and a safe description;
 * anything else is a bug or an outage we did not classify, so the caller gets a bare 500 and the log
 * gets the error's name and message (never its cause chain, which may hold request data).
 *
 * @module
 */
import type { MiddlewareObj, Request } from '@middy/core';
import { isStsgateError, serverError, upstreamTimeout } from '../../errors.js';
import { errorFields, type Logger } from '../../log.js';
import { errorResponse } from '../response.js';
import type { HttpEvent, HttpResponse, PipelineContext } from '../types.js';

export function httpErrorResponse(logger: Logger): MiddlewareObj<HttpEvent, HttpResponse, Error, PipelineContext> {
  return {
    onError: function httpErrorResponseOnError(request: Request<HttpEvent, HttpResponse, Error, PipelineContext>) {
      const error = request.error;
      let known;
      if (isStsgateError(error)) {
        known = error;
      } else if (error?.name === 'TimeoutError') {
        // middy's early timeout: the invocation is about to be ended by the platform.
        known = upstreamTimeout('the token service');
      } else {
        logger.log('error', 'unhandled error', { requestId: request.context.invocation.requestId, ...errorFields(error) });
        known = serverError();
      }
      request.context.trace.errorCode = known.code;
      if (known.upstreamCode) request.context.trace.upstreamCode = known.upstreamCode;
      if (known.reason) request.context.trace.reason = known.reason;
      request.response = errorResponse(known);
    },
  };
}
