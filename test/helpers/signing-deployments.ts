/**
 * The three BUILT bundles with their signing routes (`uploads`, `downloads`) pointed at storage stand-ins
 * that trust each cloud's STS (or IAM) emulator, as the storage service trusts its STS: a form or URL a
 * bundle signs can be sent to the stand-in as a browser would, and the stand-in checks it with its own
 * code (emulators/storage/). Huawei runs on both of its issuing paths (IAM securitytokens, STS
 * AssumeAgency). Each route is reached the way its platform delivers it, with a gateway prefix on Huawei.
 */
import { afterAll, beforeAll } from 'vitest';
import { startCosStandIn } from '../../emulators/storage/cos.js';
import { startObsStandIn } from '../../emulators/storage/obs.js';
import { startOssStandIn } from '../../emulators/storage/oss.js';
import type { StorageStandIn } from '../../emulators/storage/storage-stand-in.js';
import { bearer, fc3Event, startAliyunFixture } from './aliyun-fixture.js';
import { type BundleHandler, captureConsole, coldStart, type PlatformResponse, withJson } from './bundle-harness.js';
import { apigEvent, startHuaweiFixture } from './huawei-fixture.js';
import { secretGuard } from './secret-guard.js';
import { functionUrlEvent, startTencentFixture } from './tencent-fixture.js';

export type SigningRoute = 'keys' | 'uploads' | 'downloads';

export interface RouteInit {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  /** Sent as JSON unless a string. */
  readonly body?: unknown;
}

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly json: Record<string, any> | undefined;
}

export interface SigningInstance {
  /** One request to a route of this instance, with `token` as the Bearer token (none when undefined). */
  request(route: SigningRoute, token: string | undefined, init?: RouteInit): Promise<Answer>;
}

export interface SigningTarget {
  readonly label: string;
  readonly cloud: 'aliyun' | 'tencent' | 'huawei';
  readonly standIn: StorageStandIn;
  /** The fixture's variables, with the storage stand-in as STORAGE_ENDPOINT. */
  readonly env: Record<string, string>;
  mint(claims: Record<string, unknown>): Promise<string>;
  /** Every STS (or IAM) request so far, refused or not. */
  upstreamRequests(): number;
  /** The STS (or IAM) calls that issued signing-role keys, with the session policy each carried. */
  signingRoleCalls(): { readonly policy: string | undefined }[];
  /** A fresh function instance (a cold start) with the target's variables plus `env`. */
  start(env?: Record<string, string>): SigningInstance;
}

/** How a test names the signing role's calls: the session name stsgate gives them, or (IAM securitytokens, which takes none) the widened prefix only its policy has. */
const SIGNER_SESSION = 'stsgate-signer';
const WIDENED = '/*/*';

const ROLE_VARIABLES = ['TENCENTCLOUD_SECRETID', 'TENCENTCLOUD_SECRETKEY', 'TENCENTCLOUD_SESSIONTOKEN'] as const;
const BUNDLES = {
  aliyun: new URL('../../dist/aliyun/index.js', import.meta.url),
  tencent: new URL('../../dist/tencent/index.js', import.meta.url),
  huawei: new URL('../../dist/huawei/index.js', import.meta.url),
};

function instance(handler: BundleHandler, invoke: (handler: BundleHandler, route: SigningRoute, headers: Record<string, string>, init: RouteInit) => Promise<PlatformResponse>): SigningInstance {
  return {
    async request(route, token, init = {}) {
      const headers = { ...(token === undefined ? {} : bearer(token)), ...init.headers };
      const response = withJson(await invoke(handler, route, headers, init));
      return { status: response.statusCode, headers: response.headers, body: response.body, json: response.json };
    },
  };
}

const bodyText = (init: RouteInit) => (init.body === undefined ? '' : typeof init.body === 'string' ? init.body : JSON.stringify(init.body));
const routePath = (prefix: string, route: SigningRoute) => (route === 'keys' ? prefix || '/' : `${prefix}/${route}`);

export async function startSigningTargets() {
  const aliyun = await startAliyunFixture();
  const tencent = await startTencentFixture();
  const huawei = await startHuaweiFixture();
  for (const name of ROLE_VARIABLES) process.env[name] = tencent.env[name];

  const oss = await startOssStandIn({ bucket: aliyun.env.TOKEN_BUCKET as string, region: aliyun.env.TOKEN_REGION as string });
  const cos = await startCosStandIn({ bucket: tencent.env.TOKEN_BUCKET as string });
  const obs = await startObsStandIn({ bucket: huawei.env.TOKEN_BUCKET as string });
  oss.trust(aliyun.sts);
  cos.trust(tencent.sts);
  obs.trust(huawei.iam);
  obs.trust(huawei.sts);
  const port = (standIn: StorageStandIn) => standIn.host.split(':')[1];

  secretGuard.signingToken(() => [
    ...aliyun.sts.calls.filter((c) => c.roleSessionName === SIGNER_SESSION).map((c) => c.issued.securityToken),
    ...tencent.sts.calls.filter((c) => c.roleSessionName === SIGNER_SESSION).map((c) => c.issued.token),
    ...huawei.iam.calls.filter((c) => c.policyText?.includes(WIDENED)).map((c) => c.issued.securitytoken),
    ...huawei.sts.calls.filter((c) => c.agencySessionName === SIGNER_SESSION).map((c) => c.issued.securityToken),
  ]);

  const targets: SigningTarget[] = [
    {
      label: 'aliyun',
      cloud: 'aliyun',
      standIn: oss,
      // The OSS stand-in serves its bucket at the endpoint's root.
      env: { ...aliyun.env, STORAGE_ENDPOINT: `http://127.0.0.1:${port(oss)}`, STORAGE_ADDRESSING: 'endpoint' },
      mint: (claims) => aliyun.idp.mint(claims),
      upstreamRequests: () => aliyun.sts.requestCount(),
      signingRoleCalls: () => aliyun.sts.calls.filter((c) => c.roleSessionName === SIGNER_SESSION),
      start(env = {}) {
        return instance(coldStart(BUNDLES.aliyun, 'handler', { ...this.env, ...env }), (h, route, headers, init) =>
          h(fc3Event({ headers, path: routePath('', route), body: bodyText(init), ...(init.method ? { method: init.method } : {}) }), aliyun.context()),
        );
      },
    },
    {
      label: 'tencent',
      cloud: 'tencent',
      standIn: cos,
      env: { ...tencent.env, STORAGE_ENDPOINT: `http://127.0.0.1:${port(cos)}`, STORAGE_ADDRESSING: 'endpoint' },
      mint: (claims) => tencent.idp.mint(claims),
      upstreamRequests: () => tencent.sts.requestCount(),
      signingRoleCalls: () => tencent.sts.calls.filter((c) => c.roleSessionName === SIGNER_SESSION),
      start(env = {}) {
        return instance(coldStart(BUNDLES.tencent, 'main_handler', { ...this.env, ...env }), (h, route, headers, init) =>
          h(functionUrlEvent({ headers, path: routePath('', route), body: bodyText(init), ...(init.method ? { method: init.method } : {}) }), tencent.context()),
        );
      },
    },
    ...(
      [
        ['huawei securitytokens', huawei.env, () => huawei.iam.calls.filter((c) => c.policyText?.includes(WIDENED)).map((c) => ({ policy: c.policyText }))],
        ['huawei AssumeAgency', huawei.agencyEnv, () => huawei.sts.calls.filter((c) => c.agencySessionName === SIGNER_SESSION).map((c) => ({ policy: c.policy }))],
      ] as const
    ).map(
      ([label, base, calls]): SigningTarget => ({
        label,
        cloud: 'huawei',
        standIn: obs,
        // The OBS stand-in is virtual-hosted on localhost (<bucket>.localhost:<port>), the default addressing.
        env: { ...base, STORAGE_ENDPOINT: `http://localhost:${port(obs)}` },
        mint: (claims) => huawei.idp.mint(claims),
        upstreamRequests: () => huawei.iam.requestCount() + huawei.sts.requestCount(),
        signingRoleCalls: calls,
        start(env = {}) {
          // Behind APIG the function's path keeps the API's own prefix in front of the route.
          return instance(coldStart(BUNDLES.huawei, 'handler', { ...this.env, ...env }), (h, route, headers, init) =>
            h(apigEvent({ headers, path: routePath('/stsgate', route), body: bodyText(init), ...(init.method ? { method: init.method } : {}) }), huawei.context()),
          );
        },
      }),
    ),
  ];

  return {
    targets,
    secrets: () => [...aliyun.secrets(), ...tencent.secrets(), ...huawei.secrets()],
    async close() {
      for (const name of ROLE_VARIABLES) delete process.env[name];
      await Promise.all([oss.close(), cos.close(), obs.close(), aliyun.close(), tencent.close(), huawei.close()]);
    },
  };
}

export type SigningTargets = Awaited<ReturnType<typeof startSigningTargets>>;

/** For a test file: the targets started before its tests and stopped after, with the bundles' console kept for the tests. */
export function useSigningTargets(): { readonly targets: readonly SigningTarget[]; readonly lines: string[] } {
  let started: SigningTargets | undefined;
  let consoleLines: ReturnType<typeof captureConsole> | undefined;
  beforeAll(async () => {
    consoleLines = captureConsole();
    started = await startSigningTargets();
  });
  afterAll(async () => {
    consoleLines?.restore();
    await started?.close();
  });
  return {
    get targets() {
      if (!started) throw new Error('the targets start in beforeAll');
      return started.targets;
    },
    get lines() {
      return consoleLines?.lines ?? [];
    },
  };
}
