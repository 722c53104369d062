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
import { bearer } from '../helpers/attack-cases.js';
import { type BundleHandler, captureConsole, withJson } from '../helpers/bundle-harness.js';
import { type CloudName, CLOUDS, type Deployment, type Deployments, inject, startDeployments } from '../helpers/deployments.js';

let deployments: Deployments;
let ecs: AliyunEcsMetadataEmulator;
let cvm: TencentCvmMetadataEmulator;
let hwEcs: HuaweiEcsMetadataEmulator;
let consoleLines: ReturnType<typeof captureConsole>;

beforeAll(async () => {
  deployments = await startDeployments();
  [ecs, cvm, hwEcs] = await Promise.all([startAliyunEcsMetadataEmulator(), startTencentCvmMetadataEmulator(), startHuaweiEcsMetadataEmulator()]);
  consoleLines = captureConsole();
});

afterEach(() => {
  for (const d of deployments.all) d.upstream.reset();
  for (const d of deployments.all) d.idp.setJwksMode('ok');
  for (const server of [ecs, cvm, hwEcs]) server.reset();
});

afterAll(async () => {
  consoleLines.restore();
  await Promise.all([deployments.close(), ecs.close(), cvm.close(), hwEcs.close()]);
});

/** One request; the result with how long it took. */
async function request(d: Deployment, handler: BundleHandler, sub: string, deadlineMs = 10_000, withoutCredentials = false) {
  const token = await d.idp.mint({ sub });
  d.beforeInvoke?.(withoutCredentials);
  const started = Date.now();
  const response = withJson(await handler(d.event(bearer(token)), d.context(deadlineMs, withoutCredentials)));
  return { ...response, elapsedMs: Date.now() - started };
}

const deployment = (name: CloudName) => deployments.byName(name);

describe.each(CLOUDS)('%s: the JWKS fails on a cold instance', (name) => {
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

describe.each(CLOUDS)('%s: STS (IAM on Huawei) fails', (name) => {
  let handler: BundleHandler;
  beforeAll(() => {
    handler = deployment(name).start();
  });

  it('throttling → 503 with Retry-After after one attempt: throttling is not retried', async () => {
    const d = deployment(name);
    inject(d, d.faults.throttling, true);
    // Throttling pauses the instance's STS calls: an instance of its own, so the cases below are not paused.
    const res = await request(d, d.start(), 'sts-throttle');
    expect(res.statusCode).toBe(503);
    expect(res.json).toMatchObject({ error: 'temporarily_unavailable' });
    expect(res.headers['Retry-After']).toBe('1');
    expect(d.upstream.requestCount()).toBe(1);
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
    const res = await request(d, d.start({ ...d.env, [d.endpointVariable]: 'http://127.0.0.1:1' }), 'sts-down', 3000);
    expect(res.statusCode).toBe(503);
    expect(res.elapsedMs).toBeLessThan(3000);
  });
});

describe.each(CLOUDS)('%s: the instance metadata service hangs', (name) => {
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
