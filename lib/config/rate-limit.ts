/**
 * The per-subject limits, per function instance:
 * - `TOKEN_RATE_LIMIT`: requests a minute, of any kind. Unset: no limit.
 * - `TOKEN_STS_RATE_LIMIT`: requests a minute that need a new STS call (a scope with no cached keys).
 *   On by default, because without it one signed-in user asking for distinct sub-prefixes spends the
 *   account's STS quota, which every user shares. `off` turns it off, for a deployment that limits
 *   callers elsewhere; `0` is refused rather than read as "off" or as "never".
 *
 * @module
 */
import * as z from 'zod/mini';
import { type Env, readEnv } from './env.js';

export const DEFAULT_STS_RATE_LIMIT = 10;

export interface RateLimits {
  /** Requests per minute per subject; undefined: no limit. */
  readonly requests: number | undefined;
  /** STS calls per minute per subject; undefined: no limit. */
  readonly stsCalls: number | undefined;
}

/** A count per minute, 1 to 999999; with `offWord`, that word (any case) as well, read as `'off'`. */
const perMinute = (unit: string, howToTurnOff: string, offWord?: string) =>
  z.pipe(
    z.string().check(
      z.refine(
        (value) => /^\d{1,6}$/.test(value) || (offWord !== undefined && value.toLowerCase() === offWord),
        `must be a whole number of ${unit} per minute${howToTurnOff}`,
      ),
    ),
    z.transform((value): number | 'off' => (/^\d+$/.test(value) ? Number(value) : 'off')),
  ).check(z.refine((n) => n === 'off' || n >= 1, `must be at least 1${howToTurnOff}`));

export function loadRateLimits(env: Env): RateLimits {
  const vars = readEnv(env, {
    TOKEN_RATE_LIMIT: z.optional(perMinute('requests', ' (unset it to turn the limit off)')),
    TOKEN_STS_RATE_LIMIT: z.optional(perMinute('new keys', ' (or off)', 'off')),
  });
  const requests = vars.TOKEN_RATE_LIMIT;
  const sts = vars.TOKEN_STS_RATE_LIMIT ?? DEFAULT_STS_RATE_LIMIT;
  return { requests: requests === 'off' ? undefined : requests, stsCalls: sts === 'off' ? undefined : sts };
}
