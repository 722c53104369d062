/**
 * Redis failing in every way we know: every operation still answers within REDIS_TIMEOUT_MS (plus a
 * margin for a busy test machine), never throws, leaves no unhandled rejection, logs one warning per
 * outage and one info line when Redis is back.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SharedState } from '../../lib/state/types.js';
import type { captureLogs } from '../helpers/log-capture.js';
import { redisAvailable, type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { cacheKeyFor, connected, sampleCredentials, sharedStateFor, type StateOptions } from '../helpers/shared-state-fixture.js';
import { startGarbageServer, startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

const run = redisAvailable('shared state on Redis: faults');
const TIMEOUT_MS = 50;
/**
 * Scheduling slack on a shared 2-core machine, plus however long this process itself was stalled (GC, no
 * CPU) while driving, which no code of ours can answer faster than; a hang would take seconds.
 */
const MARGIN_MS = 150;

interface Drive {
  /** Operations Redis actually served. */
  served: number;
  total: number;
  slowest: number;
  /** The longest this process's event loop was held up meanwhile. */
  stalled: number;
  thrown: unknown[];
}

/** Requests as the token service makes them, one after another for `ms`: look up, lock, store, count. */
async function drive(state: SharedState, ms: number): Promise<Drive> {
  const result: Drive = { served: 0, total: 0, slowest: 0, stalled: 0, thrown: [] };
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const key = cacheKeyFor('fault-subject');
  const ops: (() => Promise<unknown>)[] = [
    () => state.lookup(key),
    async () => {
      const lock = await state.lock(key, 1000);
      if (lock?.acquired) await lock.release();
      return lock;
    },
    async () => ((await state.store(key, sampleCredentials(), 60_000)) ? true : undefined),
    () => state.take('requests', 'fault-subject', 1_000_000),
  ];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    for (const op of ops) {
      const started = performance.now();
      try {
        if ((await op()) !== undefined) result.served += 1;
      } catch (error) {
        result.thrown.push(error);
      }
      result.total += 1;
      result.slowest = Math.max(result.slowest, performance.now() - started);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  loop.disable();
  result.stalled = loop.max / 1e6;
  return result;
}

/** Drives until Redis serves a whole round again (bounded), then returns what was driven. */
async function driveUntilServed(state: SharedState, withinMs = 10_000): Promise<Drive> {
  const all: Drive = { served: 0, total: 0, slowest: 0, stalled: 0, thrown: [] };
  const end = Date.now() + withinMs;
  for (;;) {
    const round = await drive(state, 100);
    all.total += round.total;
    all.slowest = Math.max(all.slowest, round.slowest);
    all.stalled = Math.max(all.stalled, round.stalled);
    all.thrown.push(...round.thrown);
    if (round.served === round.total) return { ...all, served: all.served + round.served };
    if (Date.now() > end) throw new Error('Redis did not come back into use');
  }
}

const expectBounded = (d: Drive) => {
  expect(d.thrown).toEqual([]);
  expect(d.slowest).toBeLessThan(TIMEOUT_MS + MARGIN_MS + d.stalled);
};

const messages = (logs: ReturnType<typeof captureLogs>, level: 'warn' | 'info') =>
  logs.lines.filter((l) => l.level === level).map((l) => `${l.message} (${String(l.fields.reason)})`);

describe.runIf(run)('shared state on Redis: faults', () => {
  let redis: RedisServer;
  const opened: SharedState[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  const open = async (url: string, options: StateOptions = {}, wait = true) => {
    const made = sharedStateFor(url, { timeoutMs: TIMEOUT_MS, ...options });
    opened.push(made.state);
    if (wait) await connected(made.state);
    return made;
  };

  beforeAll(() => void process.on('unhandledRejection', onUnhandled));
  beforeEach(async () => {
    redis = await startRedisServer();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((state) => state.close()));
    await redis.stop();
    expect(unhandled).toEqual([]);
  });
  afterAll(() => void process.off('unhandledRejection', onUnhandled));

  it('Redis killed mid-run, then back: nothing shared meanwhile, one warning, one recovery line', async () => {
    const { state, logs } = await open(redis.url);
    const before = await drive(state, 200);
    expect(before.served).toBe(before.total);
    await redis.kill();
    const down = await drive(state, 600);
    expectBounded(down);
    expect(down.served).toBe(0);
    // Without Redis, a request still gets keys: from its own STS call.
    let stsCalls = 0;
    const issued = await state.issueOnce(cacheKeyFor('x'), async () => (stsCalls++, sampleCredentials()), { waitUntil: Date.now() + 1000, lockTtlMs: 1000 });
    expect(issued.outcome).toBe('unshared');
    expect(stsCalls).toBe(1);
    await redis.restart();
    expectBounded(await driveUntilServed(state));
    expect(messages(logs, 'warn')).toEqual(['Redis unavailable: serving without shared state until it is back (refused)']);
    expect(messages(logs, 'info')).toEqual(['Redis available again: shared state restored (refused)']);
  }, 30_000);

  it('Redis paused (SIGSTOP), hanging with its sockets open: bounded answers, one warning, recovery on SIGCONT', async () => {
    const { state, logs } = await open(redis.url);
    redis.pause();
    const hung = await drive(state, 2500);
    expectBounded(hung);
    expect(hung.served).toBe(0);
    redis.resume();
    expectBounded(await driveUntilServed(state));
    expect(messages(logs, 'warn')).toEqual(['Redis unavailable: serving without shared state until it is back (timeout)']);
    expect(messages(logs, 'info')).toHaveLength(1);
  }, 30_000);

  it.each([
    ['drops every packet', (proxy: TcpProxy) => void (proxy.mode = 'drop')],
    ['delays every packet by 200 ms', (proxy: TcpProxy) => ((proxy.mode = 'delay'), (proxy.delayMs = 200))],
    ['resets every connection', (proxy: TcpProxy) => void (proxy.mode = 'reset')],
  ])('a network path that %s: bounded answers, one warning, recovery when it heals', async (_name, breakIt) => {
    const proxy = await startTcpProxy(redis.port);
    try {
      const { state, logs } = await open(`redis://:${redis.password}@127.0.0.1:${proxy.port}/0`);
      expect((await drive(state, 100)).served).toBeGreaterThan(0);
      breakIt(proxy);
      const broken = await drive(state, 2500);
      expectBounded(broken);
      proxy.mode = 'pass';
      expectBounded(await driveUntilServed(state));
      expect(messages(logs, 'warn')).toHaveLength(1);
      expect(messages(logs, 'info')).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  }, 30_000);

  it('a wrong password: nothing shared, one warning that says so, and the password is never logged', async () => {
    const { state, logs } = await open(`redis://:wrong-${redis.password}@127.0.0.1:${redis.port}/0`, {}, false);
    const d = await drive(state, 1500);
    expectBounded(d);
    expect(d.served).toBe(0);
    expect(messages(logs, 'warn')).toEqual(['Redis unavailable: serving without shared state until it is back (auth)']);
    expect(logs.lines.some((l) => l.text.includes(redis.password))).toBe(false);
    expect(logs.lines.every((l) => l.fields.redis === `redis://127.0.0.1:${redis.port}/0`)).toBe(true);
  }, 30_000);

  it('full memory (maxmemory, noeviction): writes answer "not shared", reads still work, one warning, recovery', async () => {
    const { state, logs } = await open(redis.url);
    const admin = redis.admin();
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    await admin.config('SET', 'maxmemory', '1');
    const key = cacheKeyFor('oom');
    const full = await drive(state, 500);
    expectBounded(full);
    expect(await state.store(key, sampleCredentials(), 60_000)).toBe(false);
    expect(await state.lock(key, 1000)).toBeUndefined();
    expect(await state.take('requests', 'oom', 10)).toBeUndefined();
    expect(await state.lookup(key)).toEqual({ credentials: undefined, locked: false });
    expect(messages(logs, 'warn')).toEqual(['Redis refuses an operation: serving it without shared state (OOM)']);
    await admin.config('SET', 'maxmemory', '0');
    expectBounded(await driveUntilServed(state));
    expect(messages(logs, 'info')).toEqual(['Redis accepts the operation again (OOM)']);
    expect(messages(logs, 'warn')).toHaveLength(1);
  }, 30_000);

  it.each([
    ['random bytes', Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a, 0x2a, 0x39, 0x39, 0x39, 0x39, 0x39, 0x0d])],
    ['a well-formed but wrong answer to everything', '+OK\r\n'],
    ['an error to everything', '-ERR unknown command\r\n'],
    ['an endless bulk string', '$999999999\r\nabc'],
  ])('a server answering %s: nothing shared, bounded answers, one warning', async (_name, reply) => {
    const fake = await startGarbageServer(reply);
    try {
      const { state, logs } = await open(`redis://:secret-pass@127.0.0.1:${fake.port}/0`, {}, false);
      const d = await drive(state, 1500);
      expectBounded(d);
      expect(d.served).toBe(0);
      expect(messages(logs, 'warn')).toHaveLength(1);
    } finally {
      await fake.close();
    }
  }, 30_000);

  it('a connection that died while the instance was frozen is replaced at once, without a warning', async () => {
    const proxy = await startTcpProxy(redis.port);
    try {
      const { state, logs } = await open(`redis://:${redis.password}@127.0.0.1:${proxy.port}/0`, {
        connection: { staleAfterMs: 200, backoff: { baseMs: 50, maxMs: 400 } },
      });
      expect((await drive(state, 50)).served).toBeGreaterThan(0);
      // Frozen past staleAfterMs while the network forgot the connection.
      proxy.forgetOpenConnections();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await state.lookup(cacheKeyFor('thawed'))).toBeUndefined(); // the dead socket: timed out
      expect(await state.lookup(cacheKeyFor('thawed'))).toEqual({ credentials: undefined, locked: false }); // a new one
      expect(logs.lines).toEqual([]);
    } finally {
      await proxy.close();
    }
  }, 30_000);

  it('a connection the server closed while idle: the next request reconnects within its own deadline, without a warning', async () => {
    const { state, logs } = await open(redis.url);
    await redis.admin().config('SET', 'timeout', '1');
    await new Promise((resolve) => setTimeout(resolve, 2600));
    const started = performance.now();
    expect(await state.lookup(cacheKeyFor('idle'))).toEqual({ credentials: undefined, locked: false });
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    expect(logs.lines).toEqual([]);
  }, 30_000);
});
