/**
 * The Redis code in the built functions: a second file beside each bundle, loaded at cold start only when
 * REDIS_URL is set, that adds at most 1 KB to the bundle itself, ships with every deploy manifest, and
 * runs on each platform's Node (SCF's 18.15 included).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS, functionBundleOptions } from '../../scripts/build/function-bundle.js';
import { type AliyunFixture, bearer, fc3Event, startAliyunFixture } from '../helpers/aliyun-fixture.js';
import { redisAvailable, type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { newEncryptionKey } from '../helpers/shared-state-fixture.js';
import { platformNode } from '../runtime/platform-node.js';
import { runBundle } from '../runtime/run-bundle.js';

const root = new URL('../../', import.meta.url).pathname;
/** The bundle's own log lines (the driver's RESULT line lists file paths). */
const logOf = (output: string) => output.split('\n').filter((line) => !line.startsWith('RESULT ')).join('\n');
const dist = (cloud: string, file: string) => `${root}dist/${cloud}/${file}`;

describe('the Redis file beside each function bundle', () => {
  it.each(FUNCTIONS.map((fn) => [fn.name, fn.entry, fn.target] as const))(
    '%s: the bundle keeps ioredis out and its shared-state glue under 1 KB; redis.js holds the rest',
    async (name, entry, target) => {
      const result = await build({ ...functionBundleOptions(entry, `${root}dist/${name}/index.js`, target), write: false, metafile: true, absWorkingDir: root });
      const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint)!;
      const inputs = Object.entries(output.inputs);
      expect(inputs.filter(([path]) => /node_modules[\\/](ioredis|@ioredis|redis-parser|debug)[\\/]/.test(path))).toEqual([]);
      const stateBytes = inputs.filter(([path]) => path.startsWith('lib/state/')).reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
      expect(stateBytes).toBeGreaterThan(0);
      expect(stateBytes).toBeLessThanOrEqual(1024);
      expect(existsSync(dist(name, 'redis.js'))).toBe(true);
      expect(readFileSync(dist(name, 'redis.js'), 'utf8')).toContain('EVALSHA'.toLowerCase());
    },
  );

  it.each([
    ['s.yaml', /^\s+code: \.\/dist\/aliyun\s/m],
    ['serverless.yml', /^\s+src: \.\/dist\/tencent\s/m],
    ['s.huawei.yaml', /^\s+codeUri: \.\/dist\/huawei\s/m],
  ])('%s uploads the whole dist/<cloud> folder, redis.js included', (manifest, folder) => {
    const text = readFileSync(`${root}${manifest}`, 'utf8');
    expect(text).toMatch(folder);
    const excluded = [...text.matchAll(/^\s+- '([^']+)'.*$/gm)].map((m) => m[1]);
    expect(excluded.filter((glob) => !/\.map$/.test(glob ?? ''))).toEqual([]);
  });
});

const run = redisAvailable('the function bundles with REDIS_URL');

describe.runIf(run)('the function bundles with and without REDIS_URL', () => {
  let redis: RedisServer;
  let fx: AliyunFixture;
  let encryptionKey: string;

  beforeAll(async () => {
    redis = await startRedisServer();
    fx = await startAliyunFixture();
    encryptionKey = newEncryptionKey();
  }, 60_000);
  afterAll(async () => {
    await redis.stop();
    await fx.close();
  });

  const invoke = async (env: Record<string, string>) =>
    runBundle(process.execPath, dist('aliyun', 'index.js'), 'handler', { ...fx.env, ...env }, [
      { base64Event: fc3Event({ headers: bearer(await fx.idp.mint({ sub: 'shared-state-user' })) }).toString('base64'), context: fx.context() },
    ]);

  it('without REDIS_URL: redis.js is never loaded, and nothing about Redis is logged', async () => {
    const result = await invoke({ CACHE_ENCRYPTION_KEY: encryptionKey });
    expect(result.results[0]?.statusCode).toBe(200);
    expect(result.filesLoaded.filter((file) => file.endsWith('redis.js'))).toEqual([]);
    expect(result.filesLoaded.filter((file) => file.includes('/dist/'))).toEqual([dist('aliyun', 'index.js')]);
    expect(logOf(result.output)).not.toMatch(/redis/i);
  }, 60_000);

  it('with REDIS_URL: redis.js is loaded at cold start and connects, without a warning', async () => {
    const result = await invoke({ REDIS_URL: redis.url, CACHE_ENCRYPTION_KEY: encryptionKey });
    expect(result.results[0]?.statusCode).toBe(200);
    expect(result.filesLoaded.filter((file) => file.includes('/dist/'))).toEqual([dist('aliyun', 'index.js'), dist('aliyun', 'redis.js')]);
    expect(logOf(result.output)).not.toMatch(/"level":"(warn|error)"/);
    expect(result.output).not.toContain(redis.password);
  }, 60_000);

  it('with REDIS_URL but Redis down: the request is served all the same, with one warning', async () => {
    const result = await invoke({ REDIS_URL: 'redis://:pw@127.0.0.1:1/0', CACHE_ENCRYPTION_KEY: encryptionKey });
    expect(result.results[0]?.statusCode).toBe(200);
    expect(result.output.match(/Redis unavailable/g)).toHaveLength(1);
  }, 60_000);

  it('with REDIS_URL but no CACHE_ENCRYPTION_KEY: a bare 500, and the log names the variable, not the URL', async () => {
    const result = await invoke({ REDIS_URL: redis.url });
    expect(result.results[0]?.statusCode).toBe(500);
    expect(JSON.parse(result.results[0]!.body)).toEqual({ error: 'server_error', error_description: expect.any(String) });
    expect(result.output).toContain('CACHE_ENCRYPTION_KEY');
    expect(result.output).not.toContain(redis.password);
  }, 60_000);

  it.each([
    ['tencent', '18.15.0'],
    ['huawei', '20.15.0'],
  ])('dist/%s/redis.js works on the platform Node %s', async (cloud, version) => {
    const env = { PATH: process.env.PATH ?? '', REDIS_URL: redis.url, CACHE_ENCRYPTION_KEY: encryptionKey, REDIS_TIMEOUT_MS: '500' };
    const child = new URL('./take-in-child.cjs', import.meta.url).pathname;
    const { stdout } = await promisify(execFile)(platformNode(version), [child, dist(cloud, 'redis.js'), `node-${version}`, '3', '2'], { env });
    expect(stdout).toContain('RESULT [0,0,30]');
  }, 120_000);
});
