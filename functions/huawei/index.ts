/**
 * Huawei Cloud FunctionGraph entry point (`index.handler`), behind an APIG trigger. Configuration is
 * validated once per instance, at cold start.
 *
 * @module
 */
import { huawei } from '../../lib/clouds/huawei.js';
import { createTokenFunction } from '../../lib/token-function.js';
import { createFunctionGraphHandler } from './handler.js';

// The bundle's own directory is the function's code directory: TOKEN_RULES_FILE is read from there.
export const handler = createFunctionGraphHandler(createTokenFunction(huawei, { codeDir: __dirname }));
