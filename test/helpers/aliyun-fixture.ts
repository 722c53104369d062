/**
 * An Aliyun deployment on loopback: a development identity provider, the STS emulator that checks
 * V3 signatures independently of our signer, role credentials as FC hands them over, and helpers
 * that build FC3 HTTP events in the documented shape.
 */
import { randomBytes } from 'node:crypto';
import { type AliyunStsEmulator, startAliyunStsEmulator } from '../../emulators/aliyun-sts.js';
import { startIdentityProvider } from '../../emulators/identity-provider.js';
import { secretGuard } from './secret-guard.js';

export type AliyunFixture = Awaited<ReturnType<typeof startAliyunFixture>>;

export async function startAliyunFixture() {
  const idp = await startIdentityProvider('stsgate-test');
  const role = {
    accessKeyId: `STS.FunctionRole${randomBytes(6).toString('hex')}`,
    accessKeySecret: randomBytes(24).toString('base64url'),
    securityToken: `CAIS${randomBytes(40).toString('base64url')}`,
  };
  const sts: AliyunStsEmulator = await startAliyunStsEmulator({
    callers: { [role.accessKeyId]: { accessKeySecret: role.accessKeySecret, securityToken: role.securityToken } },
    maxSessionDuration: 3600,
  });
  secretGuard.never(() => [role.accessKeySecret, role.securityToken]);
  secretGuard.issued(() => sts.calls.flatMap((c) => [c.issued.accessKeySecret, c.issued.securityToken]));
  const env: Record<string, string> = {
    JWT_JWKS_URL: idp.jwksUrl,
    JWT_ISSUER: idp.issuer,
    JWT_AUDIENCE: idp.audience,
    TOKEN_BUCKET: 'media-bucket',
    TOKEN_REGION: 'cn-hangzhou',
    TOKEN_ACTIONS: 'get,put,list',
    TOKEN_DURATION_SECONDS: '1800',
    CORS_ALLOWED_ORIGINS: 'https://app.example.com',
    ALIYUN_ROLE_ARN: 'acs:ram::1234567890123456:role/oss-upload',
    ALIYUN_STS_ENDPOINT: sts.url,
    // Tests never probe the real metadata address; the chain tests point it at a local fake instead.
    ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true',
  };
  return {
    idp,
    sts,
    role,
    env,
    /** FC3 passes the role's keys in context.credentials. */
    context: (overrides: Record<string, unknown> = {}) => ({
      requestId: `req-${randomBytes(4).toString('hex')}`,
      credentials: { ...role },
      function: { name: 'stsgate', timeout: 10 },
      region: 'cn-hangzhou',
      ...overrides,
    }),
    /** Every secret this deployment knows of, for leak checks (issued keys are added by the tests). */
    secrets: () => [role.accessKeySecret, role.securityToken, ...sts.calls.flatMap((c) => [c.issued.accessKeySecret, c.issued.securityToken])],
    close: async () => {
      await sts.close();
      await idp.close();
    },
  };
}

export interface Fc3EventInit {
  method?: string;
  /** The request path, default `/` (`/uploads` and `/downloads` take the signing routes). */
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  base64?: boolean;
}

/** An FC3 HTTP-trigger event as the runtime delivers it: a Buffer of JSON. */
export function fc3Event(init: Fc3EventInit = {}): Buffer {
  const body = init.body ?? '';
  return Buffer.from(
    JSON.stringify({
      version: 'v1',
      rawPath: init.path ?? '/',
      body: init.base64 ? Buffer.from(body).toString('base64') : body,
      isBase64Encoded: init.base64 ?? false,
      headers: init.headers ?? {},
      queryParameters: {},
      requestContext: {
        accountId: '1234567890123456',
        domainName: 'abc.cn-hangzhou.fcapp.run',
        domainPrefix: 'abc',
        http: { method: init.method ?? 'POST', path: init.path ?? '/', protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'test' },
        requestId: 'req-1',
        time: '2026-11-22T06:00:00Z',
        timeEpoch: String(Date.now()),
      },
    }),
  );
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
