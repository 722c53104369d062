/**
 * Per-subject limits shared by every instance: one GCRA bucket per subject in Redis, which a client
 * sees answer exactly as the in-memory token bucket (`SubjectRateLimit`) does.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SubjectRateLimit } from '../../lib/limits/subject-rate-limit.js';
import type { SharedState } from '../../lib/state/types.js';
import { redisAvailable } from '../helpers/redis-server.js';
import { redisSuite } from '../helpers/shared-state-fixture.js';

const run = redisAvailable('shared state on Redis: rate limits');
const REDIS_FILE = new URL('../../dist/aliyun/redis.js', import.meta.url).pathname;
const CHILD = new URL('./take-in-child.cjs', import.meta.url).pathname;

describe.runIf(run)('shared state on Redis: rate limits', () => {
  const suite = redisSuite();
  const instances = async (count: number): Promise<SharedState[]> => (await suite.instances(count)).map((m) => m.state);

  it('answers as the in-memory token bucket: a full bucket, the same Retry-After, one more request per interval', async () => {
    const [state] = await instances(1);
    // 30 a minute: a bucket of 30, one request back every 2 s.
    const memory = new SubjectRateLimit({ perMinute: 30 });
    const both = async () => [memory.take('alice'), await state!.take('requests', 'alice', 30)];
    const burst: (number | undefined)[][] = [];
    for (let i = 0; i < 31; i++) burst.push(await both());
    expect(burst.slice(0, 30)).toEqual(Array.from({ length: 30 }, () => [0, 0]));
    expect(burst[30]).toEqual([2, 2]);
    await new Promise((resolve) => setTimeout(resolve, 2300));
    expect(await both()).toEqual([0, 0]);
    expect(await both()).toEqual([2, 2]);
  }, 20_000);

  it('keeps each subject and each named limit in its own bucket', async () => {
    const [state] = await instances(1);
    expect(await state!.take('requests', 'bob', 1)).toBe(0);
    expect(await state!.take('requests', 'bob', 1)).toBe(60);
    expect(await state!.take('requests', 'carol', 1)).toBe(0);
    expect(await state!.take('sts-calls', 'bob', 1)).toBe(0);
  });

  it('holds the limit across instances (separate connections): a subject over it is refused by every one', async () => {
    const states = await instances(3);
    const answers: number[] = [];
    for (let i = 0; i < 30; i++) answers.push((await states[i % 3]!.take('requests', 'dave', 10))!);
    expect(answers.filter((a) => a === 0)).toHaveLength(10);
    expect(answers.slice(10).every((a) => a > 0)).toBe(true);
    for (const state of states) expect(await state.take('requests', 'dave', 10)).toBeGreaterThan(0);
    // The bucket expires by itself once it would be full again (10 a minute: at most 60 s from now).
    const ttl = await suite.redis.admin().pttl((await suite.redis.admin().keys('*r:requests'))[0]!);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('holds the limit across separate processes loading the built redis.js', async () => {
    const env = { PATH: process.env.PATH ?? '', REDIS_URL: suite.redis.url, CACHE_ENCRYPTION_KEY: suite.encryptionKey, REDIS_TIMEOUT_MS: '500' };
    const children = await Promise.all(
      [0, 1, 2].map(() => promisify(execFile)(process.execPath, [CHILD, REDIS_FILE, 'erin', '8', '12'], { env })),
    );
    const answers = children.flatMap(({ stdout }) => JSON.parse(stdout.split('\n').find((l) => l.startsWith('RESULT '))!.slice(7)) as number[]);
    expect(answers).toHaveLength(24);
    expect(answers.filter((a) => a === 0)).toHaveLength(12);
    // And this process, another instance, is refused too.
    const [state] = await instances(1);
    expect(await state!.take('requests', 'erin', 12)).toBeGreaterThan(0);
  }, 30_000);
});
