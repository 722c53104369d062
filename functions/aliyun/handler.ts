/**
 * The FC3 handler: native event and context in, native response out. No token logic lives here.
 *
 * @module
 */
import { invalidRequest } from '../../lib/errors.js';
import { errorResponse } from '../../lib/http/response.js';
import type { HttpHandler } from '../../lib/http/types.js';
import type { Env } from '../../lib/config/env.js';
import { fc3Invocation } from './context.js';
import { type Fc3HttpResponse, fc3EventToHttp, httpToFc3Response } from './event.js';

export type Fc3Handler = (event: unknown, context: unknown) => Promise<Fc3HttpResponse>;

export function createFc3Handler(handleHttp: HttpHandler, env: Env = process.env): Fc3Handler {
  return async function handler(event, context) {
    const invocation = fc3Invocation(context, env);
    const httpEvent = fc3EventToHttp(event);
    if (typeof httpEvent === 'string') return httpToFc3Response(errorResponse(invalidRequest(httpEvent)));
    return httpToFc3Response(await handleHttp(httpEvent, invocation));
  };
}
