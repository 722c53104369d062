/**
 * `npm start`: the local token service. A real HTTP server that feeds platform-shaped invocations into
 * the built bundles, exactly as each platform would: FC3 events into `dist/aliyun/index.js` at
 * `/aliyun`, SCF Function URL events into `dist/tencent/index.js` at `/tencent`, FunctionGraph APIG
 * events into `dist/huawei/index.js` at `/huawei`.
 *
 * With no cloud keys in the environment it runs a complete, clearly labelled emulated setup: a
 * development identity provider (JWKS + `/dev/token?sub=…`) and STS emulators that check request
 * signatures independently of the signers under test. A cloud whose keys are set (see docs/local.md) is
 * called for real instead.
 *
 * Beside it, on a port of its own (another origin, so the browser runs real CORS preflights), the demo
 * page `examples/web/`: it logs in, asks all three functions for keys through the browser client and
 * shows them masked (see `local/demo-site.ts`).
 *
 * Each bundle reads its configuration at cold start, so each is loaded with its own environment, made
 * from the one the service was started with plus that cloud's local defaults.
 *
 * @module
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { startAliyunStsEmulator } from '../emulators/aliyun-sts.js';
import { createIdentityProvider, type IdentityProvider } from '../emulators/identity-provider.js';
import { startHuaweiIamEmulator } from '../emulators/huawei-iam.js';
import { startHuaweiStsEmulator } from '../emulators/huawei-sts.js';
import { startTencentStsEmulator } from '../emulators/tencent-sts.js';
import { type Fc3Credentials, fc3Context, fc3Event } from './platforms/aliyun.js';
import { type AgencyCredentials, apigEvent, functionGraphContext } from './platforms/huawei.js';
import { scfContext, scfFunctionUrlEvent } from './platforms/tencent.js';
import { startDemoSite } from './demo-site.js';
import { createPreflightLog, type PreflightRecord } from './preflight-log.js';

type Env = Record<string, string | undefined>;
interface PlatformResponse {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
}
type Invoke = (req: IncomingMessage, body: Buffer) => Promise<PlatformResponse>;

/** One platform function as the local service runs it. */
interface LocalFunction {
  readonly provider: 'aliyun' | 'tencent' | 'huawei';
  readonly route: string;
  readonly real: boolean;
  readonly banner: string;
  readonly invoke: Invoke;
  /** Requests its STS or IAM emulators have received; undefined when the cloud is called for real. */
  readonly emulatorRequests: () => number | undefined;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;
const require = createRequire(import.meta.url);

export interface LocalTokenService {
  readonly url: string;
  /** The demo page's origin (`examples/web/`), another port than {@link url}. */
  readonly demoUrl: string;
  /** What to print for a person: the mode of each cloud, the routes and a ready-to-paste curl. */
  readonly banner: string;
  /**
   * Read-only, for the load test (`npm run test:load`): how many requests each cloud's STS emulator (for
   * Huawei, its IAM and STS emulators together) has received so far, every attempt counted, refused or not.
   * `undefined` for a cloud called for real, where nothing local sees the calls.
   */
  stsRequestCount(): Readonly<Record<'aliyun' | 'tencent' | 'huawei', number | undefined>>;
  /** The CORS preflights the functions have answered, oldest first (the last 100): proof a browser ran them. */
  preflights(): readonly PreflightRecord[];
  close(): Promise<void>;
}

export interface LocalTokenServiceOptions {
  /** The demo page's port; default the service's port + 1 (8788 beside 8787), or any free one when `port` is 0. */
  demoPort?: number;
}

/** Loads a bundle with exactly this environment, as a platform starts a fresh function instance. */
function loadBundle<T>(path: string, env: Env): T {
  const saved = { ...process.env };
  for (const key of Object.keys(process.env)) delete process.env[key];
  Object.assign(process.env, env);
  try {
    return require(path) as T;
  } finally {
    for (const key of Object.keys(process.env)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

/**
 * Whether a cloud is called for real: named in `STSGATE_REAL` (`aliyun,tencent,huawei` or `all`), or
 * configured the way only a real deployment would be. Real functions get no emulated credentials, so
 * their credential chain runs as off the platform: environment, credentials URI, instance metadata.
 */
function isReal(base: Env, cloud: string, configured: boolean): boolean {
  const named = (base.STSGATE_REAL ?? '').split(',').map((item) => item.trim().toLowerCase());
  return configured || named.includes(cloud) || named.includes('all');
}

async function aliyunFunction(base: Env): Promise<LocalFunction> {
  // The target role exists only in a real account; with it set, keys come from the credential chain.
  const real = isReal(base, 'aliyun', Boolean(base.ALIYUN_ROLE_ARN));
  const env: Env = { ...base };
  let role: Fc3Credentials | undefined;
  let sts: Awaited<ReturnType<typeof startAliyunStsEmulator>> | undefined;
  if (!real) {
    // The function's own role, as FC hands it over in context.credentials.
    role = {
      accessKeyId: `STS.LocalFunctionRole${randomBytes(6).toString('hex')}`,
      accessKeySecret: randomBytes(24).toString('base64url'),
      securityToken: `CAIS${randomBytes(48).toString('base64url')}`,
    };
    sts = await startAliyunStsEmulator({
      callers: { [role.accessKeyId]: { accessKeySecret: role.accessKeySecret, securityToken: role.securityToken } },
      maxSessionDuration: 43_200,
    });
    Object.assign(env, { ALIYUN_STS_ENDPOINT: sts.url, ALIYUN_ROLE_ARN: base.ALIYUN_ROLE_ARN ?? 'acs:ram::1234567890123456:role/stsgate-local' });
    env.TOKEN_BUCKET ??= 'stsgate-local';
    env.TOKEN_REGION ??= 'cn-hangzhou';
  }
  const { handler } = loadBundle<{ handler: (event: Buffer, context: unknown) => Promise<PlatformResponse> }>('../dist/aliyun/index.js', env);
  return {
    provider: 'aliyun',
    route: '/aliyun',
    real,
    banner: real ? 'Aliyun STS: REAL (keys from the credential chain; keys issued are real)' : `Aliyun STS: emulator on ${sts?.url} (checks ACS3-HMAC-SHA256)`,
    invoke: (req, body) => {
      const requestId = randomUUID();
      return handler(fc3Event(req, body, requestId), fc3Context(requestId, env.TOKEN_REGION ?? 'cn-hangzhou', role));
    },
    emulatorRequests: () => sts?.requestCount(),
    close: async () => sts?.close(),
  };
}

async function tencentFunction(base: Env): Promise<LocalFunction> {
  const real = isReal(base, 'tencent', Boolean(base.TENCENT_ROLE_ARN));
  const env: Env = { ...base };
  let sts: Awaited<ReturnType<typeof startTencentStsEmulator>> | undefined;
  if (!real) {
    // SCF puts the execution role's temporary keys in these variables.
    const role = { secretId: `AKIDLocalScfRole${randomBytes(8).toString('hex')}`, secretKey: randomBytes(24).toString('base64url'), token: randomBytes(48).toString('base64url') };
    sts = await startTencentStsEmulator({ callers: { [role.secretId]: { secretKey: role.secretKey, token: role.token } }, maxSessionDuration: 43_200 });
    Object.assign(env, {
      TENCENTCLOUD_SECRETID: role.secretId,
      TENCENTCLOUD_SECRETKEY: role.secretKey,
      TENCENTCLOUD_SESSIONTOKEN: role.token,
      TENCENT_STS_ENDPOINT: sts.url,
      TENCENT_ROLE_ARN: base.TENCENT_ROLE_ARN ?? 'qcs::cam::uin/100000000001:roleName/stsgate-local',
    });
    // A bucket set for another cloud would lack COS's -<appid> suffix; the emulated one always has it.
    env.TOKEN_BUCKET = base.TOKEN_BUCKET && /-\d{5,}$/.test(base.TOKEN_BUCKET) ? base.TOKEN_BUCKET : 'stsgate-local-1250000000';
    env.TOKEN_REGION = base.TOKEN_REGION?.startsWith('ap-') ? base.TOKEN_REGION : 'ap-guangzhou';
  }
  const { main_handler } = loadBundle<{ main_handler: (event: unknown, context: unknown) => Promise<PlatformResponse> }>('../dist/tencent/index.js', env);
  // SCF reads the role's keys from its environment on every invocation; keep the emulated role's there.
  if (!real) {
    for (const name of ['TENCENTCLOUD_SECRETID', 'TENCENTCLOUD_SECRETKEY', 'TENCENTCLOUD_SESSIONTOKEN']) process.env[name] = env[name];
  }
  const invoke: Invoke = (req, body) => main_handler(scfFunctionUrlEvent(req, body), scfContext(randomUUID()));
  return {
    provider: 'tencent',
    route: '/tencent',
    real,
    banner: real ? 'Tencent STS: REAL (keys from the credential chain; keys issued are real)' : `Tencent STS: emulator on ${sts?.url} (checks TC3-HMAC-SHA256)`,
    invoke,
    emulatorRequests: () => sts?.requestCount(),
    close: async () => sts?.close(),
  };
}

async function huaweiFunction(base: Env): Promise<LocalFunction> {
  // Off FunctionGraph there is no agency token; AK/SK from the SDK's variables or an ECS agency (through
  // the metadata service) sign the IAM call instead.
  const real = isReal(base, 'huawei', Boolean(base.HUAWEICLOUD_SDK_AK));
  const env: Env = { ...base };
  let agency: AgencyCredentials | undefined;
  let iam: Awaited<ReturnType<typeof startHuaweiIamEmulator>> | undefined;
  let sts: Awaited<ReturnType<typeof startHuaweiStsEmulator>> | undefined;
  if (!real) {
    // What FunctionGraph hands a function with an agency: an IAM token and temporary keys.
    agency = {
      token: `MIIT${randomBytes(48).toString('base64url')}`,
      accessKeyId: `HSTLOCAL${randomBytes(8).toString('hex').toUpperCase()}`,
      secretKey: randomBytes(30).toString('base64url'),
      securityToken: randomBytes(64).toString('base64url'),
    };
    const callers = { [agency.accessKeyId]: { secretKey: agency.secretKey, securityToken: agency.securityToken } };
    iam = await startHuaweiIamEmulator({ tokens: [agency.token], callers });
    env.HUAWEI_IAM_ENDPOINT = iam.url;
    if (base.HUAWEI_AGENCY_URN) {
      sts = await startHuaweiStsEmulator({ callers, agencies: { [base.HUAWEI_AGENCY_URN]: { maxSessionDuration: 3600 } } });
      env.HUAWEI_STS_ENDPOINT = sts.url;
    }
    env.TOKEN_BUCKET ??= 'stsgate-local';
    // Huawei region ids end in a number (cn-north-4); another cloud's default would not name one.
    env.TOKEN_REGION = base.TOKEN_REGION && /^[a-z]{2}-[a-z]+-\d+$/.test(base.TOKEN_REGION) ? base.TOKEN_REGION : 'cn-north-4';
  }
  const { handler } = loadBundle<{ handler: (event: unknown, context: unknown) => Promise<PlatformResponse> }>('../dist/huawei/index.js', env);
  return {
    provider: 'huawei',
    route: '/huawei',
    real,
    banner: real
      ? 'Huawei IAM: REAL (keys from the credential chain; keys issued are real)'
      : sts
        ? `Huawei STS: emulator on ${sts.url} (AssumeAgency; checks SDK-HMAC-SHA256)`
        : `Huawei IAM: emulator on ${iam?.url} (securitytokens; checks the agency token)`,
    invoke: (req, body) => {
      const requestId = randomUUID();
      return handler(apigEvent(req, body, requestId), functionGraphContext(requestId, agency));
    },
    emulatorRequests: () => (iam ? iam.requestCount() + (sts?.requestCount() ?? 0) : undefined),
    close: async () => {
      await sts?.close();
      await iam?.close();
    },
  };
}

/** Starts the service on `port` (0 for any free one), and the demo page beside it. */
export async function startLocalTokenService(port: number, host = '127.0.0.1', options: LocalTokenServiceOptions = {}): Promise<LocalTokenService> {
  const original: Env = { ...process.env };
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

  const base: Env = { ...original };
  let idp: IdentityProvider | undefined;
  if (!original.JWT_JWKS_URL && !original.JWT_PUBLIC_KEY && !original.JWT_SECRET) {
    idp = await createIdentityProvider({ issuer: `${origin}/dev`, audience: 'stsgate-local' });
    Object.assign(base, { JWT_JWKS_URL: `${origin}${idp.jwksPath}`, JWT_ISSUER: idp.issuer, JWT_AUDIENCE: idp.audience });
  }
  base.TOKEN_ACTIONS ??= 'get,put,list';
  base.CORS_ALLOWED_ORIGINS ??= '*';

  const [aliyun, tencent, huawei] = [await aliyunFunction(base), await tencentFunction(base), await huaweiFunction(base)];
  const functions = [aliyun, tencent, huawei];
  const preflights = createPreflightLog();

  route = async (req, res, body) => {
    const path = new URL(req.url ?? '/', origin).pathname;
    if (idp?.handle(req, res)) return;
    const fn = functions.find((f) => f.route === path);
    if (fn) {
      const result = await fn.invoke(req, body);
      if (req.method === 'OPTIONS') preflights.record(fn.route, req, result.statusCode, result.headers ?? {});
      res.writeHead(result.statusCode, result.headers ?? {});
      res.end(result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : (result.body ?? ''));
      return;
    }
    if (path === '/' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
      return;
    }
    sendJson(res, 404, { error: 'not_found', error_description: `try POST ${functions.map((f) => f.route).join(' or ')}` });
  };

  const demoPort = options.demoPort ?? (port === 0 ? 0 : port + 1);
  const demo = await startDemoSite(demoPort, host, {
    tokenService: origin,
    devTokenPath: idp?.tokenPath,
    functions: functions.map((f) => ({ provider: f.provider, path: f.route })),
  }).catch(async (error: unknown) => {
    // Nothing may keep listening when start fails (a test's port, or a port in use by another program).
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    for (const fn of functions) await fn.close();
    throw new Error(`demo page: cannot listen on ${host}:${demoPort} (set DEMO_PORT to another port)`, { cause: error });
  });

  const anyReal = functions.some((f) => f.real);
  const token = idp ? `$(curl -s '${origin}/dev/token?sub=alice')` : '<your app JWT>';
  const text = [
    anyReal
      ? 'stsgate local token service: REAL cloud for some functions (keys issued there are real)'
      : 'stsgate local token service: EMULATED cloud (development only; no real keys are issued)',
    ...functions.map((f) => `  POST ${origin}${f.route}`.padEnd(44) + f.banner),
    idp ? `  dev login: GET ${origin}/dev/token?sub=alice   development JWTs from a local JWKS` : '  login: JWT_* from the environment',
    `  demo page: ${demo.url}/`.padEnd(44) + (idp ? 'keys from all three functions in a browser, through CORS' : 'needs the development login (unset JWT_*)'),
    '',
    'Get a token:',
    `  curl -s -X POST ${origin}/aliyun -H "Authorization: Bearer ${token}"`,
    '',
  ].join('\n');

  return {
    url: origin,
    demoUrl: demo.url,
    banner: text,
    stsRequestCount: () => ({ aliyun: aliyun.emulatorRequests(), tencent: tencent.emulatorRequests(), huawei: huawei.emulatorRequests() }),
    preflights: () => preflights.entries(),
    close: async () => {
      await demo.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const fn of functions) await fn.close();
    },
  };
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
  const demoPort = process.env.DEMO_PORT ? Number(process.env.DEMO_PORT) : undefined;
  const service = await startLocalTokenService(Number(process.env.PORT ?? 8787), process.env.HOST ?? '127.0.0.1', { demoPort });
  console.log(service.banner);
  console.log(`listening on ${service.url}`);
  const stop = () => void service.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
