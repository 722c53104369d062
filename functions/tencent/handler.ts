/**
 * The SCF event-function handler: native event and context in, native response out.
 *
 * @module
 */
import type { Env } from '../../lib/config/env.js';
import type { HttpHandler } from '../../lib/http/types.js';
import { toPlatformResponse } from '../shared/http-event.js';
import { createPlatformHandler } from '../shared/platform-handler.js';
import { scfInvocation } from './context.js';
import { type ScfHttpResponse, scfEventToHttp } from './event.js';

export type ScfHandler = (event: unknown, context: unknown) => Promise<ScfHttpResponse>;

export const createScfHandler = (handleHttp: HttpHandler, env: Env = process.env): ScfHandler =>
  createPlatformHandler({ invocation: scfInvocation, event: scfEventToHttp, response: toPlatformResponse }, handleHttp, env);
