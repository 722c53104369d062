/**
 * The three clouds' deployments on loopback, as the bench drives them: each is the test fixture of
 * that cloud (identity provider with a JWKS, the STS or IAM emulator that verifies signatures with its
 * own code, the function's environment and platform context), plus what the bench needs on top: the
 * built bundle and its export, platform invocations for a given JWT in two forms (live objects for
 * in-process calls, plain JSON for a child process), and the exact session plan the function would
 * send for a subject, so the emulator round trip and the SDK comparison send the same policy.
 *
 * @module
 */
import { fileURLToPath } from 'node:url';
import type { CloudPlugin } from '../lib/clouds/types.js';
import { aliyun } from '../lib/clouds/aliyun.js';
import { huawei } from '../lib/clouds/huawei.js';
import { tencent } from '../lib/clouds/tencent.js';
import { loadGrant } from '../lib/config/grant.js';
import type { RoleCredentials } from '../lib/credentials/types.js';
import { parseScopeRequest } from '../lib/scope/scope-request.js';
import { planSession, type SessionPlan } from '../lib/session-plan.js';
import type { MintOptions } from '../emulators/identity-provider.js';
import { bearer, fc3Event, startAliyunFixture } from '../test/helpers/aliyun-fixture.js';
import { apigEvent, startHuaweiFixture } from '../test/helpers/huawei-fixture.js';
import { functionUrlEvent, startTencentFixture } from '../test/helpers/tencent-fixture.js';

export const CLOUDS = ['aliyun', 'tencent', 'huawei'] as const;
export type CloudId = (typeof CLOUDS)[number];

/** A request to a signing route (`uploads`, `downloads`) instead of the keys route: its last path segment and its JSON body. */
export interface SigningRequest {
  readonly route: 'uploads' | 'downloads';
  readonly body: string;
}

/** What a child process can receive: JSON only, so a Buffer travels as base64 and getters as values. */
export interface WireInvocation {
  readonly base64Event?: string;
  readonly event?: unknown;
  readonly context?: unknown;
  readonly getters?: Readonly<Record<string, string | number>>;
}

export interface Deployment {
  readonly cloud: CloudId;
  /** Absolute path of the built bundle, and the name the platform calls. */
  readonly bundle: string;
  readonly exportName: string;
  /** The function's environment (configuration plus, on Tencent, the role's keys). */
  readonly env: Readonly<Record<string, string>>;
  /** This deployment's identity provider: where its JWKS is and what its tokens say. */
  readonly jwksUrl: string;
  readonly issuer: string;
  readonly audience: string;
  /** A token from this deployment's identity provider, valid for an hour (the bench outlives 300 s). */
  mint(sub: string, alg?: MintOptions['alg']): Promise<string>;
  /** A fresh platform event and context carrying this JWT, for an in-process call (to the keys route, or a signing route). */
  invocation(token: string, signing?: SigningRequest): { event: unknown; context: unknown };
  /** The same invocation as JSON, for a child process. */
  wireInvocation(token: string): WireInvocation;
  /** Requests the token endpoint (STS or IAM) has received: proves hits made no call and misses one. */
  upstreamRequests(): number;
  /** Emulator URL the function's STS or IAM calls go to. */
  readonly upstreamUrl: string;
  /** The runtime role's keys, as the SDK comparison signs with them. */
  readonly roleCredentials: RoleCredentials;
  /** Huawei's agency token (the function's default way to call IAM). */
  readonly authToken?: string;
  /** What the function would send to STS for this subject (no body, so the full grant). */
  plan(sub: string): SessionPlan & { durationSeconds: number; roleArn?: string; region?: string };
  close(): Promise<void>;
}

const bundlePath = (cloud: CloudId) => fileURLToPath(new URL(`../dist/${cloud}/index.js`, import.meta.url));
const HOUR = 3600;

function planner<C>(plugin: CloudPlugin<C>, env: Readonly<Record<string, string>>) {
  const grant = loadGrant(env, { maxDurationSeconds: plugin.maxDurationSeconds });
  const config = plugin.loadConfig(env, grant);
  return { config, plan: (sub: string) => planSession(plugin, config, grant, { sub }, parseScopeRequest(undefined)), durationSeconds: grant.durationSeconds };
}

async function aliyunDeployment(): Promise<Deployment> {
  const f = await startAliyunFixture();
  const { config, plan, durationSeconds } = planner(aliyun, f.env);
  return {
    cloud: 'aliyun',
    bundle: bundlePath('aliyun'),
    exportName: 'handler',
    env: f.env,
    jwksUrl: f.idp.jwksUrl,
    issuer: f.idp.issuer,
    audience: f.idp.audience,
    mint: (sub, alg = 'ES256') => f.idp.mint({ sub }, { alg, expiresIn: HOUR }),
    invocation: (token, signing) => ({ event: fc3Event({ headers: bearer(token), ...(signing && { path: `/${signing.route}`, body: signing.body }) }), context: f.context() }),
    wireInvocation: (token) => ({ base64Event: fc3Event({ headers: bearer(token) }).toString('base64'), context: f.context() }),
    upstreamRequests: () => f.sts.requestCount(),
    upstreamUrl: f.sts.url,
    roleCredentials: { ...f.role },
    plan: (sub) => ({ ...plan(sub), durationSeconds, roleArn: config.roleArn }),
    close: f.close,
  };
}

async function tencentDeployment(): Promise<Deployment> {
  const f = await startTencentFixture();
  const { config, plan, durationSeconds } = planner(tencent, f.env);
  return {
    cloud: 'tencent',
    bundle: bundlePath('tencent'),
    exportName: 'main_handler',
    env: f.env,
    jwksUrl: f.idp.jwksUrl,
    issuer: f.idp.issuer,
    audience: f.idp.audience,
    mint: (sub, alg = 'ES256') => f.idp.mint({ sub }, { alg, expiresIn: HOUR }),
    invocation: (token, signing) => ({ event: functionUrlEvent({ headers: bearer(token), ...(signing && { path: `/${signing.route}`, body: signing.body }) }), context: f.context() }),
    wireInvocation: (token) => ({ event: functionUrlEvent({ headers: bearer(token) }), context: f.context() }),
    upstreamRequests: () => f.sts.requestCount(),
    upstreamUrl: f.sts.url,
    roleCredentials: { accessKeyId: f.role.secretId, accessKeySecret: f.role.secretKey, securityToken: f.role.token },
    plan: (sub) => ({ ...plan(sub), durationSeconds, roleArn: config.roleArn, region: config.stsRegion }),
    close: f.close,
  };
}

async function huaweiDeployment(): Promise<Deployment> {
  const f = await startHuaweiFixture();
  const { plan, durationSeconds } = planner(huawei, f.env);
  // FunctionGraph's context is an object of getters; a child process gets their values and rebuilds it.
  const getterValues = () =>
    Object.fromEntries(Object.entries(f.context()).map(([name, getter]) => [name, (getter as () => string | number)()]));
  return {
    cloud: 'huawei',
    bundle: bundlePath('huawei'),
    exportName: 'handler',
    env: f.env,
    jwksUrl: f.idp.jwksUrl,
    issuer: f.idp.issuer,
    audience: f.idp.audience,
    mint: (sub, alg = 'ES256') => f.idp.mint({ sub }, { alg, expiresIn: HOUR }),
    invocation: (token, signing) => ({ event: apigEvent({ headers: bearer(token), ...(signing && { path: `/stsgate/${signing.route}`, body: signing.body }) }), context: f.context() }),
    wireInvocation: (token) => ({ event: apigEvent({ headers: bearer(token) }), getters: getterValues() }),
    upstreamRequests: () => f.iam.requestCount(),
    upstreamUrl: f.iam.url,
    roleCredentials: { accessKeyId: f.agency.accessKeyId, accessKeySecret: f.agency.secretKey, securityToken: f.agency.securityToken },
    authToken: f.agency.token,
    plan: (sub) => ({ ...plan(sub), durationSeconds }),
    close: f.close,
  };
}

export async function startDeployments(): Promise<Record<CloudId, Deployment>> {
  const [a, t, h] = await Promise.all([aliyunDeployment(), tencentDeployment(), huaweiDeployment()]);
  return { aliyun: a, tencent: t, huawei: h };
}

export async function closeDeployments(deployments: Record<CloudId, Deployment>): Promise<void> {
  await Promise.all(CLOUDS.map((cloud) => deployments[cloud].close()));
}
