/**
 * The SCF event-function handler: native event and context in, native response out.
 *
 * @module
 */
import type { Env } from '../../lib/config/env.js';
import { invalidRequest } from '../../lib/errors.js';
import { errorResponse } from '../../lib/http/response.js';
import type { HttpHandler } from '../../lib/http/types.js';
import { scfInvocation } from './context.js';
import { httpToScfResponse, type ScfHttpResponse, scfEventToHttp } from './event.js';

export type ScfHandler = (event: unknown, context: unknown) => Promise<ScfHttpResponse>;

export function createScfHandler(handleHttp: HttpHandler, env: Env = process.env): ScfHandler {
  return async function main_handler(event, context) {
    const invocation = scfInvocation(context, env);
    const httpEvent = scfEventToHttp(event);
    if (typeof httpEvent === 'string') return httpToScfResponse(errorResponse(invalidRequest(httpEvent)));
    return httpToScfResponse(await handleHttp(httpEvent, invocation));
  };
}
