/**
 * The entry of `dist/<cloud>/redis.js`: everything that runs only when `REDIS_URL` is set (reading the
 * REDIS_* variables, ioredis, the encryption, the scripts, the cross-instance protocol). The function
 * bundle `require`s this file at cold start only then, so a deployment without Redis neither loads nor
 * parses any of it.
 *
 * @module
 */
import * as z from 'zod/mini';
import type { Env } from '../../config/env.js';
import { ConfigError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { loadSharedStateConfig, redisLocation, type SharedStateConfig } from '../config.js';
import type { SharedState } from '../types.js';
import { type ConnectionOptions, RedisConnection } from './connection.js';
import { deploymentKey } from './keyring.js';
import { RedisState } from './redis-state.js';

// This file is its own bundle with its own copy of zod: no code generation from strings here either
// (see lib/config/env.ts).
z.config({ jitless: true });

export interface RedisStateOptions {
  readonly logger: Logger;
  /** Identifies who issues (cloud, role): the same cache key from two deployments must never meet. */
  readonly namespace: string;
  /** Connection tuning, for tests. */
  readonly connection?: Omit<ConnectionOptions, 'endpoint' | 'location' | 'timeoutMs' | 'logger'>;
}

/**
 * The configuration, or every problem with it as plain data: this file has its own copy of ConfigError,
 * which the function bundle's `instanceof` would not recognise.
 */
export function readConfig(env: Env): { ok: true; config: SharedStateConfig } | { ok: false; problems: ConfigError['problems'] } {
  try {
    const config = loadSharedStateConfig(env);
    return config ? { ok: true, config } : { ok: false, problems: [{ variable: 'REDIS_URL', message: 'is required' }] };
  } catch (error) {
    if (error instanceof ConfigError) return { ok: false, problems: error.problems };
    throw error;
  }
}

/** Starts connecting at once (cold start), so the first request finds the connection open. */
export function createRedisState(config: SharedStateConfig, options: RedisStateOptions): SharedState {
  const location = redisLocation(config.redis);
  const connection = new RedisConnection({
    ...options.connection,
    endpoint: config.redis,
    location,
    timeoutMs: config.timeoutMs,
    logger: options.logger,
  });
  return new RedisState(connection, location, config.encryptionKeys.map(deploymentKey), config.keyPrefix, options.namespace);
}
