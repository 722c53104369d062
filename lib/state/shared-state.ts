/**
 * Cold-start glue in the function bundle: shared state when REDIS_URL is set, and nothing at all (not
 * even the configuration schemas) otherwise.
 *
 * @module
 */
import { type Env, present } from '../config/env.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import { loadRedisModule, type RedisModule } from './redis-module.js';
import type { SharedState } from './types.js';

export interface SharedStateDeps {
  readonly logger: Logger;
  /** Where the Redis implementation comes from (default: `redis.js` next to the bundle). */
  readonly load?: () => typeof RedisModule;
}

/**
 * Validates the shared-state variables: `undefined` without REDIS_URL, a ConfigError naming each bad
 * variable, or a function that opens the connection (called once the rest of the configuration is good)
 * given the deployment's namespace: who issues (cloud, role), so that two deployments sharing one Redis
 * never share credentials.
 */
export function loadSharedState(env: Env, deps: SharedStateDeps): ((namespace: string) => SharedState) | undefined {
  if (present(env, 'REDIS_URL') === undefined) return undefined;
  const redis = (deps.load ?? loadRedisModule)();
  const read = redis.readConfig(env);
  if (!read.ok) throw new ConfigError(read.problems);
  return (namespace) => redis.createRedisState(read.config, { logger: deps.logger, namespace });
}
