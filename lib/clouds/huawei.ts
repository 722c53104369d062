/**
 * Huawei Cloud: OBS keys from IAM `securitytokens` (default) or STS `AssumeAgency` (when an agency URN
 * is configured), on the credentials of the FunctionGraph function's agency.
 *
 * @module
 */
import * as z from 'zod/mini';
import { optionalServiceEndpoint } from '../config/endpoint.js';
import { type Env, loadAll, present, readEnv } from '../config/env.js';
import { envCredentialSource } from '../credentials/chain.js';
import { type HuaweiEcsMetadataOptions, huaweiEcsMetadataSource, loadHuaweiEcsMetadataOptions } from '../credentials/huawei/ecs-metadata.js';
import { refreshBeforeExpiry } from '../credentials/refresh-before-expiry.js';
import type { CredentialSource } from '../credentials/types.js';
import { ConfigError } from '../errors.js';
import { buildObsPolicy, maxObsPrefixLength } from '../policy/huawei/obs-policy.js';
import { assumeAgency } from '../sts/huawei/assume-agency.js';
import { createSecurityToken } from '../sts/huawei/security-token.js';
import { obsSigner } from '../sign/huawei/obs-signer.js';
import type { CloudPlugin } from './types.js';

export interface HuaweiConfig {
  readonly iamEndpoint: URL;
  /** Set: issue through STS AssumeAgency on this agency. Unset: through IAM securitytokens. */
  readonly agencyUrn: string | undefined;
  readonly stsEndpoint: URL;
  readonly ecsMetadata: HuaweiEcsMetadataOptions;
}

// iam::<account id>:agency:<agency name>
const AGENCY_URN = /^iam::[A-Za-z0-9]{1,64}:agency:[A-Za-z0-9_.+=,@-]{1,64}$/;
/** STS refuses a longer session when the caller signs with temporary keys, which FunctionGraph's are. */
const ASSUME_AGENCY_MAX_SECONDS = 3600;
/** securitytokens issues for 15 minutes to 24 hours. */
const SECURITY_TOKEN_MAX_SECONDS = 86_400;

/**
 * The agency's credentials, as FunctionGraph hands them to the invocation. An empty context means the
 * function has no agency, the usual setup mistake, so the log says exactly that.
 */
const functionGraphAgency: CredentialSource = {
  name: 'functiongraph-agency',
  whenEmpty: 'no agency token: configure an agency for the function (context.getToken() is empty)',
  resolve: async (invocation) => invocation.platformCredentials,
};

const readHuaweiEnv = (env: Env) =>
  readEnv(env, {
    HUAWEI_IAM_ENDPOINT: optionalServiceEndpoint(),
    HUAWEI_AGENCY_URN: z.optional(z.string().check(z.regex(AGENCY_URN, 'must look like iam::<account-id>:agency:<agency-name>'))),
    HUAWEI_STS_ENDPOINT: optionalServiceEndpoint(),
  });

export const huawei: CloudPlugin<HuaweiConfig> = {
  id: 'huawei',
  // Without an agency URN the keys are the function's own agency's (IAM securitytokens), which the
  // configuration does not name: deployments sharing Redis then need their own REDIS_KEY_PREFIX.
  issuer: (config) => config.agencyUrn ?? 'function agency',
  // AssumeAgency's lower cap is checked in loadConfig for users' keys, and by maxSessionSeconds for the signing role's.
  maxDurationSeconds: SECURITY_TOKEN_MAX_SECONDS,
  maxSessionSeconds: (config) => (config.agencyUrn ? ASSUME_AGENCY_MAX_SECONDS : SECURITY_TOKEN_MAX_SECONDS),
  signer: obsSigner,
  // OBS condition keys for PutObject are acl, copysource and metadata-directive only: no size or type
  // (OBS bucket-policy conditions, obs_03_0120, which IAM policies share per obs_03_0155).
  uploadLimitsInPolicy: false,
  // Neither IAM's policy grammar nor OBS's resource documentation says resources match case-sensitively
  // (5.0 says its actions do not), so "Alice" and "alice" could reach each other's prefixes. Values are
  // never lower-cased, which would merge two users; a value with upper case is refused instead.
  claimValueProblem: (value) => (/[A-Z]/.test(value) ? 'has upper-case letters, which Huawei IAM may not tell apart from lower case in a policy; use lower-case values on Huawei' : undefined),
  maxPrefixLength: (grant) => maxObsPrefixLength(grant.bucket),

  loadConfig(env, grant) {
    // The cross-variable rules are checked even when a variable fails to parse, so one cold start
    // reports every problem.
    const problems: { variable: string; message: string }[] = [];
    const withAgency = present(env, 'HUAWEI_AGENCY_URN') !== undefined;
    if (withAgency && grant.durationSeconds > ASSUME_AGENCY_MAX_SECONDS) {
      problems.push({ variable: 'TOKEN_DURATION_SECONDS', message: `must be at most ${ASSUME_AGENCY_MAX_SECONDS} when HUAWEI_AGENCY_URN is set` });
    }
    if (!withAgency && present(env, 'HUAWEI_STS_ENDPOINT') !== undefined) {
      problems.push({ variable: 'HUAWEI_STS_ENDPOINT', message: 'has no effect without HUAWEI_AGENCY_URN' });
    }
    const { vars, ecsMetadata } = loadAll({
      vars: () => readHuaweiEnv(env),
      ecsMetadata: () => loadHuaweiEcsMetadataOptions(env),
      rules: () => {
        if (problems.length > 0) throw new ConfigError(problems);
      },
    });
    return {
      iamEndpoint: vars.HUAWEI_IAM_ENDPOINT ?? new URL('https://iam.myhuaweicloud.com/'),
      agencyUrn: vars.HUAWEI_AGENCY_URN,
      stsEndpoint: vars.HUAWEI_STS_ENDPOINT ?? new URL(`https://sts.${grant.region}.myhuaweicloud.com/`),
      ecsMetadata,
    };
  },

  // Off FunctionGraph (an ECS with an agency attached), the instance metadata service comes last;
  // without a token from the platform, IAM is then called with an AK/SK signature.
  credentialSources: (config) => [
    functionGraphAgency,
    envCredentialSource('sdk-environment', 'HUAWEICLOUD_SDK_AK', 'HUAWEICLOUD_SDK_SK', 'HUAWEICLOUD_SDK_SECURITY_TOKEN'),
    refreshBeforeExpiry(huaweiEcsMetadataSource(config.ecsMetadata)),
  ],

  sessionPolicy: (scope, config) => buildObsPolicy(scope, config.agencyUrn ? '5.0' : '1.1'),

  issue: ({ config, scope, policy, sessionName, credentials, timeoutMs }) =>
    config.agencyUrn
      ? assumeAgency({
          endpoint: config.stsEndpoint,
          agencyUrn: config.agencyUrn,
          sessionName,
          policy,
          durationSeconds: scope.durationSeconds,
          credentials,
          timeoutMs,
        })
      : createSecurityToken({ endpoint: config.iamEndpoint, policy, durationSeconds: scope.durationSeconds, credentials, timeoutMs }),
};
