/**
 * The token exchange itself, free of HTTP: Bearer JWT in, scoped temporary keys out.
 *
 *   verify JWT → rate limit → resolve scope → session policy → cache, or shared state, or (breaker →
 *   STS-call limit → STS with the role's credentials)
 *
 * With shared state (Redis), a memory miss looks in Redis next and, on a miss there, takes the scope's
 * lock so that one instance of the whole deployment calls STS while the others wait for its result; the
 * two per-subject limits are then counted for the deployment, not per instance. Whenever the shared
 * state does not answer, each of these falls back to this instance's own, as without it.
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
import { createHash } from 'node:crypto';
import type { CredentialCache } from './cache/credential-cache.js';
import type { CloudPlugin } from './clouds/types.js';
import type { ResolvedCredentials } from './credentials/chain.js';
import type { Invocation, ServiceRequest } from './invocation.js';
import { type RequestGate, RESPONSE_RESERVE_MS, take } from './request-gate.js';
import type { PrefixGrant } from './rules/grants.js';
import type { Action } from './scope/actions.js';
import type { Grant } from './scope/resolve-scope.js';
import { parseScopeRequest } from './scope/scope-request.js';
import { planSession } from './session-plan.js';
import { newKeysRateLimited } from './errors.js';
import type { SubjectRateLimit } from './limits/subject-rate-limit.js';
import { type RetryPolicy, withRetries } from './sts/retry.js';
import type { ThrottlingBreaker } from './sts/throttling-breaker.js';
import type { SharedState } from './state/types.js';
import type { IssuedCredentials } from './sts/types.js';

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
  /** The first grant's prefix and actions: with one rule, the whole grant. */
  prefix: string;
  actions: Action[];
  /**
   * Every prefix the keys act on (one per rule, or per value of a `${claim[]}` placeholder), as
   * `{rule, prefix, actions, maxSize?, contentTypes?, signedUploads?}`; JSON leaves out the unset fields.
   */
  grants: readonly PrefixGrant[];
}

export type TokenRequest = ServiceRequest;

export interface TokenServiceDeps<C> {
  readonly cloud: CloudPlugin<C>;
  readonly cloudConfig: C;
  readonly grant: Grant;
  /** Verifies the JWT and counts the request against `TOKEN_RATE_LIMIT`, as for every route. */
  readonly admit: RequestGate;
  readonly cache: CredentialCache;
  readonly resolveCredentials: (invocation: Invocation) => Promise<ResolvedCredentials>;
  /** Upper bound for one STS call; the invocation's remaining time may shorten it. */
  readonly stsTimeoutMs: number;
  /** STS calls per subject: only requests that would call STS count. Unset: no limit. */
  readonly stsRateLimit?: SubjectRateLimit | undefined;
  /** Pauses STS calls from this instance while STS throttles. */
  readonly breaker: ThrottlingBreaker;
  readonly retryPolicy?: RetryPolicy;
  /** What instances share (REDIS_URL). Unset: each instance on its own. */
  readonly shared?: SharedState | undefined;
}

/** The longest a scope's lock is held: past it, a holder that died no longer blocks anyone. */
const MAX_LOCK_MS = 30_000;

export function createTokenService<C>(deps: TokenServiceDeps<C>) {
  const { cloud, cloudConfig, grant, cache } = deps;

  return async function issueToken(request: TokenRequest): Promise<TokenResponse> {
    const { body, invocation, trace } = request;
    const claims = await deps.admit(request);
    const { scope, policy, sessionName } = planSession(cloud, cloudConfig, grant, claims, parseScopeRequest(body));
    // Everything STS is asked for: who (the session name carries the subject), for how long, and the exact
    // policy, which holds the bucket and every granted prefix, action and limit. Hashed: policies run to 2 KB.
    const cacheKey = JSON.stringify([scope.subject, scope.durationSeconds, createHash('sha256').update(policy).digest('base64')]);

    const callSts = async (): Promise<IssuedCredentials> => {
      // Only here does a request cost an STS call: a cache hit, joining an identical call in flight, or keys
      // another instance stored never reach this. The breaker is asked first, so that a request it refuses
      // spends none of the subject's limit.
      deps.breaker.throwIfPaused();
      const stsLimit = deps.stsRateLimit;
      const wait = stsLimit ? await take(stsLimit, 'sts-calls', scope.subject, deps.shared) : 0;
      if (wait > 0) throw newKeysRateLimited(wait, stsLimit!.perMinute);
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
    };

    const { credentials, outcome } = await cache.getOrIssue(cacheKey, scope.subject, async () => {
      if (!deps.shared) return callSts();
      // Wait for another instance's STS call no longer than would still leave time for our own.
      const budgetMs = invocation.remainingMs() - RESPONSE_RESERVE_MS;
      const shared = await deps.shared.issueOnce(cacheKey, callSts, {
        waitUntil: Date.now() + Math.max(0, budgetMs - deps.stsTimeoutMs),
        lockTtlMs: Math.min(MAX_LOCK_MS, Math.max(budgetMs, 1)),
      });
      trace.sharedState = shared.outcome;
      return shared.credentials;
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
      grants: scope.grants,
    };
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
