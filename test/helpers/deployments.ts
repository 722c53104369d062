/**
 * The three clouds' built bundles behind one shape, for suites that run the same cases on each: each
 * deployment knows its fixture (identity provider, STS or IAM emulator), its platform's event and
 * context, the faults its emulator speaks, and how to cold-start a fresh instance of its bundle.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type AliyunFixture, fc3Event, startAliyunFixture } from './aliyun-fixture.js';
import { type BundleHandler, captureConsole, coldStart } from './bundle-harness.js';
import { apigEvent, type HuaweiFixture, startHuaweiFixture } from './huawei-fixture.js';
import { expectNoSecrets } from './log-capture.js';
import { functionUrlEvent, startTencentFixture, type TencentFixture } from './tencent-fixture.js';

export const CLOUDS = ['aliyun', 'tencent', 'huawei'] as const;
export type CloudName = (typeof CLOUDS)[number];

const dist = (name: CloudName) => new URL(`../../dist/${name}/index.js`, import.meta.url);

/** What a suite needs of one cloud's deployment, whatever its platform's shapes. */
export interface Deployment {
  readonly name: CloudName;
  readonly env: Record<string, string>;
  readonly idp: AliyunFixture['idp'];
  /** STS, or IAM on Huawei's default path. */
  readonly upstream: { injectFault(fault: never, opts?: { persistent?: boolean }): void; clearFaults(): void; requestCount(): number; reset(): void };
  /** The emulator's own error faults: throttling, a 5xx, a success missing fields. */
  readonly faults: { throttling: object; serverError: object; missingFields: object };
  /** The variable naming the upstream endpoint. */
  readonly endpointVariable: string;
  /** A fresh instance of the bundle (a cold start), with this environment. */
  start(env?: Record<string, string>): BundleHandler;
  event(headers: Record<string, string>, init?: { method?: string; body?: string }): unknown;
  /**
   * An invocation with `deadlineMs` to live; `withoutCredentials`: the platform hands over none; `requestId`:
   * the platform's id for it (default: a random one, as the platforms give).
   */
  context(deadlineMs?: number, withoutCredentials?: boolean, requestId?: string): unknown;
  /** Points the instance's metadata source at a given server and takes every other source away. */
  metadataOnly(url: string): Record<string, string>;
  /** SCF hands the role's keys over in the environment of each invocation, not in the context. */
  beforeInvoke?(withoutCredentials: boolean): void;
}

const SCF_KEYS = ['TENCENTCLOUD_SECRETID', 'TENCENTCLOUD_SECRETKEY', 'TENCENTCLOUD_SESSIONTOKEN'];

/** Fault shapes differ per emulator; each deployment hands its own. */
export const inject = (d: Deployment, fault: object, persistent = false) => d.upstream.injectFault(fault as never, { persistent });

export async function startDeployments() {
  const [aliyun, tencent, huawei] = await Promise.all([startAliyunFixture(), startTencentFixture(), startHuaweiFixture()]);
  const withoutKey = (env: Record<string, string>, ...names: string[]) => Object.fromEntries(Object.entries(env).filter(([k]) => !names.includes(k)));
  const all: Deployment[] = [
    {
      name: 'aliyun',
      env: aliyun.env,
      idp: aliyun.idp,
      upstream: aliyun.sts,
      faults: {
        throttling: { kind: 'error', status: 400, code: 'Throttling.Api' },
        serverError: { kind: 'error', status: 500, code: 'InternalError' },
        missingFields: { kind: 'raw', status: 200, body: '{"RequestId":"r","Credentials":{"AccessKeyId":"STS.x"}}' },
      },
      endpointVariable: 'ALIYUN_STS_ENDPOINT',
      start: (env = aliyun.env) => coldStart(dist('aliyun'), 'handler', env),
      event: (headers, init = {}) => fc3Event({ headers, ...init }),
      context: (deadlineMs = 10_000, withoutCredentials = false, requestId) =>
        aliyun.context({
          function: { name: 'stsgate', timeout: deadlineMs / 1000 },
          ...(withoutCredentials ? { credentials: undefined } : {}),
          ...(requestId === undefined ? {} : { requestId }),
        }),
      metadataOnly: (url) => ({ ...withoutKey(aliyun.env, 'ALIBABA_CLOUD_ECS_METADATA_DISABLED'), ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT: url }),
    },
    {
      name: 'tencent',
      env: tencent.env,
      idp: tencent.idp,
      upstream: tencent.sts,
      faults: {
        throttling: { kind: 'error', code: 'RequestLimitExceeded' },
        serverError: { kind: 'raw', status: 500, body: 'internal error' },
        missingFields: { kind: 'raw', status: 200, body: '{"Response":{"RequestId":"r","ExpiredTime":1900000000}}' },
      },
      endpointVariable: 'TENCENT_STS_ENDPOINT',
      start: (env = tencent.env) => coldStart(dist('tencent'), 'main_handler', env),
      event: (headers, init = {}) => functionUrlEvent({ headers, ...init }),
      context: (deadlineMs = 10_000, _withoutCredentials, requestId) =>
        tencent.context({ time_limit_in_ms: deadlineMs, ...(requestId === undefined ? {} : { request_id: requestId }) }),
      metadataOnly: (url) => ({ ...withoutKey(tencent.env, 'TENCENTCLOUD_CVM_ROLE_DISABLED', ...SCF_KEYS), TENCENTCLOUD_METADATA_ENDPOINT: url }),
      beforeInvoke: (withoutCredentials) => {
        for (const name of SCF_KEYS) {
          if (withoutCredentials) delete process.env[name];
          else process.env[name] = tencent.env[name];
        }
      },
    },
    {
      name: 'huawei',
      env: huawei.env,
      idp: huawei.idp,
      upstream: huawei.iam,
      faults: {
        throttling: { kind: 'error', status: 429, code: 'APIGW.0308' },
        serverError: { kind: 'error', status: 500, code: 'IAM.0006' },
        missingFields: { kind: 'raw', status: 201, body: '{"credential":{"access":"A","expires_at":"2030-01-01T00:00:00.000000Z"}}' },
      },
      endpointVariable: 'HUAWEI_IAM_ENDPOINT',
      start: (env = huawei.env) => coldStart(dist('huawei'), 'handler', env),
      event: (headers, init = {}) => apigEvent({ headers, ...init }),
      context: (deadlineMs = 10_000, withoutCredentials = false, requestId) => {
        const started = Date.now();
        const base = withoutCredentials ? huawei.contextWithoutAgency() : huawei.context();
        return {
          ...base,
          getRemainingTimeInMilliSeconds: () => deadlineMs - (Date.now() - started),
          ...(requestId === undefined ? {} : { getRequestID: () => requestId }),
        };
      },
      metadataOnly: (url) => ({ ...withoutKey(huawei.env, 'HUAWEICLOUD_ECS_METADATA_DISABLED'), HUAWEICLOUD_ECS_METADATA_ENDPOINT: url }),
    },
  ];
  return {
    aliyun,
    tencent,
    huawei,
    all,
    byName: (name: CloudName) => all.find((d) => d.name === name) as Deployment,
    /** Every secret the deployments know of, for leak checks. */
    secrets: () => [...aliyun.secrets(), ...tencent.secrets(), ...huawei.secrets()],
    close: async () => {
      for (const name of SCF_KEYS) delete process.env[name];
      await Promise.all([aliyun.close(), tencent.close(), huawei.close()]);
    },
  };
}

export type Deployments = Awaited<ReturnType<typeof startDeployments>>;

/**
 * The deployments for one test file: started before its tests, with the bundles' console captured; after each
 * test the emulators are reset and every line logged so far is checked for secrets.
 */
export function deploymentsForSuite() {
  let deployments: Deployments;
  let consoleLines: ReturnType<typeof captureConsole>;
  beforeAll(async () => {
    deployments = await startDeployments();
    consoleLines = captureConsole();
  });
  afterEach(() => {
    for (const d of deployments.all) d.upstream.reset();
    expectNoSecrets(consoleLines.lines, deployments.secrets());
  });
  afterAll(async () => {
    consoleLines.restore();
    await deployments.close();
  });
  return { deployments: () => deployments, lines: () => consoleLines.lines };
}
