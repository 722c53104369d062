/**
 * `TOKEN_RATE_LIMIT`: requests per minute per subject, per function instance. Unset means no limit.
 *
 * @module
 */
import * as z from 'zod/mini';
import { type Env, readEnv } from './env.js';

export function loadRateLimit(env: Env): number | undefined {
  return readEnv(env, {
    TOKEN_RATE_LIMIT: z.optional(
      z.pipe(
        z.string().check(z.regex(/^\d{1,6}$/, 'must be a whole number of requests per minute')),
        z.transform(Number),
      ).check(z.refine((n) => n >= 1, 'must be at least 1 (unset it to turn the limit off)')),
    ),
  }).TOKEN_RATE_LIMIT;
}
