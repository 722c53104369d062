/**
 * The token exchange itself, free of HTTP: Bearer JWT in, scoped temporary keys out.
 *
 *   verify JWT → rate limit → resolve scope → session policy → cache, or (breaker → STS-call limit →
 *   STS with the role's credentials)
 *
 * What one subject can cost the account's STS quota is bounded: only a cache miss that is not already
 * in flight calls STS, and those are limited per subject (`stsRateLimit`); requested durations are
 * rounded to a few steps (see `scope/duration-steps.ts`); the cache keeps at most a few entries per
 * subject, so a flood evicts only the flooder's own keys; and while STS throttles, the breaker stops
 * calls from the whole instance.
 *
 * A narrower request is never answered from a wider cached grant, although that would save calls: a
 * caller narrows to hand keys to something it trusts less (a third-party upload widget, a read-only
 * viewer, one folder shared with a helper), and keys that can do more than it asked would silently
 * undo that choice. Distinct narrow scopes cost STS calls instead, and the per-subject limit bounds them.
 *
 * @module
 */
import { bearerToken } from './auth/bearer.js';
import type { JwtVerifier } from './auth/verify-jwt.js';
import type { CredentialCache } from './cache/credential-cache.js';
import type { CloudPlugin } from './clouds/types.js';
import type { ResolvedCredentials } from './credentials/chain.js';
import type { Invocation, RequestTrace } from './invocation.js';
import type { Action } from './scope/actions.js';
import type { Grant } from './scope/resolve-scope.js';
import { parseScopeRequest } from './scope/scope-request.js';
import { planSession } from './session-plan.js';
import { newKeysRateLimited, rateLimited } from './errors.js';
import type { SubjectRateLimit } from './limits/subject-rate-limit.js';
import { type RetryPolicy, withRetries } from './sts/retry.js';
import type { ThrottlingBreaker } from './sts/throttling-breaker.js';

/** The success body: the public contract, field for field. */
export interface TokenResponse {
  provider: string;
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  /** ISO 8601 UTC, second precision. */
  expiration: string;
  /** Unix seconds. */
  startTime: number;
  /** Unix seconds. */
  expiredTime: number;
  bucket: string;
  region: string;
  prefix: string;
  actions: Action[];
}

export interface TokenRequest {
  readonly authorization: string | undefined;
  readonly body: string | undefined;
  readonly invocation: Invocation;
  readonly trace: RequestTrace;
}

export interface TokenServiceDeps<C> {
  readonly cloud: CloudPlugin<C>;
  readonly cloudConfig: C;
  readonly grant: Grant;
  readonly verifier: JwtVerifier;
  readonly cache: CredentialCache;
  readonly resolveCredentials: (invocation: Invocation) => Promise<ResolvedCredentials>;
  /** Upper bound for one STS call; the invocation's remaining time may shorten it. */
  readonly stsTimeoutMs: number;
  /** Requests per subject, cache hits included. Unset: no limit. */
  readonly rateLimit?: SubjectRateLimit | undefined;
  /** STS calls per subject: only requests that would call STS count. Unset: no limit. */
  readonly stsRateLimit?: SubjectRateLimit | undefined;
  /** Pauses STS calls from this instance while STS throttles. */
  readonly breaker: ThrottlingBreaker;
  readonly retryPolicy?: RetryPolicy;
}

/** Time kept back from the invocation's deadline to build and return the response. */
const RESPONSE_RESERVE_MS = 300;

export function createTokenService<C>(deps: TokenServiceDeps<C>) {
  const { cloud, cloudConfig, grant, verifier, cache } = deps;

  return async function issueToken({ authorization, body, invocation, trace }: TokenRequest): Promise<TokenResponse> {
    // A JWKS fetch may use the invocation's time, less what the response needs.
    const claims = await verifier.verify(bearerToken(authorization), Date.now() + invocation.remainingMs() - RESPONSE_RESERVE_MS);
    trace.subject = claims.sub;
    const retryAfter = deps.rateLimit?.take(claims.sub) ?? 0;
    if (retryAfter > 0) throw rateLimited(retryAfter);
    const { scope, policy, sessionName } = planSession(cloud, cloudConfig, grant, claims, parseScopeRequest(body));
    const cacheKey = JSON.stringify([scope.subject, scope.bucket, scope.prefix, scope.actions, scope.durationSeconds]);

    const { credentials, outcome } = await cache.getOrIssue(cacheKey, scope.subject, async () => {
      // Only here does a request cost an STS call: a cache hit, or joining an identical call in flight, never
      // reaches this. The breaker is asked first, so that a request it refuses spends none of the subject's limit.
      deps.breaker.throwIfPaused();
      if (deps.stsRateLimit) {
        const wait = deps.stsRateLimit.take(scope.subject);
        if (wait > 0) throw newKeysRateLimited(wait, deps.stsRateLimit.perMinute);
      }
      const resolved = await deps.resolveCredentials(invocation);
      trace.credentialSource = resolved.source;
      const started = performance.now();
      try {
        return await withRetries(
          (timeoutMs) =>
            deps.breaker.run(() => cloud.issue({ config: cloudConfig, scope, policy, sessionName, credentials: resolved.credentials, timeoutMs })),
          { attemptTimeoutMs: deps.stsTimeoutMs, budgetMs: () => invocation.remainingMs() - RESPONSE_RESERVE_MS },
          deps.retryPolicy,
        );
      } finally {
        trace.stsLatencyMs = Math.round((performance.now() - started) * 10) / 10;
      }
    });
    trace.cache = outcome;

    return {
      provider: cloud.id,
      accessKeyId: credentials.accessKeyId,
      accessKeySecret: credentials.accessKeySecret,
      securityToken: credentials.securityToken,
      expiration: credentials.expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      startTime: Math.floor(credentials.issuedAt.getTime() / 1000),
      expiredTime: Math.floor(credentials.expiresAt.getTime() / 1000),
      bucket: scope.bucket,
      region: scope.region,
      prefix: scope.prefix,
      actions: [...scope.actions],
    };
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
