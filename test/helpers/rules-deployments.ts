/**
 * The three built bundles, each against its STS emulator, started with whatever configuration a test gives:
 * four deployments (Huawei on both issuing paths), each able to issue keys and to show the policy STS received
 * for the keys it returned. For the access-rules tests, which start many configurations.
 */
import { afterAll, beforeAll } from 'vitest';
import { bearer, fc3Event, startAliyunFixture, type AliyunFixture } from './aliyun-fixture.js';
import { type BundleHandler, captureConsole, coldStart, type PlatformResponse, withJson } from './bundle-harness.js';
import { apigEvent, startHuaweiFixture, type HuaweiFixture } from './huawei-fixture.js';
import { aliyunStorage, huaweiStorage, type StorageModel, tencentStorage } from './storage-models.js';
import { functionUrlEvent, startTencentFixture, type TencentFixture } from './tencent-fixture.js';

export const BUNDLES = {
  aliyun: new URL('../../dist/aliyun/index.js', import.meta.url),
  tencent: new URL('../../dist/tencent/index.js', import.meta.url),
  huawei: new URL('../../dist/huawei/index.js', import.meta.url),
};

export interface Issued {
  readonly status: number;
  readonly json: Record<string, unknown> | undefined;
  /** The policy STS received for the returned keys (undefined for a refusal). */
  readonly policy: string | undefined;
  /** STS (or IAM) requests this call caused. */
  readonly stsCalls: number;
}

export interface Deployment {
  readonly label: string;
  readonly cloud: 'aliyun' | 'tencent' | 'huawei';
  readonly model: StorageModel;
  issue(claims: Record<string, unknown>, body?: unknown): Promise<Issued>;
}

export interface Deployments {
  /** One function instance per deployment, cold-started with the fixture's variables plus `env`. */
  start(env: Record<string, string>): Deployment[];
  close(): Promise<void>;
}

/** The fixtures set TOKEN_ACTIONS; a rules document must not meet it (two ways of giving rules is an error). */
const NO_SHORTHAND = { TOKEN_PREFIX: '', TOKEN_ACTIONS: '' };
const ROLE_VARIABLES = ['TENCENTCLOUD_SECRETID', 'TENCENTCLOUD_SECRETKEY', 'TENCENTCLOUD_SESSIONTOKEN'] as const;

export async function startDeployments(): Promise<Deployments> {
  const aliyun: AliyunFixture = await startAliyunFixture();
  const tencent: TencentFixture = await startTencentFixture();
  const huawei: HuaweiFixture = await startHuaweiFixture();
  // SCF hands the role's keys over in the environment on every invocation.
  for (const name of ROLE_VARIABLES) process.env[name] = tencent.env[name];

  const deployment = (
    label: string,
    cloud: Deployment['cloud'],
    model: StorageModel,
    handler: BundleHandler,
    mint: (claims: Record<string, unknown>) => Promise<string>,
    invoke: (handler: BundleHandler, token: string, body: string) => Promise<PlatformResponse>,
    requests: () => number,
    recorded: (json: Record<string, unknown>) => string | undefined,
  ): Deployment => ({
    label,
    cloud,
    model,
    async issue(claims, body) {
      const before = requests();
      const response = withJson(await invoke(handler, await mint(claims), body === undefined ? '' : JSON.stringify(body)));
      const json = response.json;
      return { status: response.statusCode, json, policy: response.statusCode === 200 && json ? recorded(json) : undefined, stsCalls: requests() - before };
    },
  });

  return {
    start(env) {
      const config = { ...NO_SHORTHAND, ...env };
      return [
        deployment(
          'aliyun',
          'aliyun',
          aliyunStorage(aliyun.env.TOKEN_BUCKET as string),
          coldStart(BUNDLES.aliyun, 'handler', { ...aliyun.env, ...config }),
          (c) => aliyun.idp.mint(c),
          (h, token, body) => h(fc3Event({ headers: bearer(token), body }), aliyun.context()),
          () => aliyun.sts.requestCount(),
          (json) => aliyun.sts.calls.find((c) => c.issued.accessKeyId === json.accessKeyId)?.policy,
        ),
        deployment(
          'tencent',
          'tencent',
          tencentStorage(tencent.env.TOKEN_BUCKET as string),
          coldStart(BUNDLES.tencent, 'main_handler', { ...tencent.env, ...config }),
          (c) => tencent.idp.mint(c),
          (h, token, body) => h(functionUrlEvent({ headers: bearer(token), body }), tencent.context()),
          () => tencent.sts.requestCount(),
          (json) => tencent.sts.calls.find((c) => c.issued.tmpSecretId === json.accessKeyId)?.policy,
        ),
        ...(
          [
            ['huawei securitytokens', huawei.env, '1.1'],
            ['huawei AssumeAgency', huawei.agencyEnv, '5.0'],
          ] as const
        ).map(([label, base, version]) =>
          deployment(
            label,
            'huawei',
            huaweiStorage(huawei.env.TOKEN_BUCKET as string, version),
            coldStart(BUNDLES.huawei, 'handler', { ...base, ...config }),
            (c) => huawei.idp.mint(c),
            (h, token, body) => h(apigEvent({ headers: bearer(token), body }), huawei.context()),
            () => huawei.iam.requestCount() + huawei.sts.requestCount(),
            (json) => {
              const iam = huawei.iam.calls.find((c) => c.issued.access === json.accessKeyId);
              if (iam) return iam.policyText ?? (iam.policy === undefined ? undefined : JSON.stringify(iam.policy));
              return huawei.sts.calls.find((c) => c.issued.accessKeyId === json.accessKeyId)?.policy;
            },
          ),
        ),
      ];
    },
    async close() {
      for (const name of ROLE_VARIABLES) delete process.env[name];
      await Promise.all([aliyun.close(), tencent.close(), huawei.close()]);
    },
  };
}

/**
 * For a test file: the deployments started before its tests and stopped after, with what the bundles write to the
 * console kept out of the output and available to the tests (a cold-start error is a log line).
 */
export function useDeployments(): { readonly deployments: Deployments; readonly lines: string[] } {
  let deployments: Deployments | undefined;
  let consoleLines: ReturnType<typeof captureConsole> | undefined;
  beforeAll(async () => {
    consoleLines = captureConsole();
    deployments = await startDeployments();
  });
  afterAll(async () => {
    consoleLines?.restore();
    await deployments?.close();
  });
  return {
    get deployments() {
      if (!deployments) throw new Error('the deployments start in beforeAll');
      return deployments;
    },
    get lines() {
      return consoleLines?.lines ?? [];
    },
  };
}
