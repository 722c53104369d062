/**
 * What every route asks first, in the same order: who is calling (the Bearer JWT, verified) and whether
 * they may call now (`TOKEN_RATE_LIMIT`, counted for the deployment when shared state answers). The keys
 * route and the signing routes share it, so a user's uploads, downloads and key requests draw on one
 * budget, and a bad token is refused the same way whichever route it reaches.
 *
 * @module
 */
import { bearerToken } from './auth/bearer.js';
import type { Claims, JwtVerifier } from './auth/verify-jwt.js';
import { rateLimited } from './errors.js';
import type { ServiceRequest } from './invocation.js';
import type { SubjectRateLimit } from './limits/subject-rate-limit.js';
import type { SharedState } from './state/types.js';

export interface RequestGateDeps {
  readonly verifier: JwtVerifier;
  /** Requests per subject, of every route. Unset: no limit. */
  readonly rateLimit?: SubjectRateLimit | undefined;
  /** What instances share (REDIS_URL). Unset: each instance on its own. */
  readonly shared?: SharedState | undefined;
}

/** Time kept back from the invocation's deadline to build and return the response. */
export const RESPONSE_RESERVE_MS = 300;

/** One request from `subject` against `limit`: deployment-wide when the shared state answers, else this instance's. */
export async function take(limit: SubjectRateLimit, name: string, subject: string, shared: SharedState | undefined): Promise<number> {
  return (await shared?.take(name, subject, limit.perMinute)) ?? limit.take(subject);
}

export type RequestGate = (request: Pick<ServiceRequest, 'authorization' | 'invocation' | 'trace'>) => Promise<Claims>;

export function createRequestGate(deps: RequestGateDeps): RequestGate {
  return async function admit({ authorization, invocation, trace }) {
    // A JWKS fetch may use the invocation's time, less what the response needs.
    const claims = await deps.verifier.verify(bearerToken(authorization), Date.now() + invocation.remainingMs() - RESPONSE_RESERVE_MS);
    trace.subject = claims.sub;
    const retryAfter = deps.rateLimit ? await take(deps.rateLimit, 'requests', claims.sub, deps.shared) : 0;
    if (retryAfter > 0) throw rateLimited(retryAfter);
    return claims;
  };
}
