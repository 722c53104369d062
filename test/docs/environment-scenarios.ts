/**
 * The paths through each built bundle that read the environment, driven end to end against the local
 * emulators: the cold start (every configuration section is read there, whatever its values), and one
 * request per credential source that reads variables when it is asked (the platform's keys, then the
 * environment's). Each request must succeed, so a recording is known to have gone all the way to STS.
 *
 * A capability that reads variables only on a path of its own (a Redis cache only when `REDIS_URL` is
 * set, say) adds a scenario here that takes that path; the variables test says when one is missing.
 */
import { expect } from 'vitest';
import { bearer, fc3Event, startAliyunFixture } from '../helpers/aliyun-fixture.js';
import { type BundleHandler, withJson } from '../helpers/bundle-harness.js';
import { apigEvent, startHuaweiFixture } from '../helpers/huawei-fixture.js';
import { functionUrlEvent, startTencentFixture } from '../helpers/tencent-fixture.js';
import { type RecordingEnv, withRecordedEnvironment } from './environment-reads.js';

export type Cloud = 'aliyun' | 'tencent' | 'huawei';
export const CLOUDS: readonly Cloud[] = ['aliyun', 'tencent', 'huawei'];

export const bundleOf = (cloud: Cloud) => new URL(`../../dist/${cloud}/index.js`, import.meta.url);
const EXPORT: Record<Cloud, string> = { aliyun: 'handler', tencent: 'main_handler', huawei: 'handler' };

/** One cold start of a bundle and the requests that follow it. */
interface Scenario {
  readonly name: string;
  run(): Promise<RecordingEnv>;
}

/** A 200 with keys, or the recording stopped short of STS and proves nothing. */
async function expectKeys(response: Promise<{ statusCode: number; body: string }>, what: string) {
  const answer = withJson(await response);
  expect(answer.statusCode, `${what}: ${answer.body}`).toBe(200);
}

/**
 * Starts a cloud's fixture (identity provider and emulators), loads a fresh bundle instance with `env`
 * under a recording environment, runs the requests, and closes the fixture whatever happens.
 */
async function scenario<F extends { close(): Promise<void> }>(
  cloud: Cloud,
  start: () => Promise<F>,
  env: (fx: F) => Record<string, string>,
  requests: (fx: F, handler: BundleHandler, recording: RecordingEnv) => Promise<void>,
): Promise<RecordingEnv> {
  const fx = await start();
  try {
    return await withRecordedEnvironment(bundleOf(cloud), EXPORT[cloud], env(fx), (handler, recording) => requests(fx, handler, recording));
  } finally {
    await fx.close();
  }
}

/**
 * The cold start with REDIS_URL set, which loads `redis.js` and reads the other REDIS_* variables and
 * CACHE_ENCRYPTION_KEY. Nothing listens on the port: the request is served without Redis, as it must be.
 */
const WITH_REDIS = { REDIS_URL: 'redis://:unused@127.0.0.1:1/0', CACHE_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64') };

const aliyunScenarios: Scenario[] = [
  {
    name: 'aliyun: keys from context.credentials, then from the ALIBABA_CLOUD_* variables FC also sets',
    run: () =>
      scenario('aliyun', startAliyunFixture, (fx) => fx.env, async (fx, handler, env) => {
        const call = async (sub: string, context: unknown) => handler(fc3Event({ headers: bearer(await fx.idp.mint({ sub })) }), context);
        await expectKeys(call('env-context', fx.context()), 'context.credentials');
        env.set({
          ALIBABA_CLOUD_ACCESS_KEY_ID: fx.role.accessKeyId,
          ALIBABA_CLOUD_ACCESS_KEY_SECRET: fx.role.accessKeySecret,
          ALIBABA_CLOUD_SECURITY_TOKEN: fx.role.securityToken,
        });
        await expectKeys(call('env-variables', fx.context({ credentials: undefined })), 'ALIBABA_CLOUD_* variables');
      }),
  },
  {
    name: 'aliyun: shared state configured (REDIS_URL)',
    run: () =>
      scenario('aliyun', startAliyunFixture, (fx) => ({ ...fx.env, ...WITH_REDIS }), async (fx, handler) => {
        await expectKeys(handler(fc3Event({ headers: bearer(await fx.idp.mint({ sub: 'env-redis' })) }), fx.context()), 'with REDIS_URL');
      }),
  },
];

const tencentScenarios: Scenario[] = [
  {
    name: "tencent: keys from SCF's TENCENTCLOUD_SECRETID variables, then from the SDK's TENCENTCLOUD_SECRET_ID ones",
    run: () =>
      scenario('tencent', startTencentFixture, (fx) => fx.env, async (fx, handler, env) => {
        const call = async (sub: string) => handler(functionUrlEvent({ headers: bearer(await fx.idp.mint({ sub })) }), fx.context());
        await expectKeys(call('env-scf'), 'SCF variables');
        env.set({
          TENCENTCLOUD_SECRETID: undefined,
          TENCENTCLOUD_SECRETKEY: undefined,
          TENCENTCLOUD_SESSIONTOKEN: undefined,
          TENCENTCLOUD_SECRET_ID: fx.role.secretId,
          TENCENTCLOUD_SECRET_KEY: fx.role.secretKey,
          TENCENTCLOUD_SESSION_TOKEN: fx.role.token,
        });
        await expectKeys(call('env-sdk'), 'SDK variables');
      }),
  },
  {
    name: 'tencent: shared state configured (REDIS_URL)',
    run: () =>
      scenario('tencent', startTencentFixture, (fx) => ({ ...fx.env, ...WITH_REDIS }), async (fx, handler) => {
        await expectKeys(handler(functionUrlEvent({ headers: bearer(await fx.idp.mint({ sub: 'env-redis' })) }), fx.context()), 'with REDIS_URL');
      }),
  },
];

const huaweiScenarios: Scenario[] = [
  {
    name: "huawei: IAM securitytokens with the agency's token, then signed with the HUAWEICLOUD_SDK_* keys",
    run: () =>
      scenario('huawei', startHuaweiFixture, (fx) => fx.env, async (fx, handler, env) => {
        const call = async (sub: string, context: unknown) => handler(apigEvent({ headers: bearer(await fx.idp.mint({ sub })) }), context);
        await expectKeys(call('env-agency', fx.context()), 'agency token');
        env.set({
          HUAWEICLOUD_SDK_AK: fx.agency.accessKeyId,
          HUAWEICLOUD_SDK_SK: fx.agency.secretKey,
          HUAWEICLOUD_SDK_SECURITY_TOKEN: fx.agency.securityToken,
        });
        await expectKeys(call('env-sdk', fx.contextWithoutAgency()), 'HUAWEICLOUD_SDK_* variables');
      }),
  },
  {
    name: 'huawei: STS AssumeAgency (HUAWEI_AGENCY_URN set)',
    run: () =>
      scenario('huawei', startHuaweiFixture, (fx) => fx.agencyEnv, async (fx, handler) => {
        await expectKeys(handler(apigEvent({ headers: bearer(await fx.idp.mint({ sub: 'env-assume' })) }), fx.context()), 'AssumeAgency');
      }),
  },
  {
    name: 'huawei: shared state configured (REDIS_URL)',
    run: () =>
      scenario('huawei', startHuaweiFixture, (fx) => ({ ...fx.env, ...WITH_REDIS }), async (fx, handler) => {
        await expectKeys(handler(apigEvent({ headers: bearer(await fx.idp.mint({ sub: 'env-redis' })) }), fx.context()), 'with REDIS_URL');
      }),
  },
];

export const SCENARIOS: Record<Cloud, readonly Scenario[]> = { aliyun: aliyunScenarios, tencent: tencentScenarios, huawei: huaweiScenarios };

/** Every name a cloud's bundle read across all its scenarios, and whether any scenario enumerated the environment. */
export async function observedReads(cloud: Cloud): Promise<{ reads: Set<string>; enumerated: boolean }> {
  const reads = new Set<string>();
  let enumerated = false;
  for (const scenario of SCENARIOS[cloud]) {
    let recording: RecordingEnv;
    try {
      recording = await scenario.run();
    } catch (error) {
      throw new Error(`scenario "${scenario.name}" failed, so its recording cannot be trusted`, { cause: error });
    }
    for (const name of recording.reads) reads.add(name);
    enumerated ||= recording.enumerated;
  }
  return { reads, enumerated };
}

