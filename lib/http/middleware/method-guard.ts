/**
 * Only POST issues tokens: a GET could be triggered by a link or an image tag and would be cached by
 * intermediaries far more readily.
 *
 * @module
 */
import type { MiddlewareObj, Request } from '@middy/core';
import { methodNotAllowed } from '../../errors.js';
import type { HttpEvent, HttpResponse, PipelineContext } from '../types.js';

export function httpMethodGuard(): MiddlewareObj<HttpEvent, HttpResponse, Error, PipelineContext> {
  return {
    before: function httpMethodGuardBefore(request: Request<HttpEvent, HttpResponse, Error, PipelineContext>) {
      if (request.event.requestContext.http.method !== 'POST') throw methodNotAllowed(['POST', 'OPTIONS']);
    },
  };
}
