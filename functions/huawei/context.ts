/**
 * The FunctionGraph context → the core's Invocation.
 *
 * FunctionGraph's context is an object of getter methods. With an agency configured it hands the
 * invocation the agency's IAM token (`getToken()`) and temporary AK/SK with their security token
 * (`getSecurityAccessKey()` …); without one the getters return empty strings. They are read on every
 * invocation because the platform rotates them. A getter that is missing or throws counts as empty.
 *
 * @module
 */
import type { Env } from '../../lib/config/env.js';
import type { RoleCredentials } from '../../lib/credentials/types.js';
import type { Invocation } from '../../lib/invocation.js';

export interface FunctionGraphContext {
  getRequestID?(): string;
  getRemainingTimeInMilliSeconds?(): number;
  getRunningTimeInSeconds?(): number;
  getToken?(): string;
  getSecurityAccessKey?(): string;
  getSecuritySecretKey?(): string;
  getSecurityToken?(): string;
}

/** Used when the context gives no deadline: FunctionGraph's own default timeout is longer. */
const FALLBACK_TIMEOUT_MS = 15_000;

function call<T extends string | number>(context: unknown, method: keyof FunctionGraphContext, type: 'string' | 'number'): T | undefined {
  if (typeof context !== 'object' || context === null) return undefined;
  const fn = (context as Record<string, unknown>)[method];
  if (typeof fn !== 'function') return undefined;
  try {
    const value: unknown = fn.call(context);
    return typeof value === type ? (value as T) : undefined;
  } catch {
    return undefined;
  }
}

export function functionGraphInvocation(context: unknown, env: Env, startedAt = Date.now()): Invocation {
  const timeoutSeconds = call<number>(context, 'getRunningTimeInSeconds', 'number');
  const fallbackDeadline = startedAt + (timeoutSeconds && timeoutSeconds > 0 ? timeoutSeconds * 1000 : FALLBACK_TIMEOUT_MS);
  return {
    requestId: (call<string>(context, 'getRequestID', 'string') ?? '').slice(0, 128),
    remainingMs: () => {
      const remaining = call<number>(context, 'getRemainingTimeInMilliSeconds', 'number');
      return remaining !== undefined && Number.isFinite(remaining) ? remaining : fallbackDeadline - Date.now();
    },
    platformCredentials: agencyCredentials(context),
    env,
  };
}

function agencyCredentials(context: unknown): RoleCredentials | undefined {
  const accessKeyId = call<string>(context, 'getSecurityAccessKey', 'string')?.trim();
  const accessKeySecret = call<string>(context, 'getSecuritySecretKey', 'string')?.trim();
  // With an agency, FunctionGraph always provides the key pair; the token alone is not enough for the
  // AssumeAgency path, so the pair is what decides whether the context has credentials.
  if (!accessKeyId || !accessKeySecret) return undefined;
  return {
    accessKeyId,
    accessKeySecret,
    securityToken: call<string>(context, 'getSecurityToken', 'string')?.trim() || undefined,
    authToken: call<string>(context, 'getToken', 'string')?.trim() || undefined,
  };
}
