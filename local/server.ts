/**
 * `npm start`: the local token service. A real HTTP server that feeds FC3-shaped invocations into the
 * built `dist/aliyun/index.js`, exactly as Function Compute would.
 *
 * With no cloud keys in the environment it runs a complete, clearly labelled emulated setup: a
 * development identity provider (JWKS + `/dev/token?sub=…`) and an Aliyun STS emulator that checks
 * request signatures independently of the signer under test. With `ALIBABA_CLOUD_ACCESS_KEY_ID`,
 * `ALIBABA_CLOUD_ACCESS_KEY_SECRET` and `ALIYUN_ROLE_ARN` set, the same server calls the real STS.
 *
 * @module
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { startAliyunStsEmulator } from '../emulators/aliyun-sts.js';
import { createIdentityProvider, type IdentityProvider } from '../emulators/identity-provider.js';
import { type Fc3Credentials, fc3Context, fc3Event } from './platforms/aliyun.js';

type Fc3Handler = (event: Buffer, context: unknown) => Promise<{ statusCode: number; headers?: Record<string, string>; body?: string; isBase64Encoded?: boolean }>;

const MAX_BODY_BYTES = 1024 * 1024;

export interface LocalTokenService {
  readonly url: string;
  readonly mode: 'emulated' | 'real';
  /** What to print for a person: the mode, the routes and a ready-to-paste curl. */
  readonly banner: string;
  close(): Promise<void>;
}

/** Starts the service. It configures the function through `process.env`, as the platform does. */
export async function startLocalTokenService(port: number, host = '127.0.0.1'): Promise<LocalTokenService> {
  const env = process.env;
  const real = Boolean(env.ALIBABA_CLOUD_ACCESS_KEY_ID && env.ALIBABA_CLOUD_ACCESS_KEY_SECRET && env.ALIYUN_ROLE_ARN);
  const usesDevLogin = !env.JWT_JWKS_URL && !env.JWT_PUBLIC_KEY && !env.JWT_SECRET;

  let route: (req: IncomingMessage, res: ServerResponse, body: Buffer) => Promise<void> = async (_req, res) => {
    res.writeHead(503).end();
  };
  const server = createServer((req, res) => {
    readBody(req).then(
      (body) => (body ? route(req, res, body) : sendJson(res, 413, { error: 'invalid_request', error_description: 'body too large' })),
      () => res.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const origin = `http://${host}:${(server.address() as AddressInfo).port}`;

  let idp: IdentityProvider | undefined;
  if (usesDevLogin) {
    idp = await createIdentityProvider({ issuer: `${origin}/dev`, audience: 'stsgate-local' });
    env.JWT_JWKS_URL = `${origin}${idp.jwksPath}`;
    env.JWT_ISSUER = idp.issuer;
    env.JWT_AUDIENCE = idp.audience;
  }

  let roleCredentials: Fc3Credentials | undefined;
  let stsEmulator: Awaited<ReturnType<typeof startAliyunStsEmulator>> | undefined;
  if (!real) {
    // The function's own role, as FC would hand it over in context.credentials.
    roleCredentials = {
      accessKeyId: `STS.LocalFunctionRole${randomBytes(6).toString('hex')}`,
      accessKeySecret: randomBytes(24).toString('base64url'),
      securityToken: `CAIS${randomBytes(48).toString('base64url')}`,
    };
    stsEmulator = await startAliyunStsEmulator({
      callers: { [roleCredentials.accessKeyId]: { accessKeySecret: roleCredentials.accessKeySecret, securityToken: roleCredentials.securityToken } },
      maxSessionDuration: 43_200,
    });
    env.ALIYUN_STS_ENDPOINT = stsEmulator.url;
    env.ALIYUN_ROLE_ARN ??= 'acs:ram::1234567890123456:role/stsgate-local';
    env.TOKEN_BUCKET ??= 'stsgate-local';
    env.TOKEN_REGION ??= 'cn-hangzhou';
    env.TOKEN_ACTIONS ??= 'get,put,list';
    env.CORS_ALLOWED_ORIGINS ??= '*';
  }

  const require = createRequire(import.meta.url);
  const aliyun = require('../dist/aliyun/index.js') as { handler: Fc3Handler };
  const region = env.TOKEN_REGION ?? 'cn-hangzhou';

  route = async (req, res, body) => {
    const path = new URL(req.url ?? '/', origin).pathname;
    if (idp?.handle(req, res)) return;
    if (path === '/aliyun') {
      const requestId = randomUUID();
      const result = await aliyun.handler(fc3Event(req, body, requestId), fc3Context(requestId, region, roleCredentials));
      res.writeHead(result.statusCode, result.headers ?? {});
      res.end(result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : (result.body ?? ''));
      return;
    }
    if (path === '/' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(banner(origin, real, idp !== undefined, stsEmulator?.url));
      return;
    }
    sendJson(res, 404, { error: 'not_found', error_description: 'try POST /aliyun' });
  };

  return {
    url: origin,
    mode: real ? 'real' : 'emulated',
    banner: banner(origin, real, idp !== undefined, stsEmulator?.url),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stsEmulator?.close();
    },
  };
}

function banner(origin: string, real: boolean, devLogin: boolean, stsUrl: string | undefined): string {
  const token = devLogin ? `$(curl -s '${origin}/dev/token?sub=alice')` : '<your app JWT>';
  return [
    real
      ? 'stsgate local token service: REAL Aliyun STS (keys issued here are real)'
      : 'stsgate local token service: EMULATED cloud (development only; no real keys are issued)',
    `  function    POST ${origin}/aliyun      dist/aliyun/index.js, fed FC3 HTTP events`,
    devLogin ? `  dev login   GET  ${origin}/dev/token?sub=alice   development JWTs from a local JWKS` : '  login       JWT_* from the environment',
    stsUrl ? `  Aliyun STS  emulator on ${stsUrl} (checks ACS3-HMAC-SHA256 signatures)` : '  Aliyun STS  ALIYUN_STS_ENDPOINT or the regional endpoint',
    '',
    'Get a token:',
    `  curl -s -X POST ${origin}/aliyun -H "Authorization: Bearer ${token}"`,
    '',
  ].join('\n');
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

// Run as a program (npm start), not when imported by a test.
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const port = Number(process.env.PORT ?? 8787);
  const service = await startLocalTokenService(port, process.env.HOST ?? '127.0.0.1');
  console.log(service.banner);
  console.log(`listening on ${service.url}`);
  const stop = () => void service.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
