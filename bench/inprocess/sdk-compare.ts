/**
 * The official SDKs' warm path against stsgate's own client, on the same emulator with the same policy:
 * a client built once (as a warm function instance would keep it), then one STS call per sample, the
 * request object built inside the measurement on both sides.
 *
 * - Aliyun: `@alicloud/sts20150401` `assumeRole` vs stsgate `assumeRole`.
 * - Tencent: `tencentcloud-sdk-nodejs-sts` `AssumeRole` vs stsgate `assumeRoleTencent`. The SDK derives
 *   its signing service from the endpoint's first label and signs the host without the port, so it keeps
 *   its production endpoint and a keep-alive agent dials the emulator (as the emulator's own SDK test
 *   does); Host header and signature are then exactly production's.
 * - Huawei: `@huaweicloud/huaweicloud-sdk-iam` `createTemporaryAccessKeyByToken`, which can only sign
 *   with AK/SK (the SDKs do not send X-Auth-Token), vs stsgate `createSecurityToken` on the same AK/SK
 *   path. stsgate's default (agency token) path is the Huawei miss in the warm table.
 *
 * Connections are kept alive on both sides: stsgate's client has a keep-alive agent, the Aliyun SDK's
 * runtime keeps alive by default, the Tencent agent is created with keepAlive, the Huawei SDK's axios
 * uses Node's global agent (keep-alive since Node 19).
 *
 * The SDKs are CommonJS; the surface used is typed here by hand (their .d.ts pull in types that do not
 * compile in this project, as the signature tests note).
 *
 * @module
 */
import { Agent } from 'node:http';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { assumeRole } from '../../lib/sts/aliyun/assume-role.js';
import { createSecurityToken } from '../../lib/sts/huawei/security-token.js';
import { assumeRoleTencent } from '../../lib/sts/tencent/assume-role.js';
import type { CloudId, Deployment } from '../deployments.js';
import type { Sampler } from '../interleave.js';

interface AliyunSdk {
  default: new (config: unknown) => { assumeRole(request: unknown): Promise<{ body?: { credentials?: { accessKeyId?: string } } }> };
  AssumeRoleRequest: new (fields: object) => unknown;
}
interface AliyunOpenApi {
  $OpenApiUtil: { Config: new (fields: object) => unknown };
}
interface TencentSdk {
  sts: {
    v20180813: {
      Client: new (config: object) => { AssumeRole(request: object): Promise<{ Credentials?: { TmpSecretId?: string } }> };
    };
  };
}
interface HuaweiCore {
  GlobalCredentials: new () => HuaweiCredentials;
}
interface HuaweiCredentials {
  withAk(ak: string): HuaweiCredentials;
  withSk(sk: string): HuaweiCredentials;
  withSecurityToken(token: string): HuaweiCredentials;
  withDomainId(id: string): HuaweiCredentials;
}
interface HuaweiIam {
  IamClient: { newBuilder(): { withCredential(c: HuaweiCredentials): { withEndpoint(url: string): { build(): HuaweiIamClient } } } };
  CreateTemporaryAccessKeyByTokenRequest: new () => { withBody(body: object): unknown };
}
interface HuaweiIamClient {
  createTemporaryAccessKeyByToken(request: unknown): Promise<{ credential?: { access?: string } }>;
}

const require = createRequire(import.meta.url);
const TIMEOUT_MS = 5000;
/** The SDK's GlobalCredentials would otherwise ask IAM for the account id before the first call. */
const DOMAIN_ID = '0123456789abcdef0123456789abcdef';

export interface SdkPair {
  readonly sdk: Sampler;
  readonly stsgate: Sampler;
  readonly sdkCall: string;
  readonly stsgateCall: string;
}

function timedCall<T>(id: string, call: () => Promise<T>, accepted: (result: T) => boolean, counts: { warmup: number; iterations: number }): Sampler {
  return {
    id,
    ...counts,
    async sample() {
      const started = performance.now();
      const result = await call();
      const ms = performance.now() - started;
      if (!accepted(result)) throw new Error(`${id}: the call returned no credentials`);
      return ms;
    },
  };
}

export function sdkPair(d: Deployment, counts: { warmup: number; iterations: number }): SdkPair {
  const plan = d.plan('sdk-compare-user');
  const endpoint = new URL(d.upstreamUrl);
  const creds = d.roleCredentials;
  const id = (side: string) => `sdk:${d.cloud}:${side}`;
  switch (d.cloud satisfies CloudId) {
    case 'aliyun': {
      const Sts = require('@alicloud/sts20150401') as AliyunSdk;
      const OpenApi = require('@alicloud/openapi-core') as AliyunOpenApi;
      const client = new Sts.default(new OpenApi.$OpenApiUtil.Config({ ...creds, endpoint: endpoint.host, protocol: 'http', regionId: 'cn-hangzhou' }));
      const fields = { roleArn: plan.roleArn, roleSessionName: plan.sessionName, durationSeconds: plan.durationSeconds, policy: plan.policy };
      return {
        sdkCall: '@alicloud/sts20150401 Client.assumeRole',
        stsgateCall: 'assumeRole (lib/sts/aliyun)',
        sdk: timedCall(id('sdk'), () => client.assumeRole(new Sts.AssumeRoleRequest(fields)), (r) => !!r.body?.credentials?.accessKeyId, counts),
        stsgate: timedCall(
          id('stsgate'),
          () => assumeRole({ endpoint, roleArn: plan.roleArn ?? '', sessionName: plan.sessionName, policy: plan.policy, durationSeconds: plan.durationSeconds, credentials: creds, timeoutMs: TIMEOUT_MS }),
          (r) => !!r.accessKeyId,
          counts,
        ),
      };
    }
    case 'tencent': {
      const Sdk = require('tencentcloud-sdk-nodejs-sts') as TencentSdk;
      const agent = new Agent({ keepAlive: true });
      Object.assign(agent, { createConnection: () => connect(Number(endpoint.port), endpoint.hostname) });
      const client = new Sdk.sts.v20180813.Client({
        credential: { secretId: creds.accessKeyId, secretKey: creds.accessKeySecret, token: creds.securityToken },
        region: plan.region,
        profile: { httpProfile: { endpoint: 'sts.tencentcloudapi.com', protocol: 'http://', agent, reqTimeout: TIMEOUT_MS / 1000 } },
      });
      return {
        sdkCall: 'tencentcloud-sdk-nodejs-sts Client.AssumeRole',
        stsgateCall: 'assumeRoleTencent (lib/sts/tencent)',
        sdk: timedCall(
          id('sdk'),
          () => client.AssumeRole({ RoleArn: plan.roleArn, RoleSessionName: plan.sessionName, DurationSeconds: plan.durationSeconds, Policy: encodeURIComponent(plan.policy) }),
          (r) => !!r.Credentials?.TmpSecretId,
          counts,
        ),
        stsgate: timedCall(
          id('stsgate'),
          () =>
            assumeRoleTencent({
              endpoint,
              region: plan.region ?? '',
              roleArn: plan.roleArn ?? '',
              sessionName: plan.sessionName,
              policy: plan.policy,
              durationSeconds: plan.durationSeconds,
              credentials: creds,
              timeoutMs: TIMEOUT_MS,
            }),
          (r) => !!r.accessKeyId,
          counts,
        ),
      };
    }
    case 'huawei': {
      const core = require('@huaweicloud/huaweicloud-sdk-core') as HuaweiCore;
      const iam = require('@huaweicloud/huaweicloud-sdk-iam/v3/public-api') as HuaweiIam;
      const credentials = new core.GlobalCredentials()
        .withAk(creds.accessKeyId)
        .withSk(creds.accessKeySecret)
        .withSecurityToken(creds.securityToken ?? '')
        .withDomainId(DOMAIN_ID);
      const client = iam.IamClient.newBuilder().withCredential(credentials).withEndpoint(d.upstreamUrl).build();
      const policy = JSON.parse(plan.policy) as object;
      // AK/SK on both sides: no authToken, so stsgate signs with SDK-HMAC-SHA256 as the SDK does.
      const signed = { accessKeyId: creds.accessKeyId, accessKeySecret: creds.accessKeySecret, securityToken: creds.securityToken };
      return {
        sdkCall: '@huaweicloud/huaweicloud-sdk-iam IamClient.createTemporaryAccessKeyByToken (AK/SK)',
        stsgateCall: 'createSecurityToken (lib/sts/huawei), AK/SK',
        sdk: timedCall(
          id('sdk'),
          () =>
            client.createTemporaryAccessKeyByToken(
              new iam.CreateTemporaryAccessKeyByTokenRequest().withBody({ auth: { identity: { methods: ['token'], token: { duration_seconds: plan.durationSeconds }, policy } } }),
            ),
          (r) => !!r.credential?.access,
          counts,
        ),
        stsgate: timedCall(
          id('stsgate'),
          () => createSecurityToken({ endpoint, policy: plan.policy, durationSeconds: plan.durationSeconds, credentials: signed, timeoutMs: TIMEOUT_MS }),
          (r) => !!r.accessKeyId,
          counts,
        ),
      };
    }
  }
}
