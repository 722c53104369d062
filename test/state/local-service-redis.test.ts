/**
 * `npm start` with REDIS_URL: the banner says the functions share state through Redis (never with the
 * password), and the keys they issue land in Redis, encrypted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { redisAvailable } from '../helpers/redis-server.js';
import { redisSuite } from '../helpers/shared-state-fixture.js';
import { type ServiceProcess, startServiceProcess, stopServiceProcess } from '../helpers/local-service.js';

const run = redisAvailable('npm start with REDIS_URL');

describe.runIf(run)('npm start with REDIS_URL', () => {
  const suite = redisSuite();
  let service: ServiceProcess | undefined;
  afterEach(async () => stopServiceProcess(service));

  it('says so in its banner and shares the keys it issues through Redis', { timeout: 60_000 }, async () => {
    service = await startServiceProcess({ REDIS_URL: suite.redis.url, CACHE_ENCRYPTION_KEY: suite.encryptionKey });
    expect(service.output()).toContain(`shared state: Redis at redis://127.0.0.1:${suite.redis.port}/0 (REDIS_URL)`);
    expect(service.output()).not.toContain(suite.redis.password);
    const token = await (await fetch(`${service.url}/dev/token?sub=alice`)).text();
    const answer = await fetch(`${service.url}/aliyun`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(answer.status).toBe(200);
    const keys = await suite.redis.admin().keys('stsgate:*c');
    expect(keys).toHaveLength(1);
    expect(service.output()).toMatch(/"sharedState":"issued"/);
  });

  it('without REDIS_URL says nothing about shared state', { timeout: 60_000 }, async () => {
    service = await startServiceProcess();
    expect(service.output()).not.toMatch(/shared state|redis/i);
  });
});
