/**
 * Aliyun: OSS keys from STS AssumeRole, signed with the function role's credentials.
 *
 * @module
 */
import * as z from 'zod/mini';
import { optionalServiceEndpoint } from '../config/endpoint.js';
import { loadAll, readEnv, requiredString } from '../config/env.js';
import { type CredentialsUriOptions, credentialsUriSource, loadCredentialsUriOptions } from '../credentials/aliyun/credentials-uri.js';
import { type EcsRamRoleOptions, ecsRamRoleSource, loadEcsRamRoleOptions } from '../credentials/aliyun/ecs-ram-role.js';
import { envCredentialSource, invocationCredentialSource } from '../credentials/chain.js';
import { refreshBeforeExpiry } from '../credentials/refresh-before-expiry.js';
import { buildRamPolicy } from '../policy/aliyun/ram-policy.js';
import { assumeRole } from '../sts/aliyun/assume-role.js';
import { ossSigner } from '../sign/aliyun/oss-signer.js';
import type { CloudPlugin } from './types.js';

export interface AliyunConfig {
  readonly roleArn: string;
  readonly stsEndpoint: URL;
  readonly credentialsUri: CredentialsUriOptions | undefined;
  readonly ecsRamRole: EcsRamRoleOptions;
}

// RAM role names are 1-64 letters, digits, "." and "-".
const ROLE_ARN = /^acs:ram::\d+:role\/[A-Za-z0-9.-]{1,64}$/;

export const aliyun: CloudPlugin<AliyunConfig> = {
  id: 'aliyun',
  issuer: (config) => config.roleArn,
  // A role's MaxSessionDuration is at most 12 hours; STS refuses anything longer than the role allows.
  maxDurationSeconds: 43_200,
  signer: ossSigner,
  // RAM has no condition key on an upload's size or type ("OSS has no built-in setting to reject uploads by
  // file type or size": help.aliyun.com, how-do-i-limit-object-formats-and-sizes-when-i-upload-objects-to-oss).
  uploadLimitsInPolicy: false,

  loadConfig(env, grant) {
    const { vars, credentialsUri, ecsRamRole } = loadAll({
      vars: () =>
        readEnv(env, {
          ALIYUN_ROLE_ARN: requiredString().check(z.regex(ROLE_ARN, 'must look like acs:ram::<account-id>:role/<role-name>')),
          ALIYUN_STS_ENDPOINT: optionalServiceEndpoint(),
        }),
      credentialsUri: () => loadCredentialsUriOptions(env),
      ecsRamRole: () => loadEcsRamRoleOptions(env),
    });
    return {
      roleArn: vars.ALIYUN_ROLE_ARN,
      // The regional endpoint keeps the call in-region; all regions are functionally identical.
      stsEndpoint: vars.ALIYUN_STS_ENDPOINT ?? new URL(`https://sts.${grant.region}.aliyuncs.com/`),
      credentialsUri,
      ecsRamRole,
    };
  },

  // The order of @alicloud/credentials, led by what FC hands the invocation. The two sources that
  // fetch keep what they fetched until shortly before it expires.
  credentialSources: (config) => [
    invocationCredentialSource,
    envCredentialSource('environment', 'ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'ALIBABA_CLOUD_SECURITY_TOKEN'),
    refreshBeforeExpiry(credentialsUriSource(config.credentialsUri)),
    refreshBeforeExpiry(ecsRamRoleSource(config.ecsRamRole)),
  ],

  sessionPolicy: (scope) => buildRamPolicy(scope),

  issue: ({ config, scope, policy, sessionName, credentials, timeoutMs }) =>
    assumeRole({
      endpoint: config.stsEndpoint,
      roleArn: config.roleArn,
      sessionName,
      policy,
      durationSeconds: scope.durationSeconds,
      credentials,
      timeoutMs,
    }),
};
