/**
 * The token exchange itself, free of HTTP: Bearer JWT in, scoped temporary keys out.
 *
 *   verify JWT → rate limit → resolve scope → session policy → cache, or STS with the role's credentials
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { bearerToken } from './auth/bearer.js';
import type { JwtVerifier } from './auth/verify-jwt.js';
import type { CredentialCache } from './cache/credential-cache.js';
import type { CloudPlugin } from './clouds/types.js';
import type { ResolvedCredentials } from './credentials/chain.js';
import type { Invocation, RequestTrace } from './invocation.js';
import type { PrefixGrant } from './rules/grants.js';
import type { Action } from './scope/actions.js';
import type { Grant } from './scope/resolve-scope.js';
import { parseScopeRequest } from './scope/scope-request.js';
import { planSession } from './session-plan.js';
import { rateLimited } from './errors.js';
import type { SubjectRateLimit } from './limits/subject-rate-limit.js';
import { type RetryPolicy, withRetries } from './sts/retry.js';

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
  /** Unset: no per-subject limit. */
  readonly rateLimit?: SubjectRateLimit | undefined;
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
    // Everything STS is asked for: who (the session name carries the subject), for how long, and the exact
    // policy, which holds the bucket and every granted prefix, action and limit. Hashed: policies run to 2 KB.
    const cacheKey = JSON.stringify([scope.subject, scope.durationSeconds, createHash('sha256').update(policy).digest('base64')]);

    const { credentials, outcome } = await cache.getOrIssue(cacheKey, async () => {
      const resolved = await deps.resolveCredentials(invocation);
      trace.credentialSource = resolved.source;
      const started = performance.now();
      try {
        return await withRetries(
          (timeoutMs) => cloud.issue({ config: cloudConfig, scope, policy, sessionName, credentials: resolved.credentials, timeoutMs }),
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
      grants: scope.grants,
    };
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
