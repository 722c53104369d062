/**
 * The FC3 invocation context → the core's Invocation.
 *
 * FC gives a function with a role `context.credentials` (temporary keys FC obtained by AssumeRole) and
 * `context.function.timeout` in seconds, but no remaining-time function, so the deadline is computed
 * from the moment the invocation started.
 *
 * @module
 */
import type { Env } from '../../lib/config/env.js';
import type { RoleCredentials } from '../../lib/credentials/types.js';
import type { Invocation } from '../../lib/invocation.js';

export interface Fc3Context {
  requestId?: string;
  credentials?: { accessKeyId?: string; accessKeySecret?: string; securityToken?: string };
  function?: { name?: string; timeout?: number };
  region?: string;
}

/** Used when the context does not say: FC3's own default function timeout is longer than this. */
const FALLBACK_TIMEOUT_SECONDS = 15;

export function fc3Invocation(context: unknown, env: Env, startedAt = Date.now()): Invocation {
  const ctx: Fc3Context = typeof context === 'object' && context !== null ? (context as Fc3Context) : {};
  const timeout = ctx.function?.timeout;
  const timeoutMs = (typeof timeout === 'number' && timeout > 0 ? timeout : FALLBACK_TIMEOUT_SECONDS) * 1000;
  return {
    requestId: typeof ctx.requestId === 'string' ? ctx.requestId.slice(0, 128) : '',
    remainingMs: () => startedAt + timeoutMs - Date.now(),
    platformCredentials: contextCredentials(ctx.credentials),
    env,
  };
}

function contextCredentials(credentials: Fc3Context['credentials']): RoleCredentials | undefined {
  const { accessKeyId, accessKeySecret, securityToken } = credentials ?? {};
  if (typeof accessKeyId !== 'string' || typeof accessKeySecret !== 'string' || !accessKeyId || !accessKeySecret) return undefined;
  return { accessKeyId, accessKeySecret, securityToken: typeof securityToken === 'string' && securityToken ? securityToken : undefined };
}
