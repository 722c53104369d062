/**
 * The three token functions as `npm start` runs them: each built bundle loaded cold with its own
 * environment, fed the invocations its platform would send (FC3 events under `/aliyun`, SCF Function URL
 * events under `/tencent`, FunctionGraph APIG events under `/huawei`; `…/uploads` and `…/downloads` are
 * the signing routes), and, unless the cloud is called for real, wired to STS emulators that check
 * request signatures independently of the signers under test, and to a storage stand-in that accepts the
 * keys those emulators issue and checks every signed upload and download (`local/storage.ts`).
 *
 * @module
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { startAliyunStsEmulator } from '../emulators/aliyun-sts.js';
import { startHuaweiIamEmulator } from '../emulators/huawei-iam.js';
import { startHuaweiStsEmulator } from '../emulators/huawei-sts.js';
import { startTencentStsEmulator } from '../emulators/tencent-sts.js';
import { loadBundle } from './bundle.js';
import { type LocalStorage, signForStandIn, startLocalStorage } from './storage.js';
import { type Fc3Credentials, fc3Context, fc3Event } from './platforms/aliyun.js';
import { type AgencyCredentials, apigEvent, functionGraphContext } from './platforms/huawei.js';
import { scfContext, scfFunctionUrlEvent } from './platforms/tencent.js';
import type { Cloud } from './real-mode.js';

export type Env = Record<string, string | undefined>;
export interface PlatformResponse {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
}
type Invoke = (req: IncomingMessage, body: Buffer) => Promise<PlatformResponse>;

/** One platform function as the local service runs it. */
export interface LocalFunction {
  readonly provider: Cloud;
  readonly route: string;
  readonly real: boolean;
  /** What stands behind it, for the banner: the emulator and what it checks, or REAL. */
  readonly banner: string;
  /**
   * What the bundle logged as errors at cold start (a broken configuration: it then answers every request
   * with 500). Messages name variables, never their values.
   */
  readonly coldStartErrors: readonly string[];
  readonly invoke: Invoke;
  /** Requests its STS or IAM emulators have received; undefined when the cloud is called for real. */
  readonly emulatorRequests: () => number | undefined;
  /** The bucket's stand-in, when the cloud is emulated (a real cloud signs for its real bucket). */
  readonly storage: LocalStorage | undefined;
  close(): Promise<void>;
}

async function aliyunFunction(base: Env, real: boolean): Promise<LocalFunction> {
  // Real: keys come from the credential chain, as off the platform (environment, credentials URI, metadata).
  const env: Env = { ...base };
  let role: Fc3Credentials | undefined;
  let sts: Awaited<ReturnType<typeof startAliyunStsEmulator>> | undefined;
  let storage: LocalStorage | undefined;
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
    storage = await startLocalStorage('aliyun', env.TOKEN_BUCKET, env.TOKEN_REGION, [sts]);
    signForStandIn(env, storage);
  }
  const bundle = loadBundle<{ handler: (event: Buffer, context: unknown) => Promise<PlatformResponse> }>('../dist/aliyun/index.js', env);
  const { handler } = bundle.exports;
  return {
    provider: 'aliyun',
    route: '/aliyun',
    real,
    coldStartErrors: bundle.coldStartErrors,
    banner: real ? 'Aliyun STS: REAL (keys from the credential chain; keys issued are real)' : `Aliyun STS: emulator on ${sts?.url} (checks ACS3-HMAC-SHA256)`,
    invoke: (req, body) => {
      const requestId = randomUUID();
      return handler(fc3Event(req, body, requestId), fc3Context(requestId, env.TOKEN_REGION ?? 'cn-hangzhou', role));
    },
    emulatorRequests: () => sts?.requestCount(),
    storage,
    close: async () => {
      await storage?.standIn.close();
      await sts?.close();
    },
  };
}

async function tencentFunction(base: Env, real: boolean): Promise<LocalFunction> {
  const env: Env = { ...base };
  let sts: Awaited<ReturnType<typeof startTencentStsEmulator>> | undefined;
  let storage: LocalStorage | undefined;
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
    storage = await startLocalStorage('tencent', env.TOKEN_BUCKET, env.TOKEN_REGION, [sts]);
    signForStandIn(env, storage);
  }
  const bundle = loadBundle<{ main_handler: (event: unknown, context: unknown) => Promise<PlatformResponse> }>('../dist/tencent/index.js', env);
  const { main_handler } = bundle.exports;
  // SCF reads the role's keys from its environment on every invocation; keep the emulated role's there.
  if (!real) {
    for (const name of ['TENCENTCLOUD_SECRETID', 'TENCENTCLOUD_SECRETKEY', 'TENCENTCLOUD_SESSIONTOKEN']) process.env[name] = env[name];
  }
  const invoke: Invoke = (req, body) => main_handler(scfFunctionUrlEvent(req, body), scfContext(randomUUID()));
  return {
    provider: 'tencent',
    route: '/tencent',
    real,
    coldStartErrors: bundle.coldStartErrors,
    banner: real ? 'Tencent STS: REAL (keys from the credential chain; keys issued are real)' : `Tencent STS: emulator on ${sts?.url} (checks TC3-HMAC-SHA256)`,
    invoke,
    emulatorRequests: () => sts?.requestCount(),
    storage,
    close: async () => {
      await storage?.standIn.close();
      await sts?.close();
    },
  };
}

async function huaweiFunction(base: Env, real: boolean): Promise<LocalFunction> {
  // Off FunctionGraph there is no agency token; AK/SK from the SDK's variables or an ECS agency (through
  // the metadata service) sign the IAM call instead.
  const env: Env = { ...base };
  let agency: AgencyCredentials | undefined;
  let iam: Awaited<ReturnType<typeof startHuaweiIamEmulator>> | undefined;
  let sts: Awaited<ReturnType<typeof startHuaweiStsEmulator>> | undefined;
  let storage: LocalStorage | undefined;
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
    storage = await startLocalStorage('huawei', env.TOKEN_BUCKET, env.TOKEN_REGION, sts ? [iam, sts] : [iam]);
    signForStandIn(env, storage);
  }
  const bundle = loadBundle<{ handler: (event: unknown, context: unknown) => Promise<PlatformResponse> }>('../dist/huawei/index.js', env);
  const { handler } = bundle.exports;
  return {
    provider: 'huawei',
    route: '/huawei',
    real,
    coldStartErrors: bundle.coldStartErrors,
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
    storage,
    close: async () => {
      await storage?.standIn.close();
      await sts?.close();
      await iam?.close();
    },
  };
}

const BUILDERS: Record<Cloud, (base: Env, real: boolean) => Promise<LocalFunction>> = {
  aliyun: aliyunFunction,
  tencent: tencentFunction,
  huawei: huaweiFunction,
};

/** Starts one cloud's function, with its emulators unless `real`. */
export const startLocalFunction = (cloud: Cloud, base: Env, real: boolean): Promise<LocalFunction> => BUILDERS[cloud](base, real);
