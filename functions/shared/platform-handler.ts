/**
 * The one shape every platform adapter has: turn the native context into an Invocation and the native
 * event into the core's HTTP event, run the shared handler, turn its response back. An event that is
 * not an HTTP request at all is answered 400 here, so nothing thrown ever reaches the platform.
 *
 * @module
 */
import type { Env } from '../../lib/config/env.js';
import { invalidRequest } from '../../lib/errors.js';
import { errorResponse } from '../../lib/http/response.js';
import type { HttpEvent, HttpHandler, HttpResponse } from '../../lib/http/types.js';
import type { Invocation } from '../../lib/invocation.js';

export interface PlatformTranslation<R> {
  invocation(context: unknown, env: Env): Invocation;
  /** The core's HTTP event, or why the native event is not an HTTP request. */
  event(native: unknown): HttpEvent | string;
  response(response: HttpResponse): R;
}

export function createPlatformHandler<R>(translate: PlatformTranslation<R>, handleHttp: HttpHandler, env: Env) {
  return async (event: unknown, context: unknown): Promise<R> => {
    const invocation = translate.invocation(context, env);
    const httpEvent = translate.event(event);
    if (typeof httpEvent === 'string') return translate.response(errorResponse(invalidRequest(httpEvent)));
    return translate.response(await handleHttp(httpEvent, invocation));
  };
}
