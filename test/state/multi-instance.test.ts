/**
 * One deployment, several instances: separate processes each loading the built Aliyun bundle with the
 * same REDIS_URL, one STS emulator. One STS call per distinct scope for the whole deployment, one
 * per-subject limit for the whole deployment, and Redis failing mid-run costing no request.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AliyunFixture, bearer, fc3Event, startAliyunFixture } from '../helpers/aliyun-fixture.js';
import { redisAvailable } from '../helpers/redis-server.js';
import { redisSuite } from '../helpers/shared-state-fixture.js';
import { type BundleInstance, type InstanceResult, startInstance } from './bundle-instances.js';

const run = redisAvailable('several function instances sharing Redis');

describe.runIf(run)('several function instances sharing Redis', () => {
  const suite = redisSuite();
  let fx: AliyunFixture;
  let instances: BundleInstance[] = [];
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    fx = await startAliyunFixture();
  }, 60_000);
  afterEach(async () => {
    await Promise.all(instances.map((instance) => instance.stop()));
    instances = [];
  });
  afterAll(async () => fx.close());

  const tokenFor = async (subject: string) => {
    if (!tokens.has(subject)) tokens.set(subject, await fx.idp.mint({ sub: subject }));
    return tokens.get(subject)!;
  };
  /** `count` instances of one deployment; the first request of each opens its Redis connection. */
  const deploy = async (count: number, env: Record<string, string> = {}) => {
    instances = Array.from({ length: count }, () =>
      startInstance({ ...fx.env, REDIS_URL: suite.redis.url, CACHE_ENCRYPTION_KEY: suite.encryptionKey, ...env }),
    );
    await Promise.all(instances.map(async (instance, i) => expect((await request(instance, `warm-up-${i}`)).statusCode).toBe(200)));
    fx.sts.reset();
    return instances;
  };
  const request = async (instance: BundleInstance, subject: string): Promise<InstanceResult> =>
    instance.invoke(fc3Event({ headers: bearer(await tokenFor(subject)) }), fx.context());
  const stsSubjects = () => fx.sts.calls.map((call) => call.roleSessionName);

  it('2,000 requests from 200 subjects over 4 instances: exactly one STS call per distinct scope, first requests at all instances at once', async () => {
    // A loaded 2-core test machine can hold an instance's event loop past 50 ms; a generous Redis timeout
    // keeps this test about the protocol rather than about that machine.
    const all = await deploy(4, { REDIS_TIMEOUT_MS: '1000' });
    const subjects = Array.from({ length: 200 }, (_, i) => `user-${String(i).padStart(3, '0')}`);
    await Promise.all(subjects.map(tokenFor));

    // Wave 1: every subject's first request reaches all four instances at the same moment (800).
    const first = await Promise.all(subjects.flatMap((subject) => all.map((instance) => request(instance, subject))));
    // Then six more per subject, spread over the instances (1,200).
    const rest = await Promise.all(subjects.flatMap((subject, s) => Array.from({ length: 6 }, (_, k) => request(all[(s + k) % 4]!, subject))));

    const results = [...first, ...rest];
    expect(results).toHaveLength(2000);
    expect(results.filter((r) => r.statusCode !== 200).map((r) => `${r.statusCode} ${r.body}`)).toEqual([]);
    expect(stsSubjects().sort()).toEqual(subjects);
    // Each subject got the same keys from every instance.
    const keysBySubject = new Map<string, Set<string>>();
    for (const r of results) {
      const body = JSON.parse(r.body) as { prefix: string; accessKeyId: string };
      const keys = keysBySubject.get(body.prefix) ?? new Set();
      keys.add(body.accessKeyId);
      keysBySubject.set(body.prefix, keys);
    }
    expect([...keysBySubject.values()].every((keys) => keys.size === 1)).toBe(true);
    const log = all.flatMap((instance) => instance.log);
    expect(log.filter((line) => /"sharedState":"(shared|awaited)"/.test(line)).length).toBeGreaterThan(0);
    expect(log.filter((line) => /Redis unavailable/.test(line))).toEqual([]);
  }, 180_000);

  it('TOKEN_RATE_LIMIT holds for the deployment: a subject over it is refused by every instance', async () => {
    const all = await deploy(4, { TOKEN_RATE_LIMIT: '6', REDIS_TIMEOUT_MS: '1000' });
    const answers: number[][] = [[], [], [], []];
    for (let i = 0; i < 24; i++) answers[i % 4]!.push((await request(all[i % 4]!, 'limited')).statusCode);
    expect(answers.flat().filter((status) => status === 200)).toHaveLength(6);
    // Every instance refused, not only the ones that counted.
    for (const statuses of answers) expect(statuses.slice(-3)).toEqual([429, 429, 429]);
    // Per instance alone, each would have let 6 through: 24 in all.
  }, 60_000);

  it('TOKEN_STS_RATE_LIMIT holds for the deployment: new keys for a subject are counted across instances', async () => {
    const all = await deploy(4, { TOKEN_STS_RATE_LIMIT: '3', REDIS_TIMEOUT_MS: '1000' });
    const token = await tokenFor('many-prefixes');
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const body = JSON.stringify({ prefix: `users/many-prefixes/folder-${i}/` });
      statuses.push((await all[i % 4]!.invoke(fc3Event({ headers: bearer(token), body }), fx.context())).statusCode);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429, 429, 429]);
    expect(stsSubjects()).toHaveLength(3);
  }, 60_000);

  it('with Redis down, each instance falls back to its own limit, as without Redis', async () => {
    const all = await deploy(4, { TOKEN_RATE_LIMIT: '3' });
    await suite.redis.kill();
    const statuses = await Promise.all(all.map(async (instance) => {
      const mine: number[] = [];
      for (let i = 0; i < 4; i++) mine.push((await request(instance, 'limited-alone')).statusCode);
      return mine;
    }));
    expect(statuses).toEqual(all.map(() => [200, 200, 200, 429]));
    await suite.redis.restart();
  }, 60_000);

  it('Redis killed mid-run, then back: every request served, no 5xx, one warning per outage, sharing resumes', async () => {
    const all = await deploy(4);
    const results: InstanceResult[] = [];
    // Fresh subjects every wave: a memory hit would never reach Redis.
    let waves = 0;
    const wave = async (tag: string) => {
      waves += 1;
      results.push(...(await Promise.all(all.flatMap((instance, i) => Array.from({ length: 5 }, (_, k) => request(instance, `${tag}-${waves}-${i}-${k}`))))));
    };
    const count = (instance: BundleInstance, text: RegExp) => instance.log.filter((line) => text.test(line)).length;
    const warned = (instance: BundleInstance) => count(instance, /Redis unavailable/);
    const recovered = (instance: BundleInstance) => count(instance, /Redis available again/);
    await wave('before');
    await suite.redis.kill();
    await wave('down');
    await wave('still-down');
    expect(all.filter((instance) => warned(instance) === 1).length).toBeGreaterThan(0);
    await suite.redis.restart();
    // Back within each instance's backoff (at most 5 s): every outage that was warned about has ended.
    const deadline = Date.now() + 20_000;
    while (!all.every((instance) => recovered(instance) === warned(instance)) && Date.now() < deadline) await wave('after');
    expect(results.filter((r) => r.statusCode !== 200).map((r) => `${r.statusCode} ${r.body}`)).toEqual([]);
    for (const instance of all) {
      const lines = instance.log.filter((line) => /Redis/.test(line)).join('\n');
      expect(warned(instance), lines).toBeLessThanOrEqual(1);
      expect(recovered(instance), lines).toBe(warned(instance));
    }
    // Sharing resumed everywhere: keys one instance fetched are served to the others from Redis.
    for (const [i, instance] of all.entries()) expect((await request(instance, 'after-restart')).statusCode, `instance ${i}`).toBe(200);
    expect(fx.sts.calls.filter((call) => call.roleSessionName === 'after-restart')).toHaveLength(1);
  }, 60_000);

  it('Redis paused (SIGSTOP): every request served within its deadline, no 5xx', async () => {
    const all = await deploy(4);
    suite.redis.pause();
    try {
      const results = await Promise.all(all.flatMap((instance, i) => Array.from({ length: 10 }, (_, k) => request(instance, `paused-${i}-${k}`))));
      expect(results.filter((r) => r.statusCode !== 200)).toEqual([]);
      // Redis may hold a request up for REDIS_TIMEOUT_MS (50 ms) per operation, a few operations at most;
      // nothing near the invocation's 10 s.
      expect(Math.max(...results.map((r) => r.ms))).toBeLessThan(3000);
    } finally {
      suite.redis.resume();
    }
  }, 60_000);
});
