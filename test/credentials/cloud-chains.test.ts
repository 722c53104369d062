/**
 * Each cloud's credential chain as its plugin builds it from the environment: the order of the sources,
 * the rule that a source is skipped when it has nothing, the rule that no metadata address is probed
 * while an earlier source has keys, and the log that names every source tried when none has any.
 * Metadata services and the credentials URI are local fakes on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AliyunEcsMetadataEmulator, startAliyunEcsMetadataEmulator } from '../../emulators/metadata/aliyun-ecs-metadata.js';
import { type CredentialsUriEmulator, startCredentialsUriEmulator } from '../../emulators/metadata/credentials-uri.js';
import { type HuaweiEcsMetadataEmulator, startHuaweiEcsMetadataEmulator } from '../../emulators/metadata/huawei-ecs-metadata.js';
import { startTencentCvmMetadataEmulator, type TencentCvmMetadataEmulator } from '../../emulators/metadata/tencent-cvm-metadata.js';
import { aliyun } from '../../lib/clouds/aliyun.js';
import { huawei } from '../../lib/clouds/huawei.js';
import { tencent } from '../../lib/clouds/tencent.js';
import type { CloudPlugin } from '../../lib/clouds/types.js';
import { loadGrant } from '../../lib/config/grant.js';
import { credentialChain } from '../../lib/credentials/chain.js';
import type { RoleCredentials } from '../../lib/credentials/types.js';
import type { Invocation } from '../../lib/invocation.js';
import { captureLogs, expectNoSecrets } from '../helpers/log-capture.js';

let ecs: AliyunEcsMetadataEmulator;
let uri: CredentialsUriEmulator;
let cvm: TencentCvmMetadataEmulator;
let hwEcs: HuaweiEcsMetadataEmulator;

beforeAll(async () => {
  ecs = await startAliyunEcsMetadataEmulator({ mode: 'v2-required' });
  uri = await startCredentialsUriEmulator();
  cvm = await startTencentCvmMetadataEmulator();
  hwEcs = await startHuaweiEcsMetadataEmulator({ tokenMode: 'required' });
});

afterAll(async () => {
  for (const server of [ecs, uri, cvm, hwEcs]) await server.close();
});

/** The chain a function instance would build at cold start from `env`, and a way to run it. */
function chainFor<C>(cloud: CloudPlugin<C>, env: Record<string, string>) {
  const base = { TOKEN_BUCKET: 'media-1250000000', TOKEN_REGION: 'cn-north-4' };
  const config = cloud.loadConfig({ ...base, ...env }, loadGrant(base, { maxDurationSeconds: cloud.maxDurationSeconds }));
  const logger = captureLogs();
  const resolve = credentialChain(cloud.credentialSources(config), logger);
  return {
    logger,
    run: (invocationEnv: Record<string, string> = {}, platformCredentials?: RoleCredentials) => {
      const invocation: Invocation = { requestId: 'r', remainingMs: () => 10_000, env: { ...env, ...invocationEnv }, platformCredentials };
      return resolve(invocation);
    },
  };
}

const fixed = (id: string): RoleCredentials => ({ accessKeyId: id, accessKeySecret: `${id}-secret-value`, securityToken: `${id}-token-value` });
const counts = () => [ecs, uri, cvm, hwEcs].map((s) => s.requestCount());
const resetAll = () => [ecs, uri, cvm, hwEcs].forEach((s) => s.reset());

describe('Aliyun: invocation context → environment → credentials URI → ECS RAM role', () => {
  const ALIYUN = { ALIYUN_ROLE_ARN: 'acs:ram::1234567890123456:role/oss' };
  const everything = () => ({ ...ALIYUN, ALIBABA_CLOUD_CREDENTIALS_URI: uri.uri, ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT: ecs.url });
  const envKeys = { ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIenv', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'env-secret-value', ALIBABA_CLOUD_SECURITY_TOKEN: 'env-token-value' };

  it('takes the invocation context first, and probes nothing', async () => {
    resetAll();
    const { run } = chainFor(aliyun, everything());
    expect(await run(envKeys, fixed('STS.context'))).toMatchObject({ source: 'invocation-context', credentials: { accessKeyId: 'STS.context' } });
    expect(counts()).toEqual([0, 0, 0, 0]);
  });

  it('then the environment, still without probing the URI or the metadata service', async () => {
    resetAll();
    const { run } = chainFor(aliyun, everything());
    expect(await run(envKeys)).toMatchObject({ source: 'environment', credentials: { accessKeyId: 'LTAIenv' } });
    expect(counts()).toEqual([0, 0, 0, 0]);
  });

  it('then the credentials URI, before the metadata service', async () => {
    resetAll();
    const { run } = chainFor(aliyun, everything());
    expect(await run()).toMatchObject({ source: 'credentials-uri', credentials: { accessKeyId: uri.credentials.accessKeyId } });
    expect(ecs.requestCount()).toBe(0);
  });

  it('then the ECS RAM role through IMDSv2, and keeps it: a second request makes no metadata call', async () => {
    resetAll();
    const { run } = chainFor(aliyun, { ...ALIYUN, ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT: ecs.url });
    const first = await run();
    expect(first).toMatchObject({ source: 'ecs-ram-role', credentials: { accessKeyId: ecs.credentials.accessKeyId, securityToken: ecs.credentials.securityToken } });
    expect(first.credentials.expiresAt).toBeInstanceOf(Date);
    const calls = ecs.requestCount();
    expect(calls).toBe(3); // token, role list, role credentials
    await run();
    expect(ecs.requestCount()).toBe(calls);
  });

  it('with nothing anywhere: 500, and the log names every source and why, without a secret', async () => {
    const { run, logger } = chainFor(aliyun, { ...ALIYUN, ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true' });
    await expect(run()).rejects.toMatchObject({ status: 500, code: 'server_error' });
    expect(logger.lines.at(-1)?.fields.tried).toEqual([
      'invocation-context: nothing configured',
      'environment: nothing configured',
      'credentials-uri: ALIBABA_CLOUD_CREDENTIALS_URI is not set',
      'ecs-ram-role: disabled by ALIBABA_CLOUD_ECS_METADATA_DISABLED',
    ]);
  });

  it('a metadata service that fails is skipped with its reason, never its keys', async () => {
    const noRole = await startAliyunEcsMetadataEmulator({ roleName: null });
    try {
      const { run, logger } = chainFor(aliyun, { ...ALIYUN, ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT: noRole.url });
      await expect(run()).rejects.toMatchObject({ status: 500 });
      expect(logger.lines.at(-1)?.fields.tried).toContain('ecs-ram-role: no RAM role attached to the instance');
      expectNoSecrets(logger.lines.map((l) => l.text), [noRole.credentials.accessKeySecret, noRole.credentials.securityToken]);
    } finally {
      await noRole.close();
    }
  });

  it('misconfigured metadata variables fail at cold start, naming them', () => {
    expect(() => chainFor(aliyun, { ...ALIYUN, ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT: 'ftp://x', ALIBABA_CLOUD_CREDENTIALS_URI: 'http://example.com/creds' })).toThrow(
      /ALIBABA_CLOUD_CREDENTIALS_URI.*ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT|ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT.*ALIBABA_CLOUD_CREDENTIALS_URI/,
    );
  });
});

describe('Tencent: SCF environment → SDK environment → CVM role', () => {
  const TENCENT = { TENCENT_ROLE_ARN: 'qcs::cam::uin/100000000001:roleName/cos' };
  const withCvm = () => ({ ...TENCENT, TENCENTCLOUD_METADATA_ENDPOINT: cvm.url });

  it('prefers SCF’s variables, then the SDK’s, without probing the metadata service', async () => {
    resetAll();
    const { run } = chainFor(tencent, withCvm());
    const sdk = { TENCENTCLOUD_SECRET_ID: 'AKIDsdk', TENCENTCLOUD_SECRET_KEY: 'sdk-secret-value' };
    expect(await run({ ...sdk, TENCENTCLOUD_SECRETID: 'AKIDscf', TENCENTCLOUD_SECRETKEY: 'scf-secret-value' })).toMatchObject({ source: 'scf-environment' });
    expect(await run(sdk)).toMatchObject({ source: 'sdk-environment', credentials: { accessKeyId: 'AKIDsdk' } });
    expect(cvm.requestCount()).toBe(0);
  });

  it('then the CVM role, kept until near expiry', async () => {
    resetAll();
    const { run } = chainFor(tencent, withCvm());
    const resolved = await run();
    expect(resolved).toMatchObject({ source: 'cvm-role', credentials: { accessKeyId: cvm.current().tmpSecretId, securityToken: cvm.current().token } });
    const calls = cvm.requestCount();
    await run();
    expect(cvm.requestCount()).toBe(calls);
  });

  it('with nothing anywhere: 500 and every source named', async () => {
    const { run, logger } = chainFor(tencent, { ...TENCENT, TENCENTCLOUD_CVM_ROLE_DISABLED: 'true' });
    await expect(run()).rejects.toMatchObject({ status: 500 });
    expect(logger.lines.at(-1)?.fields.tried).toEqual([
      'scf-environment: nothing configured',
      'sdk-environment: nothing configured',
      'cvm-role: disabled by TENCENTCLOUD_CVM_ROLE_DISABLED',
    ]);
  });
});

describe('Huawei: FunctionGraph agency → SDK environment → ECS metadata', () => {
  const withEcs = () => ({ HUAWEICLOUD_ECS_METADATA_ENDPOINT: hwEcs.url });

  it('prefers the agency from the context, then the SDK’s variables, without probing the metadata service', async () => {
    resetAll();
    const { run } = chainFor(huawei, withEcs());
    const sdk = { HUAWEICLOUD_SDK_AK: 'HSTsdk', HUAWEICLOUD_SDK_SK: 'sdk-secret-value' };
    expect(await run(sdk, { ...fixed('HSTagency'), authToken: 'agency-iam-token' })).toMatchObject({ source: 'functiongraph-agency', credentials: { authToken: 'agency-iam-token' } });
    expect(await run(sdk)).toMatchObject({ source: 'sdk-environment', credentials: { accessKeyId: 'HSTsdk' } });
    expect(hwEcs.requestCount()).toBe(0);
  });

  it('then the ECS metadata service with its session token, kept until near expiry', async () => {
    resetAll();
    const { run } = chainFor(huawei, withEcs());
    const resolved = await run();
    expect(resolved).toMatchObject({ source: 'ecs-metadata', credentials: { accessKeyId: hwEcs.current().access, securityToken: hwEcs.current().securitytoken } });
    expect(resolved.credentials.authToken).toBeUndefined();
    const calls = hwEcs.requestCount();
    await run();
    expect(hwEcs.requestCount()).toBe(calls);
  });

  it('with nothing anywhere: 500, and the log says the function has no agency', async () => {
    const { run, logger } = chainFor(huawei, { HUAWEICLOUD_ECS_METADATA_DISABLED: 'true' });
    await expect(run()).rejects.toMatchObject({ status: 500 });
    expect(logger.lines.at(-1)?.fields.tried).toEqual([
      'functiongraph-agency: no agency token: configure an agency for the function (context.getToken() is empty)',
      'sdk-environment: nothing configured',
      'ecs-metadata: disabled by HUAWEICLOUD_ECS_METADATA_DISABLED',
    ]);
  });
});
