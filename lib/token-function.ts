/**
 * Builds one cloud's token function at cold start: configuration is read and validated once, the JWKS
 * resolver, credential cache and signing keys are created once and then live as long as the function
 * instance. Its three routes (keys, uploads, downloads) share the JWT check, the per-subject request
 * limit, the STS breaker and the runtime credentials.
 *
 * A configuration error does not crash the instance: it is logged once, naming every offending
 * variable, and each request gets a bare 500 `server_error`, so nothing about the setup leaks to callers.
 *
 * @module
 */
import { loadJwtConfig } from './auth/jwt-config.js';
import type { RemoteJwksOptions } from './auth/jwks.js';
import { createJwtVerifier } from './auth/verify-jwt.js';
import { CredentialCache } from './cache/credential-cache.js';
import type { CloudPlugin } from './clouds/types.js';
import type { Env } from './config/env.js';
import { loadGrant } from './config/grant.js';
import { loadRateLimits } from './config/rate-limit.js';
import { worstCasePolicy } from './policy/worst-case.js';
import { SubjectRateLimit } from './limits/subject-rate-limit.js';
import type { RetryPolicy } from './sts/retry.js';
import { ThrottlingBreaker, type ThrottlingBreakerOptions } from './sts/throttling-breaker.js';
import { credentialChain } from './credentials/chain.js';
import { ConfigError } from './errors.js';
import { loadCorsConfig } from './http/cors-config.js';
import { createHttpHandler, createMisconfiguredHandler } from './http/pipeline.js';
import type { HttpHandler } from './http/types.js';
import { consoleLogger, errorFields, type Logger } from './log.js';
import { createRequestGate } from './request-gate.js';
import { createTokenService } from './token-service.js';
import { loadSharedState } from './state/shared-state.js';
import type { RedisModule } from './state/redis-module.js';
import { loadUploadConfig } from './uploads/config.js';
import { createSigningRoutes } from './uploads/signing-routes.js';
import { planSigningRole, signingKeysProvider } from './uploads/signing-role.js';

export interface TokenFunctionOptions {
  readonly env?: Env;
  readonly logger?: Logger;
  readonly jwks?: RemoteJwksOptions;
  /** Upper bound for one STS call in milliseconds (default 5000). */
  readonly stsTimeoutMs?: number;
  /** How STS calls are retried (default: 3 attempts, 100 ms base backoff with jitter). */
  readonly retryPolicy?: RetryPolicy;
  /** The function's code directory, which TOKEN_RULES_FILE is relative to (default: the working directory). */
  readonly codeDir?: string;
  /** How long STS calls pause after throttling (default: 1 s, doubling up to 30 s). */
  readonly breaker?: ThrottlingBreakerOptions;
  /** Where the Redis implementation comes from when REDIS_URL is set (default: `redis.js` beside the bundle). */
  readonly loadRedis?: () => typeof RedisModule;
}

export function createTokenFunction<C>(cloud: CloudPlugin<C>, options: TokenFunctionOptions = {}): HttpHandler {
  const env = options.env ?? process.env;
  const logger = options.logger ?? consoleLogger;
  try {
    // Every section is read even when an earlier one fails, so one deploy shows every bad variable.
    const problems: ConfigError['problems'][number][] = [];
    const read = <T>(load: () => T): T | undefined => {
      try {
        return load();
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        problems.push(...error.problems);
        return undefined;
      }
    };
    const jwt = read(() => loadJwtConfig(env));
    const grant = read(() => loadGrant(env, { maxDurationSeconds: cloud.maxDurationSeconds }, { codeDir: options.codeDir ?? process.cwd() }));
    const cors = read(() => loadCorsConfig(env));
    const limits = read(() => loadRateLimits(env));
    const uploads = read(() => loadUploadConfig(env, cloud.signer.capabilities));
    const startSharedState = read(() =>
      loadSharedState(env, { logger, ...(options.loadRedis ? { load: options.loadRedis } : {}) }),
    );
    const cloudConfig = grant && read(() => cloud.loadConfig(env, grant));
    // The rules' largest possible policy must fit this cloud's limits, or no request could rely on it.
    if (grant && cloudConfig !== undefined) read(() => worstCasePolicy(cloud, cloudConfig, grant));
    // The signing role's policy and lifetime must fit too, or no upload could ever be signed.
    const signingRole = grant && cloudConfig !== undefined && uploads ? read(() => planSigningRole(cloud, cloudConfig, grant, uploads.urlSeconds)) : undefined;
    if (problems.length > 0 || !jwt || !grant || !limits || !uploads || cloudConfig === undefined) throw new ConfigError(problems);

    // Connects at cold start when REDIS_URL is set; loads nothing otherwise.
    const shared = startSharedState?.(JSON.stringify([cloud.id, cloud.issuer(cloudConfig)]));

    const admit = createRequestGate({
      verifier: createJwtVerifier(jwt, {
        onStale: (reason) => logger.log('warn', 'serving the last good JWKS', { reason }),
        ...options.jwks,
      }),
      rateLimit: limits.requests === undefined ? undefined : new SubjectRateLimit({ perMinute: limits.requests }),
      shared,
    });
    const resolveCredentials = credentialChain(cloud.credentialSources(cloudConfig), logger);
    const breaker = new ThrottlingBreaker(options.breaker);
    const stsTimeoutMs = options.stsTimeoutMs ?? 5000;

    const keys = createTokenService({
      cloud,
      cloudConfig,
      grant,
      admit,
      cache: new CredentialCache(),
      resolveCredentials,
      stsTimeoutMs,
      stsRateLimit: limits.stsCalls === undefined ? undefined : new SubjectRateLimit({ perMinute: limits.stsCalls }),
      breaker,
      shared,
      ...(options.retryPolicy ? { retryPolicy: options.retryPolicy } : {}),
    });
    const signing = createSigningRoutes({
      cloud,
      signer: cloud.signer,
      grant,
      config: uploads,
      admit,
      signingKeys:
        signingRole &&
        signingKeysProvider({ cloud, cloudConfig, plan: signingRole, resolveCredentials, breaker, stsTimeoutMs, retryPolicy: options.retryPolicy, logger }),
    });
    return createHttpHandler({ keys, uploads: signing.uploads, downloads: signing.downloads }, { provider: cloud.id, cors, logger });
  } catch (error) {
    if (error instanceof ConfigError) {
      logger.log('error', error.message, { provider: cloud.id, variables: error.problems.map((p) => p.variable) });
    } else {
      logger.log('error', 'the token function failed to start', { provider: cloud.id, ...errorFields(error) });
    }
    return createMisconfiguredHandler({ provider: cloud.id, cors: undefined, logger });
  }
}
