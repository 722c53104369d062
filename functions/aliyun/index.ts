/**
 * Aliyun Function Compute 3.0 entry point (`index.handler`). Everything here runs once per instance,
 * at cold start: configuration is validated, the JWKS cache and credential cache are created.
 *
 * @module
 */
import { aliyun } from '../../lib/clouds/aliyun.js';
import { createTokenFunction } from '../../lib/token-function.js';
import { createFc3Handler } from './handler.js';

// The bundle's own directory is the function's code directory: TOKEN_RULES_FILE is read from there.
export const handler = createFc3Handler(createTokenFunction(aliyun, { codeDir: __dirname }));
