/**
 * A Huawei deployment on loopback: a development identity provider, the IAM `securitytokens` emulator
 * (checking the agency token, or an SDK-HMAC-SHA256 signature), the STS `AssumeAgency` emulator
 * (checking SDK-HMAC-SHA256 independently of our signer), a FunctionGraph context that hands over an
 * agency's token and temporary keys the way the platform does, and APIG event builders.
 */
import { randomBytes } from 'node:crypto';
import { type HuaweiIamEmulator, startHuaweiIamEmulator } from '../../emulators/huawei-iam.js';
import { type HuaweiStsEmulator, startHuaweiStsEmulator } from '../../emulators/huawei-sts.js';
import { startIdentityProvider } from '../../emulators/identity-provider.js';
import { secretGuard } from './secret-guard.js';

export type HuaweiFixture = Awaited<ReturnType<typeof startHuaweiFixture>>;

export const AGENCY_URN = 'iam::0123456789abcdef0123456789abcdef:agency:stsgate-obs';

export async function startHuaweiFixture() {
  const idp = await startIdentityProvider('stsgate-test');
  // What FunctionGraph's context returns for a function with an agency.
  const agency = {
    token: `MIIT${randomBytes(48).toString('base64url')}`,
    accessKeyId: `HST${randomBytes(8).toString('hex').toUpperCase()}`,
    secretKey: randomBytes(30).toString('base64url'),
    securityToken: `gQpjbi1ub3J0aC00${randomBytes(48).toString('base64url')}`,
  };
  const callers = { [agency.accessKeyId]: { secretKey: agency.secretKey, securityToken: agency.securityToken } };
  const iam: HuaweiIamEmulator = await startHuaweiIamEmulator({ tokens: [agency.token], callers });
  const sts: HuaweiStsEmulator = await startHuaweiStsEmulator({ callers, agencies: { [AGENCY_URN]: { maxSessionDuration: 3600 } } });
  secretGuard.never(() => [agency.token, agency.secretKey, agency.securityToken]);
  secretGuard.issued(() => [...iam.calls.flatMap((c) => [c.issued.secret, c.issued.securitytoken]), ...sts.calls.flatMap((c) => [c.issued.secretAccessKey, c.issued.securityToken])]);
  const env: Record<string, string> = {
    JWT_JWKS_URL: idp.jwksUrl,
    JWT_ISSUER: idp.issuer,
    JWT_AUDIENCE: idp.audience,
    TOKEN_BUCKET: 'media-bucket',
    TOKEN_REGION: 'cn-north-4',
    TOKEN_ACTIONS: 'get,put,list',
    TOKEN_DURATION_SECONDS: '1800',
    CORS_ALLOWED_ORIGINS: 'https://app.example.com',
    HUAWEI_IAM_ENDPOINT: iam.url,
    // Tests never probe the real metadata address; the chain tests point it at a local fake instead.
    HUAWEICLOUD_ECS_METADATA_DISABLED: 'true',
  };
  /** The optional path: STS AssumeAgency on a trust agency. */
  const agencyEnv = { ...env, HUAWEI_AGENCY_URN: AGENCY_URN, HUAWEI_STS_ENDPOINT: sts.url };

  const getters = (values: { token: string; accessKeyId: string; secretKey: string; securityToken: string }, overrides: Record<string, unknown>) => ({
    getRequestID: () => `req-${randomBytes(4).toString('hex')}`,
    getRemainingTimeInMilliSeconds: () => 10_000,
    getRunningTimeInSeconds: () => 10,
    getToken: () => values.token,
    getSecurityAccessKey: () => values.accessKeyId,
    getSecuritySecretKey: () => values.secretKey,
    getSecurityToken: () => values.securityToken,
    getUserData: () => '',
    ...overrides,
  });

  return {
    idp,
    iam,
    sts,
    agency,
    env,
    agencyEnv,
    /** The context of a function with an agency. */
    context: (overrides: Record<string, unknown> = {}) => getters(agency, overrides),
    /** The context of a function without one: every getter returns an empty string. */
    contextWithoutAgency: () => getters({ token: '', accessKeyId: '', secretKey: '', securityToken: '' }, {}),
    secrets: () => [
      agency.token,
      agency.secretKey,
      agency.securityToken,
      ...iam.calls.flatMap((c) => [c.issued.secret, c.issued.securitytoken]),
      ...sts.calls.flatMap((c) => [c.issued.secretAccessKey, c.issued.securityToken]),
    ],
    close: async () => {
      await sts.close();
      await iam.close();
      await idp.close();
    },
  };
}

export interface ApigEventInit {
  method?: string;
  /** The request path, default `/stsgate` (`…/uploads` and `…/downloads` take the signing routes). */
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  /** APIG's default is true: the body arrives base64-encoded. */
  base64?: boolean;
}

/** The APIG trigger event, in the documented template's shape. */
export const apigEvent = (init: ApigEventInit = {}) => {
  const base64 = init.base64 ?? true;
  return {
    body: base64 ? Buffer.from(init.body ?? '').toString('base64') : (init.body ?? ''),
    requestContext: { apiId: 'bc1dcffd-aa35-474d-897c-d53425a4c08e', requestId: '11cdcdcf33949dc6d722640a13091c77', stage: 'RELEASE', sourceIp: '203.0.113.9' },
    queryStringParameters: {},
    httpMethod: init.method ?? 'POST',
    pathParameters: {},
    headers: {
      accept: 'application/json',
      'content-type': 'application/json',
      host: '50eedf92-c9ad-4ac0-827e-d7c11415d4f1.apigw.cn-north-4.huaweicloud.com',
      'x-forwarded-proto': 'https',
      'x-real-ip': '203.0.113.9',
      ...Object.fromEntries(Object.entries(init.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
    },
    path: init.path ?? '/stsgate',
    isBase64Encoded: base64,
  };
};
