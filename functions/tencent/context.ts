/**
 * The SCF invocation context → the core's Invocation. SCF passes the time limit in milliseconds and
 * the execution role's keys in the environment (read per invocation by the credential chain), not in
 * the context.
 *
 * @module
 */
import type { Env } from '../../lib/config/env.js';
import type { Invocation } from '../../lib/invocation.js';

export interface ScfContext {
  request_id?: string;
  time_limit_in_ms?: number;
  function_name?: string;
}

const FALLBACK_TIMEOUT_MS = 15_000;

export function scfInvocation(context: unknown, env: Env, startedAt = Date.now()): Invocation {
  const ctx: ScfContext = typeof context === 'object' && context !== null ? (context as ScfContext) : {};
  const limit = typeof ctx.time_limit_in_ms === 'number' && ctx.time_limit_in_ms > 0 ? ctx.time_limit_in_ms : FALLBACK_TIMEOUT_MS;
  return {
    requestId: typeof ctx.request_id === 'string' ? ctx.request_id.slice(0, 128) : '',
    remainingMs: () => startedAt + limit - Date.now(),
    env,
  };
}
