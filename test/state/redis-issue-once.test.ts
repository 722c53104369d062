/**
 * One STS call per scope across instances: each "instance" here is its own shared state with its own
 * Redis connection, as separate function instances have.
 */
import { describe, expect, it } from 'vitest';
import type { SharedState } from '../../lib/state/types.js';
import type { IssuedCredentials } from '../../lib/sts/types.js';
import { redisAvailable } from '../helpers/redis-server.js';
import { cacheKeyFor, redisSuite, sampleCredentials } from '../helpers/shared-state-fixture.js';

const run = redisAvailable('shared state on Redis: one STS call per scope');

describe.runIf(run)('shared state on Redis: one STS call per scope', () => {
  const suite = redisSuite();
  const instances = async (count: number): Promise<SharedState[]> => (await suite.instances(count)).map((m) => m.state);

  /** A stand-in STS: counts its calls, takes `ms`, and fails the calls listed in `failing`. */
  const sts = (ms: number, failing: readonly number[] = []) => {
    const calls: IssuedCredentials[] = [];
    const issue = async () => {
      const n = calls.length;
      const credentials = sampleCredentials();
      calls.push(credentials);
      await new Promise((resolve) => setTimeout(resolve, ms));
      if (failing.includes(n)) throw new Error(`STS call ${n} failed`);
      return credentials;
    };
    return { calls, issue };
  };

  it('N instances asking for one scope at once: one STS call, and every instance gets its result within the deadline', async () => {
    const states = await instances(8);
    const { calls, issue } = sts(300);
    const started = Date.now();
    const waitUntil = started + 3000;
    const results = await Promise.all(states.map((state) => state.issueOnce(cacheKeyFor('alice'), issue, { waitUntil, lockTtlMs: 5000 })));
    expect(calls).toHaveLength(1);
    expect(results.map((r) => r.credentials)).toEqual(states.map(() => calls[0]));
    expect(results.filter((r) => r.outcome === 'issued')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'awaited')).toHaveLength(7);
    expect(Date.now()).toBeLessThan(waitUntil);
    // The lock is released: a later look finds the stored keys and no lock.
    expect(await states[0]!.lookup(cacheKeyFor('alice'))).toEqual({ credentials: calls[0], locked: false });
    // A later request on any instance: from the shared state, no STS call.
    expect(await states[5]!.issueOnce(cacheKeyFor('alice'), issue, { waitUntil, lockTtlMs: 5000 })).toEqual({ credentials: calls[0], outcome: 'shared' });
    expect(calls).toHaveLength(1);
  });

  it('distinct scopes do not wait for each other', async () => {
    const states = await instances(4);
    const { calls, issue } = sts(100);
    const subjects = ['a', 'b', 'c', 'd', 'a', 'b', 'c', 'd'];
    const results = await Promise.all(
      subjects.map((subject, i) => states[i % 4]!.issueOnce(cacheKeyFor(subject), issue, { waitUntil: Date.now() + 3000, lockTtlMs: 5000 })),
    );
    expect(calls).toHaveLength(4);
    expect(new Set(results.map((r) => r.credentials.accessKeyId)).size).toBe(4);
  });

  it('a holder that dies: the others wait until their deadline, then call STS themselves', async () => {
    const [dead, ...others] = await instances(4);
    const lock = await dead!.lock(cacheKeyFor('bob'), 10_000); // taken and never released
    expect(lock?.acquired).toBe(true);
    const { calls, issue } = sts(10);
    const started = Date.now();
    const results = await Promise.all(others.map((state) => state.issueOnce(cacheKeyFor('bob'), issue, { waitUntil: started + 600, lockTtlMs: 5000 })));
    const elapsed = Date.now() - started;
    expect(results.map((r) => r.outcome)).toEqual(['waited-out', 'waited-out', 'waited-out']);
    expect(calls).toHaveLength(3);
    expect(elapsed).toBeGreaterThanOrEqual(590);
    expect(elapsed).toBeLessThan(600 + 1000);
  });

  it("a holder that dies: once its lock expires, one waiter takes over and the others receive that one's result", async () => {
    const [dead, ...others] = await instances(4);
    await dead!.lock(cacheKeyFor('carol'), 400);
    const { calls, issue } = sts(50);
    const started = Date.now();
    const results = await Promise.all(others.map((state) => state.issueOnce(cacheKeyFor('carol'), issue, { waitUntil: started + 4000, lockTtlMs: 5000 })));
    expect(calls).toHaveLength(1);
    expect(results.map((r) => r.outcome).sort()).toEqual(['awaited', 'awaited', 'issued']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
  });

  it("a holder whose STS call fails releases the lock: its caller sees the error, a waiter makes the next call", async () => {
    const states = await instances(3);
    const { calls, issue } = sts(100, [0]);
    const outcomes = await Promise.allSettled(
      states.map((state) => state.issueOnce(cacheKeyFor('dave'), issue, { waitUntil: Date.now() + 3000, lockTtlMs: 5000 })),
    );
    expect(calls).toHaveLength(2);
    expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(1);
    const served = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    expect(served.map((r) => r.credentials)).toEqual([calls[1], calls[1]]);
  });

  it('does not reuse stored keys past the reuse point (half their lifetime), and replaces them', async () => {
    const [state] = await instances(1);
    const old: IssuedCredentials = { ...sampleCredentials(), issuedAt: new Date(Date.now() - 600_000), expiresAt: new Date(Date.now() + 300_000) };
    await state!.store(cacheKeyFor('erin'), old, 60_000);
    const { calls, issue } = sts(10);
    const result = await state!.issueOnce(cacheKeyFor('erin'), issue, { waitUntil: Date.now() + 1000, lockTtlMs: 5000 });
    expect(result).toEqual({ credentials: calls[0], outcome: 'issued' });
    expect((await state!.lookup(cacheKeyFor('erin')))?.credentials).toEqual(calls[0]);
    // Stored for as long as they are worth handing out: until half their lifetime, about 450 s.
    const ttl = await suite.redis.admin().pttl((await suite.redis.admin().keys('*c'))[0]!);
    expect(ttl).toBeGreaterThan(440_000);
    expect(ttl).toBeLessThanOrEqual(450_000);
  });
});
