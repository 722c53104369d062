/**
 * Builds one cloud's token function at cold start: configuration is read and validated once, the JWKS
 * resolver and credential cache are created once and then live as long as the function instance.
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
import { createTokenService } from './token-service.js';
import { loadSharedState } from './state/shared-state.js';
import type { RedisModule } from './state/redis-module.js';

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
    const startSharedState = read(() =>
      loadSharedState(env, { logger, ...(options.loadRedis ? { load: options.loadRedis } : {}) }),
    );
    const cloudConfig = grant && read(() => cloud.loadConfig(env, grant));
    // The rules' largest possible policy must fit this cloud's limits, or no request could rely on it.
    if (grant && cloudConfig !== undefined) read(() => worstCasePolicy(cloud, cloudConfig, grant));
    if (problems.length > 0 || !jwt || !grant || !limits || cloudConfig === undefined) throw new ConfigError(problems);

    // Connects at cold start when REDIS_URL is set; loads nothing otherwise.
    const shared = startSharedState?.(JSON.stringify([cloud.id, cloud.issuer(cloudConfig)]));

    const issueToken = createTokenService({
      cloud,
      cloudConfig,
      grant,
      verifier: createJwtVerifier(jwt, {
        onStale: (reason) => logger.log('warn', 'serving the last good JWKS', { reason }),
        ...options.jwks,
      }),
      cache: new CredentialCache(),
      resolveCredentials: credentialChain(cloud.credentialSources(cloudConfig), logger),
      stsTimeoutMs: options.stsTimeoutMs ?? 5000,
      rateLimit: limits.requests === undefined ? undefined : new SubjectRateLimit({ perMinute: limits.requests }),
      stsRateLimit: limits.stsCalls === undefined ? undefined : new SubjectRateLimit({ perMinute: limits.stsCalls }),
      breaker: new ThrottlingBreaker(options.breaker),
      shared,
      ...(options.retryPolicy ? { retryPolicy: options.retryPolicy } : {}),
    });
    return createHttpHandler(issueToken, { provider: cloud.id, cors, logger });
  } catch (error) {
    if (error instanceof ConfigError) {
      logger.log('error', error.message, { provider: cloud.id, variables: error.problems.map((p) => p.variable) });
    } else {
      logger.log('error', 'the token function failed to start', { provider: cloud.id, ...errorFields(error) });
    }
    return createMisconfiguredHandler({ provider: cloud.id, cors: undefined, logger });
  }
}
