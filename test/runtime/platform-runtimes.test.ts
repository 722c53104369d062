/**
 * Each bundle under the Node version of its platform, loading and serving a request end to end:
 * Tencent SCF on Node 18.15 (whose WebCrypto global is behind a flag), Huawei FunctionGraph on Node
 * 20.15, Aliyun FC3 on Node 20.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AliyunFixture, fc3Event, startAliyunFixture } from '../helpers/aliyun-fixture.js';
import { bearer } from '../helpers/attack-cases.js';
import { apigEvent, type HuaweiFixture, startHuaweiFixture } from '../helpers/huawei-fixture.js';
import { functionUrlEvent, type TencentFixture, startTencentFixture } from '../helpers/tencent-fixture.js';
import { platformNode } from './platform-node.js';
import { runBundle } from './run-bundle.js';

const dist = (name: string) => new URL(`../../dist/${name}/index.js`, import.meta.url).pathname;

/**
 * Cold-start guards: Node's fetch (undici, about 20 ms to load) and its web streams (about 1 ms, which
 * middy imports for response streaming) must stay unloaded through a cold start and its requests; the
 * HTTP client is node:http and nothing else.
 */
function expectLeanBuiltins(builtinsLoaded: readonly string[]): void {
  expect(builtinsLoaded).toContain('http');
  expect(builtinsLoaded.filter((m) => /undici|^stream\/web$|^internal\/webstreams\/(readable|writable|transform)stream$/.test(m))).toEqual([]);
}

let tencentFx: TencentFixture;
let aliyunFx: AliyunFixture;
let huaweiFx: HuaweiFixture;

beforeAll(async () => {
  tencentFx = await startTencentFixture();
  aliyunFx = await startAliyunFixture();
  huaweiFx = await startHuaweiFixture();
}, 120_000);

afterAll(async () => {
  await tencentFx.close();
  await aliyunFx.close();
  await huaweiFx.close();
});

/** The values a FunctionGraph context with an agency returns, for the driver to turn back into getters. */
const agencyGetters = (fx: HuaweiFixture) => ({
  getRequestID: 'req-node2015',
  getRemainingTimeInMilliSeconds: 10_000,
  getToken: fx.agency.token,
  getSecurityAccessKey: fx.agency.accessKeyId,
  getSecuritySecretKey: fx.agency.secretKey,
  getSecurityToken: fx.agency.securityToken,
});

describe('platform runtimes', () => {
  it('Tencent bundle on Node 18.15 (SCF Nodejs18.15) issues keys and refuses a bad token', async () => {
    const run = await runBundle(platformNode('18.15.0'), dist('tencent'), 'main_handler', tencentFx.env, [
      { event: functionUrlEvent({ headers: bearer(await tencentFx.idp.mint({ sub: 'node18' })) }), context: tencentFx.context() },
      { event: functionUrlEvent({ headers: bearer('not.a.jwt') }), context: tencentFx.context() },
    ]);
    expect(run.node).toBe('v18.15.0');
    expect(run.results[0]?.statusCode).toBe(200);
    expect(JSON.parse(run.results[0]?.body ?? '{}')).toMatchObject({ provider: 'tencent', prefix: 'users/node18/' });
    expect(run.results[1]?.statusCode).toBe(401);
    expect(tencentFx.sts.calls.at(-1)?.roleSessionName).toBe('node18');
    expectLeanBuiltins(run.builtinsLoaded);
  }, 120_000);

  it('Aliyun bundle on Node 20 (FC3 nodejs20) issues keys from a Buffer event', async () => {
    const event = fc3Event({ headers: bearer(await aliyunFx.idp.mint({ sub: 'node20' })) });
    const run = await runBundle(process.execPath, dist('aliyun'), 'handler', aliyunFx.env, [{ base64Event: event.toString('base64'), context: aliyunFx.context() }]);
    expect(run.node.startsWith('v20.')).toBe(true);
    expect(run.results[0]?.statusCode).toBe(200);
    expect(JSON.parse(run.results[0]?.body ?? '{}')).toMatchObject({ provider: 'aliyun', prefix: 'users/node20/' });
    expectLeanBuiltins(run.builtinsLoaded);
  }, 60_000);

  it.each([
    ['IAM securitytokens', 'env', 'iam'],
    ['STS AssumeAgency', 'agencyEnv', 'sts'],
  ] as const)('Huawei bundle on Node 20.15 (FunctionGraph Node.js20.15) issues keys through %s from a base64 APIG event', async (_path, envName, service) => {
    const run = await runBundle(platformNode('20.15.0'), dist('huawei'), 'handler', huaweiFx[envName], [
      { event: apigEvent({ headers: bearer(await huaweiFx.idp.mint({ sub: 'node2015' })), body: '{"actions":["put"]}' }), getters: agencyGetters(huaweiFx) },
      { event: apigEvent({ headers: bearer('not.a.jwt') }), getters: agencyGetters(huaweiFx) },
    ]);
    expect(run.node).toBe('v20.15.0');
    expect(run.results[0]?.statusCode).toBe(200);
    expect(run.results[0]?.isBase64Encoded).toBe(false);
    expect(JSON.parse(run.results[0]?.body ?? '{}')).toMatchObject({ provider: 'huawei', prefix: 'users/node2015/', actions: ['put'] });
    expect(run.results[1]?.statusCode).toBe(401);
    expect(huaweiFx[service].requestCount()).toBeGreaterThan(0);
    expectLeanBuiltins(run.builtinsLoaded);
  }, 120_000);
});
