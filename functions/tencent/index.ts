/**
 * Tencent Cloud SCF entry point (`index.main_handler`), for both the Function URL and the API Gateway
 * trigger. Configuration is validated once per instance, at cold start.
 *
 * @module
 */
import './web-crypto.js';
import { tencent } from '../../lib/clouds/tencent.js';
import { createTokenFunction } from '../../lib/token-function.js';
import { createScfHandler } from './handler.js';

// The bundle's own directory is the function's code directory: TOKEN_RULES_FILE is read from there.
export const main_handler = createScfHandler(createTokenFunction(tencent, { codeDir: __dirname }));
