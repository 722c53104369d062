/**
 * A Tencent deployment on loopback: a development identity provider, the STS emulator that checks
 * TC3 signatures independently of our signer, the SCF role's keys as SCF puts them in the environment,
 * and builders for both SCF HTTP event shapes.
 */
import { randomBytes } from 'node:crypto';
import { startIdentityProvider } from '../../emulators/identity-provider.js';
import { startTencentStsEmulator, type TencentStsEmulator } from '../../emulators/tencent-sts.js';
import { secretGuard } from './secret-guard.js';

export type TencentFixture = Awaited<ReturnType<typeof startTencentFixture>>;

export async function startTencentFixture() {
  const idp = await startIdentityProvider('stsgate-test');
  const role = {
    secretId: `AKIDScfRole${randomBytes(8).toString('hex')}`,
    secretKey: randomBytes(24).toString('base64url'),
    token: randomBytes(40).toString('base64url'),
  };
  const sts: TencentStsEmulator = await startTencentStsEmulator({
    callers: { [role.secretId]: { secretKey: role.secretKey, token: role.token } },
    maxSessionDuration: 7200,
  });
  secretGuard.never(() => [role.secretKey, role.token]);
  secretGuard.issued(() => sts.calls.flatMap((c) => [c.issued.tmpSecretKey, c.issued.token]));
  const env: Record<string, string> = {
    JWT_JWKS_URL: idp.jwksUrl,
    JWT_ISSUER: idp.issuer,
    JWT_AUDIENCE: idp.audience,
    TOKEN_BUCKET: 'media-1250000000',
    TOKEN_REGION: 'ap-guangzhou',
    TOKEN_ACTIONS: 'get,put,list',
    TOKEN_DURATION_SECONDS: '1800',
    CORS_ALLOWED_ORIGINS: 'https://app.example.com',
    TENCENT_ROLE_ARN: 'qcs::cam::uin/100000000001:roleName/stsgate-cos',
    TENCENT_STS_ENDPOINT: sts.url,
    // SCF's own spelling: no underscore inside SECRETID / SECRETKEY.
    TENCENTCLOUD_SECRETID: role.secretId,
    TENCENTCLOUD_SECRETKEY: role.secretKey,
    TENCENTCLOUD_SESSIONTOKEN: role.token,
    // Tests never probe the real metadata address; the chain tests point it at a local fake instead.
    TENCENTCLOUD_CVM_ROLE_DISABLED: 'true',
  };
  return {
    idp,
    sts,
    role,
    env,
    context: (overrides: Record<string, unknown> = {}) => ({ request_id: `req-${randomBytes(4).toString('hex')}`, time_limit_in_ms: 10_000, ...overrides }),
    secrets: () => [role.secretKey, role.token, ...sts.calls.flatMap((c) => [c.issued.tmpSecretKey, c.issued.token])],
    close: async () => {
      await sts.close();
      await idp.close();
    },
  };
}

export interface ScfEventInit {
  method?: string;
  /** The request path, default `/` (`/uploads` and `/downloads` take the signing routes). */
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** The Function URL event: no requestContext, no queryStringParameters, no isBase64Encoded. */
export const functionUrlEvent = (init: ScfEventInit = {}) => ({
  body: init.body ?? '',
  headers: { accept: '*/*', 'content-type': 'application/json', 'x-scf-remote-addr': '203.0.113.9', ...lower(init.headers) },
  httpMethod: init.method ?? 'POST',
  path: init.path ?? '/',
  queryString: {},
});

/** The API Gateway trigger event, with title-case headers as the older samples show. */
export const apiGatewayEvent = (init: ScfEventInit & { base64?: boolean } = {}) => ({
  requestContext: { serviceId: 'service-f94sy04v', path: '/', httpMethod: 'ANY', requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef', identity: {}, sourceIp: '10.0.2.14', stage: 'release' },
  headers: { Accept: 'application/json', Host: 'service-3ei3tii4-251000691.gz.apigw.tencentcs.com', ...init.headers },
  body: init.base64 ? Buffer.from(init.body ?? '').toString('base64') : (init.body ?? ''),
  isBase64Encoded: init.base64 ?? false,
  pathParameters: {},
  queryStringParameters: {},
  headerParameters: {},
  stageVariables: { stage: 'release' },
  path: init.path ?? '/',
  queryString: {},
  httpMethod: init.method ?? 'POST',
});

function lower(headers: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
