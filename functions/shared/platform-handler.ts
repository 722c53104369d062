/**
 * The one shape every platform adapter has: turn the native context into an Invocation and the native
 * event into the core's HTTP event, run the shared handler, turn its response back. An event that is
 * not an HTTP request at all is answered 400 (through the handler, so it gets a request id and a log
 * line like any other), and nothing thrown ever reaches the platform.
 *
 * @module
 */
import type { Env } from '../../lib/config/env.js';
import { invalidRequest, serverError } from '../../lib/errors.js';
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
    let invocation: Invocation;
    try {
      invocation = withSafeDeadline(translate.invocation(context, env));
    } catch {
      // A context that cannot even be read is the platform's fault, not the caller's.
      return translate.response(await handleHttp.refuse(serverError(), { requestId: '', remainingMs: () => 0, env }));
    }
    const httpEvent = translate.event(event);
    if (typeof httpEvent === 'string') return translate.response(await handleHttp.refuse(invalidRequest(httpEvent), invocation));
    return translate.response(await handleHttp(httpEvent, invocation));
  };
}

/** The longest delay a Node timer takes; a longer one fires at once. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Remaining time as every timer downstream needs it: a whole number of milliseconds between 0 and what a
 * Node timer accepts. Platforms pass what they pass; a fraction or an absurdly long deadline must not turn
 * into an immediate timeout or a RangeError.
 */
function withSafeDeadline(invocation: Invocation): Invocation {
  return {
    ...invocation,
    remainingMs: () => {
      const ms = Math.floor(invocation.remainingMs());
      return Number.isNaN(ms) ? 0 : Math.max(0, Math.min(ms, MAX_TIMER_MS - 1000));
    },
  };
}
