/**
 * Fault injection against local servers, the same cases on all three clouds' built bundles: the JWKS
 * down, slow, answering garbage or 500; STS (or IAM) down, hanging, failing with 5xx, throttling, or
 * answering malformed, truncated or incomplete JSON; the metadata service hanging. Each ends in the
 * documented status, before the invocation's deadline. (No secret in any log line or body: the
 * suite-wide secret guard checks every response read here and every line the bundles log.)
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AliyunEcsMetadataEmulator, startAliyunEcsMetadataEmulator } from '../../emulators/metadata/aliyun-ecs-metadata.js';
import { type HuaweiEcsMetadataEmulator, startHuaweiEcsMetadataEmulator } from '../../emulators/metadata/huawei-ecs-metadata.js';
import { startTencentCvmMetadataEmulator, type TencentCvmMetadataEmulator } from '../../emulators/metadata/tencent-cvm-metadata.js';
import { type AliyunFixture, fc3Event, startAliyunFixture } from '../helpers/aliyun-fixture.js';
import { bearer } from '../helpers/attack-cases.js';
import { type BundleHandler, captureConsole, coldStart, withJson } from '../helpers/bundle-harness.js';
import { apigEvent, type HuaweiFixture, startHuaweiFixture } from '../helpers/huawei-fixture.js';
import { functionUrlEvent, startTencentFixture, type TencentFixture } from '../helpers/tencent-fixture.js';

const dist = (name: string) => new URL(`../../dist/${name}/index.js`, import.meta.url);

/** What the suite needs of one cloud's deployment, whatever its platform's shapes. */
interface Deployment {
  readonly name: string;
  readonly env: Record<string, string>;
  readonly idp: AliyunFixture['idp'];
  /** STS, or IAM on Huawei's default path. */
  readonly upstream: { injectFault(fault: never, opts?: { persistent?: boolean }): void; requestCount(): number; reset(): void };
  readonly faults: { throttling: object; serverError: object; missingFields: object };
  start(env?: Record<string, string>): BundleHandler;
  event(headers: Record<string, string>): unknown;
  /** An invocation with `deadlineMs` to live; `withoutCredentials`: the platform hands over none. */
  context(deadlineMs: number, withoutCredentials?: boolean): unknown;
  /** Points the instance's metadata source at a given server and takes every other source away. */
  metadataOnly(url: string): Record<string, string>;
  /** SCF hands the role's keys over in the environment of each invocation, not in the context. */
  beforeInvoke?(withoutCredentials: boolean): void;
}

const SCF_KEYS = ['TENCENTCLOUD_SECRETID', 'TENCENTCLOUD_SECRETKEY', 'TENCENTCLOUD_SESSIONTOKEN'];

let aliyunFx: AliyunFixture;
let tencentFx: TencentFixture;
let huaweiFx: HuaweiFixture;
let ecs: AliyunEcsMetadataEmulator;
let cvm: TencentCvmMetadataEmulator;
let hwEcs: HuaweiEcsMetadataEmulator;
let consoleLines: ReturnType<typeof captureConsole>;
const deployments: Deployment[] = [];

/** Fault shapes differ per emulator; the suite hands each its own. */
const inject = (d: Deployment, fault: object, persistent = false) => d.upstream.injectFault(fault as never, { persistent });

beforeAll(async () => {
  [aliyunFx, tencentFx, huaweiFx] = await Promise.all([startAliyunFixture(), startTencentFixture(), startHuaweiFixture()]);
  [ecs, cvm, hwEcs] = await Promise.all([startAliyunEcsMetadataEmulator(), startTencentCvmMetadataEmulator(), startHuaweiEcsMetadataEmulator()]);
  consoleLines = captureConsole();
  const withoutKey = (env: Record<string, string>, ...names: string[]) => Object.fromEntries(Object.entries(env).filter(([k]) => !names.includes(k)));
  deployments.push(
    {
      name: 'aliyun',
      env: aliyunFx.env,
      idp: aliyunFx.idp,
      upstream: aliyunFx.sts,
      faults: {
        throttling: { kind: 'error', status: 400, code: 'Throttling.Api' },
        serverError: { kind: 'error', status: 500, code: 'InternalError' },
        missingFields: { kind: 'raw', status: 200, body: '{"RequestId":"r","Credentials":{"AccessKeyId":"STS.x"}}' },
      },
      start: (env = aliyunFx.env) => coldStart(dist('aliyun'), 'handler', env),
      event: (headers) => fc3Event({ headers }),
      context: (deadlineMs, withoutCredentials) =>
        aliyunFx.context({ function: { name: 'stsgate', timeout: deadlineMs / 1000 }, ...(withoutCredentials ? { credentials: undefined } : {}) }),
      metadataOnly: (url) => ({ ...withoutKey(aliyunFx.env, 'ALIBABA_CLOUD_ECS_METADATA_DISABLED'), ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT: url }),
    },
    {
      name: 'tencent',
      env: tencentFx.env,
      idp: tencentFx.idp,
      upstream: tencentFx.sts,
      faults: {
        throttling: { kind: 'error', code: 'RequestLimitExceeded' },
        serverError: { kind: 'raw', status: 500, body: 'internal error' },
        missingFields: { kind: 'raw', status: 200, body: '{"Response":{"RequestId":"r","ExpiredTime":1900000000}}' },
      },
      start: (env = tencentFx.env) => coldStart(dist('tencent'), 'main_handler', env),
      event: (headers) => functionUrlEvent({ headers }),
      context: (deadlineMs) => tencentFx.context({ time_limit_in_ms: deadlineMs }),
      metadataOnly: (url) => ({ ...withoutKey(tencentFx.env, 'TENCENTCLOUD_CVM_ROLE_DISABLED', ...SCF_KEYS), TENCENTCLOUD_METADATA_ENDPOINT: url }),
      beforeInvoke: (withoutCredentials) => {
        for (const name of SCF_KEYS) {
          if (withoutCredentials) delete process.env[name];
          else process.env[name] = tencentFx.env[name];
        }
      },
    },
    {
      name: 'huawei',
      env: huaweiFx.env,
      idp: huaweiFx.idp,
      upstream: huaweiFx.iam,
      faults: {
        throttling: { kind: 'error', status: 429, code: 'APIGW.0308' },
        serverError: { kind: 'error', status: 500, code: 'IAM.0006' },
        missingFields: { kind: 'raw', status: 201, body: '{"credential":{"access":"A","expires_at":"2030-01-01T00:00:00.000000Z"}}' },
      },
      start: (env = huaweiFx.env) => coldStart(dist('huawei'), 'handler', env),
      event: (headers) => apigEvent({ headers }),
      context: (deadlineMs, withoutCredentials) => {
        const started = Date.now();
        const base = withoutCredentials ? huaweiFx.contextWithoutAgency() : huaweiFx.context();
        return { ...base, getRemainingTimeInMilliSeconds: () => deadlineMs - (Date.now() - started) };
      },
      metadataOnly: (url) => ({ ...withoutKey(huaweiFx.env, 'HUAWEICLOUD_ECS_METADATA_DISABLED'), HUAWEICLOUD_ECS_METADATA_ENDPOINT: url }),
    },
  );
});

afterEach(() => {
  for (const d of deployments) d.upstream.reset();
  for (const fx of [aliyunFx, tencentFx, huaweiFx]) fx.idp.setJwksMode('ok');
  for (const server of [ecs, cvm, hwEcs]) server.reset();
});

afterAll(async () => {
  consoleLines.restore();
  for (const name of SCF_KEYS) delete process.env[name];
  await Promise.all([aliyunFx.close(), tencentFx.close(), huaweiFx.close(), ecs.close(), cvm.close(), hwEcs.close()]);
});

/** One request; the result with how long it took. */
async function request(d: Deployment, handler: BundleHandler, sub: string, deadlineMs = 10_000, withoutCredentials = false) {
  const token = await d.idp.mint({ sub });
  d.beforeInvoke?.(withoutCredentials);
  const started = Date.now();
  const response = withJson(await handler(d.event(bearer(token)), d.context(deadlineMs, withoutCredentials)));
  return { ...response, elapsedMs: Date.now() - started };
}

const clouds = ['aliyun', 'tencent', 'huawei'] as const;
const deployment = (name: string) => deployments.find((d) => d.name === name)!;

describe.each(clouds)('%s: the JWKS fails on a cold instance', (name) => {
  it.each(['http-500', 'garbage', 'redirect'] as const)('answering %s → 503 temporarily_unavailable with Retry-After', async (mode) => {
    const d = deployment(name);
    d.idp.setJwksMode(mode);
    const res = await request(d, d.start(), `jwks-${mode}`);
    expect(res.statusCode).toBe(503);
    expect(res.json).toMatchObject({ error: 'temporarily_unavailable' });
    expect(res.headers['Retry-After']).toBeDefined();
    expect(d.upstream.requestCount()).toBe(0);
  });

  it('down → 503', async () => {
    const d = deployment(name);
    const res = await request(d, d.start({ ...d.env, JWT_JWKS_URL: 'http://127.0.0.1:1/jwks.json' }), 'jwks-down');
    expect(res.statusCode).toBe(503);
    expect(d.upstream.requestCount()).toBe(0);
  });

  it('slow (hanging) → 503, the fetch cut at the invocation’s deadline rather than jose’s 3 s', async () => {
    const d = deployment(name);
    d.idp.setJwksMode('hang');
    const res = await request(d, d.start(), 'jwks-hang', 1500);
    expect(res.statusCode).toBe(503);
    expect(res.elapsedMs).toBeLessThan(1500);
    expect(d.upstream.requestCount()).toBe(0);
  });
});

describe.each(clouds)('%s: STS (IAM on Huawei) fails', (name) => {
  let handler: BundleHandler;
  beforeAll(() => {
    handler = deployment(name).start();
  });

  it('throttling that outlasts the retries → 503 with Retry-After, after 3 attempts', async () => {
    const d = deployment(name);
    inject(d, d.faults.throttling, true);
    const res = await request(d, handler, 'sts-throttle');
    expect(res.statusCode).toBe(503);
    expect(res.json).toMatchObject({ error: 'temporarily_unavailable' });
    expect(res.headers['Retry-After']).toBe('1');
    expect(d.upstream.requestCount()).toBe(3);
  });

  it('5xx on every attempt → 503', async () => {
    const d = deployment(name);
    inject(d, d.faults.serverError, true);
    const res = await request(d, handler, 'sts-500');
    expect(res.statusCode).toBe(503);
    expect(d.upstream.requestCount()).toBe(3);
  });

  it('one 5xx, then success → 200 (retried)', async () => {
    const d = deployment(name);
    inject(d, d.faults.serverError);
    expect((await request(d, handler, 'sts-500-once')).statusCode).toBe(200);
    expect(d.upstream.requestCount()).toBe(2);
  });

  it.each([
    ['malformed JSON', '{"not json'],
    ['truncated JSON', '{"Credentials":{"AccessKeyId":"STS.x","AccessKey'],
    ['an empty body', ''],
  ])('a success status with %s → 502 upstream_error InvalidResponse, not retried', async (label, body) => {
    const d = deployment(name);
    inject(d, { kind: 'raw', status: name === 'huawei' ? 201 : 200, body }, true);
    const res = await request(d, handler, `sts-raw-${label.length}`);
    expect(res.statusCode).toBe(502);
    expect(res.json).toMatchObject({ error: 'upstream_error', upstream_code: 'InvalidResponse' });
    expect(d.upstream.requestCount()).toBe(1);
  });

  it('missing fields → 502 upstream_error', async () => {
    const d = deployment(name);
    inject(d, d.faults.missingFields, true);
    const res = await request(d, handler, 'sts-missing');
    expect(res.statusCode).toBe(502);
    expect(res.json?.upstream_code).toBe('InvalidResponse');
  });

  it('hanging → 504 upstream_timeout before the deadline, not retried', async () => {
    const d = deployment(name);
    inject(d, { kind: 'hang' }, true);
    const res = await request(d, handler, 'sts-hang', 1500);
    expect(res.statusCode).toBe(504);
    expect(res.json?.error).toBe('upstream_timeout');
    expect(res.elapsedMs).toBeLessThan(1500);
    expect(d.upstream.requestCount()).toBe(1);
  });

  it('down (nothing listening) → 503 after the retries, before the deadline', async () => {
    const d = deployment(name);
    const endpoint = { aliyun: 'ALIYUN_STS_ENDPOINT', tencent: 'TENCENT_STS_ENDPOINT', huawei: 'HUAWEI_IAM_ENDPOINT' }[name];
    const res = await request(d, d.start({ ...d.env, [endpoint]: 'http://127.0.0.1:1' }), 'sts-down', 3000);
    expect(res.statusCode).toBe(503);
    expect(res.elapsedMs).toBeLessThan(3000);
  });
});

describe.each(clouds)('%s: the instance metadata service hangs', (name) => {
  it('→ 500 server_error (no role credentials) within about a second, with no STS call', async () => {
    const d = deployment(name);
    const metadata = { aliyun: ecs, tencent: cvm, huawei: hwEcs }[name];
    metadata.injectFault({ kind: 'hang' }, { persistent: true });
    const res = await request(d, d.start(d.metadataOnly(metadata.url)), 'metadata-hang', 10_000, true);
    expect(res.statusCode).toBe(500);
    expect(res.json).toEqual({ error: 'server_error', error_description: 'the token service is not available' });
    expect(res.elapsedMs).toBeLessThan(1500);
    expect(d.upstream.requestCount()).toBe(0);
    const logged = consoleLines.lines.filter((line) => line.includes('no role credentials available')).at(-1) ?? '';
    expect(logged).toMatch(/did not answer in time/);
  });
});
