/**
 * Tencent Cloud: COS keys from STS AssumeRole, signed with the SCF execution role's temporary keys.
 *
 * @module
 */
import * as z from 'zod/mini';
import { optionalServiceEndpoint } from '../config/endpoint.js';
import { loadAll, readEnv, requiredString } from '../config/env.js';
import { envCredentialSource } from '../credentials/chain.js';
import { refreshBeforeExpiry } from '../credentials/refresh-before-expiry.js';
import { type CvmRoleOptions, cvmRoleSource, loadCvmRoleOptions } from '../credentials/tencent/cvm-role.js';
import { ConfigError } from '../errors.js';
import { buildCamPolicy } from '../policy/tencent/cam-policy.js';
import { assumeRoleTencent } from '../sts/tencent/assume-role.js';
import { cosSigner } from '../sign/tencent/cos-signer.js';
import type { CloudPlugin } from './types.js';

export interface TencentConfig {
  readonly roleArn: string;
  readonly stsEndpoint: URL;
  readonly stsRegion: string;
  readonly appId: string;
  readonly cvmRole: CvmRoleOptions;
}

// qcs::cam::uin/<uin>:roleName/<name> or qcs::cam::uin/<uin>:role/<role id>
const ROLE_ARN = /^qcs::cam::uin\/\d+:(roleName|role)\/[\w+=,.@-]{1,128}$/;
const APPID = /^\d{5,20}$/;
const REGION = /^[a-z]{2,4}-[a-z0-9-]{2,40}$/;

export const tencent: CloudPlugin<TencentConfig> = {
  id: 'tencent',
  issuer: (config) => config.roleArn,
  // AssumeRole's DurationSeconds maximum; the role's own session duration may be lower.
  maxDurationSeconds: 43_200,
  signer: cosSigner,
  // CAM evaluates cos:content-length and cos:content-type on uploads (cloud.tencent.com/document/product/436/71306).
  uploadLimitsInPolicy: true,

  loadConfig(env, grant) {
    const { vars, cvmRole } = loadAll({
      vars: () =>
        readEnv(env, {
          TENCENT_ROLE_ARN: requiredString().check(z.regex(ROLE_ARN, 'must look like qcs::cam::uin/<uin>:roleName/<role-name>')),
          TENCENT_STS_ENDPOINT: optionalServiceEndpoint(),
          TENCENT_STS_REGION: z.optional(z.string().check(z.regex(REGION, 'must be a region such as ap-guangzhou'))),
          TENCENT_APPID: z.optional(z.string().check(z.regex(APPID, 'must be the numeric APPID'))),
        }),
      cvmRole: () => loadCvmRoleOptions(env),
    });
    // COS bucket names end in -<appid>; the resource ARN needs the appid on its own.
    const suffix = /-(\d{5,20})$/.exec(grant.bucket)?.[1];
    const appId = vars.TENCENT_APPID ?? suffix;
    if (!appId) {
      throw new ConfigError([{ variable: 'TENCENT_APPID', message: 'is required when TOKEN_BUCKET does not end in -<appid>' }]);
    }
    if (suffix && vars.TENCENT_APPID && suffix !== vars.TENCENT_APPID) {
      throw new ConfigError([{ variable: 'TENCENT_APPID', message: 'does not match the -<appid> suffix of TOKEN_BUCKET' }]);
    }
    return {
      roleArn: vars.TENCENT_ROLE_ARN,
      stsEndpoint: vars.TENCENT_STS_ENDPOINT ?? new URL('https://sts.tencentcloudapi.com/'),
      stsRegion: vars.TENCENT_STS_REGION ?? grant.region,
      appId,
      cvmRole,
    };
  },

  // SCF injects the execution role's keys without underscores inside SECRETID/SECRETKEY, unlike the
  // SDK's own variables; both are read, SCF's first. Read per invocation: SCF may rotate them.
  // Off SCF (a CVM with a role attached), the instance metadata service is the last resort.
  credentialSources: (config) => [
    envCredentialSource('scf-environment', 'TENCENTCLOUD_SECRETID', 'TENCENTCLOUD_SECRETKEY', 'TENCENTCLOUD_SESSIONTOKEN'),
    envCredentialSource('sdk-environment', 'TENCENTCLOUD_SECRET_ID', 'TENCENTCLOUD_SECRET_KEY', 'TENCENTCLOUD_SESSION_TOKEN'),
    refreshBeforeExpiry(cvmRoleSource(config.cvmRole)),
  ],

  sessionPolicy: (scope, config) => buildCamPolicy(scope, config.appId),

  issue: ({ config, scope, policy, sessionName, credentials, timeoutMs }) =>
    assumeRoleTencent({
      endpoint: config.stsEndpoint,
      region: config.stsRegion,
      roleArn: config.roleArn,
      sessionName,
      policy,
      durationSeconds: scope.durationSeconds,
      credentials,
      timeoutMs,
    }),
};
