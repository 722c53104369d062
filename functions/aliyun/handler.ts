/**
 * The FC3 handler: native event and context in, native response out. No token logic lives here.
 *
 * @module
 */
import type { Env } from '../../lib/config/env.js';
import type { HttpHandler } from '../../lib/http/types.js';
import { toPlatformResponse } from '../shared/http-event.js';
import { createPlatformHandler } from '../shared/platform-handler.js';
import { fc3Invocation } from './context.js';
import { type Fc3HttpResponse, fc3EventToHttp } from './event.js';

export type Fc3Handler = (event: unknown, context: unknown) => Promise<Fc3HttpResponse>;

export const createFc3Handler = (handleHttp: HttpHandler, env: Env = process.env): Fc3Handler =>
  createPlatformHandler({ invocation: fc3Invocation, event: fc3EventToHttp, response: toPlatformResponse }, handleHttp, env);
