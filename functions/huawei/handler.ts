/**
 * The FunctionGraph event-function handler: native APIG event and context in, native response out.
 *
 * @module
 */
import type { Env } from '../../lib/config/env.js';
import type { HttpHandler } from '../../lib/http/types.js';
import { toPlatformResponse } from '../shared/http-event.js';
import { createPlatformHandler } from '../shared/platform-handler.js';
import { functionGraphInvocation } from './context.js';
import { type FunctionGraphHttpResponse, functionGraphEventToHttp } from './event.js';

export type FunctionGraphHandler = (event: unknown, context: unknown) => Promise<FunctionGraphHttpResponse>;

export const createFunctionGraphHandler = (handleHttp: HttpHandler, env: Env = process.env): FunctionGraphHandler =>
  createPlatformHandler({ invocation: functionGraphInvocation, event: functionGraphEventToHttp, response: toPlatformResponse }, handleHttp, env);
