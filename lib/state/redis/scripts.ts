/**
 * The Lua scripts stsgate runs in Redis, each atomic on the server.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface Script {
  readonly lua: string;
  readonly sha1: string;
}

const script = (lua: string): Script => ({ lua, sha1: createHash('sha1').update(lua).digest('hex') });

/**
 * One request against a per-subject limit, by GCRA (the generic cell rate algorithm): the key holds the
 * theoretical arrival time (TAT) of the next request in microseconds of the server's clock.
 *
 * GCRA is the token bucket written as a single timestamp: with emission interval T = 60 s / perMinute and
 * capacity C = perMinute, a bucket holds C - (max(TAT, now) - now) / T tokens, so "at least one token" is
 * exactly "now ≥ max(TAT, now) + T - C·T", and the wait until then is the token bucket's (1 - tokens) / rate.
 * A client therefore sees the same answers as from `SubjectRateLimit` in memory. Why GCRA rather than
 * the bucket itself: one number per subject instead of two fields, expiring on its own when the bucket
 * would be full again, and the server's clock (`TIME`), so instances with skewed clocks agree.
 *
 * KEYS[1] the subject's bucket; ARGV[1] T in microseconds; ARGV[2] C. Returns {1, 0} when allowed, else
 * {0, milliseconds until a request would be}.
 */
export const TAKE = script(`
if redis.replicate_commands then redis.replicate_commands() end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local allow_at = tat + interval - tonumber(ARGV[2]) * interval
if now < allow_at then return {0, math.ceil((allow_at - now) / 1000)} end
local next_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', next_tat), 'PX', math.ceil((next_tat - now) / 1000))
return {1, 0}
`);

/** Deletes a lock only if it still holds this holder's token: an expired lock retaken by another instance stays. */
export const RELEASE = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/** EVALSHA, and EVAL once when the server has not seen the script yet (a restart, a new node). */
export async function runScript(client: Redis, { lua, sha1 }: Script, keys: readonly string[], args: readonly string[]): Promise<unknown> {
  try {
    return await client.evalsha(sha1, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return client.eval(lua, keys.length, ...keys, ...args);
  }
}
