/**
 * Where the Redis implementation comes from. In the function bundles it is the file next to the bundle,
 * `redis.js` (see scripts/build/function-bundle.ts, which keeps this `require` out of the bundle), so
 * ioredis is read from disk only by a deployment that set REDIS_URL.
 *
 * @module
 */
import type * as RedisModule from './redis/index.js';

export type { RedisModule };

export function loadRedisModule(): typeof RedisModule {
  // A CommonJS require in the built bundle, resolved next to it at run time. Source runs (tests) pass
  // their own loader to createSharedState instead.
  return require('./redis.js') as typeof RedisModule;
}
