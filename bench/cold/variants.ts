/**
 * The cold-start variants: what each fresh process does before it prints its mark. The bare process
 * is the baseline every other median is compared with ("added time").
 *
 * @module
 */
import { CLOUDS, type CloudId, type Deployment } from '../deployments.js';
import { upstreamRequest } from '../inprocess/upstream-requests.js';
import type { FloorBundles } from './floors/build-floors.js';

export type ColdKind = 'bare' | 'bundle-load' | 'bundle-serve' | 'node-floor' | 'libraries-floor' | 'sdk-require';

export interface ColdVariant {
  /** `bare`, or `<cloud>:<kind>`. */
  readonly id: string;
  readonly kind: ColdKind;
  readonly cloud?: CloudId;
  /** Arguments after `node -e <child program>`; a function when each run needs its own (a fresh signature). */
  readonly args: readonly string[] | (() => readonly string[]);
  /** Added to a minimal environment (PATH only). */
  readonly env: Readonly<Record<string, string>>;
  /** What the row says it measures. */
  readonly label: string;
}

/**
 * The modules a user would deploy instead of stsgate's hand-written client: the STS client and, for
 * Aliyun, the OpenAPI core it is configured with; for Huawei the SDK core and the IAM v3 client (its
 * package entry point throws, so its v3 public API is required directly).
 */
export const OFFICIAL_SDK_MODULES: Readonly<Record<CloudId, readonly string[]>> = {
  aliyun: ['@alicloud/sts20150401', '@alicloud/openapi-core'],
  tencent: ['tencentcloud-sdk-nodejs-sts'],
  huawei: ['@huaweicloud/huaweicloud-sdk-core', '@huaweicloud/huaweicloud-sdk-iam/v3/public-api'],
};

/**
 * `serveToken(cloud)` is a JWT for the first request (one per cloud: each process is a new instance);
 * `floors` are the floor bundles (floors/build-floors.ts).
 */
export function coldVariants(deployments: Record<CloudId, Deployment>, serveToken: Record<CloudId, string>, floors: FloorBundles): ColdVariant[] {
  let runs = 0;
  const variants: ColdVariant[] = [{ id: 'bare', kind: 'bare', args: ['bare'], env: {}, label: 'bare node -e' }];
  for (const cloud of CLOUDS) {
    const d = deployments[cloud];
    const invocation = Buffer.from(JSON.stringify(d.wireInvocation(serveToken[cloud]))).toString('base64');
    // A new upstream request per run: Aliyun's emulator, like STS, refuses a nonce it has seen.
    const floorInput = () =>
      Buffer.from(
        JSON.stringify({ jwksUrl: d.jwksUrl, issuer: d.issuer, audience: d.audience, token: serveToken[cloud], env: d.env, upstream: upstreamRequest(d, `floor-${runs++}`) }),
      ).toString('base64');
    variants.push(
      { id: `${cloud}:bundle-load`, kind: 'bundle-load', cloud, args: ['load', d.bundle, d.exportName], env: d.env, label: `${cloud} bundle, require only` },
      { id: `${cloud}:bundle-serve`, kind: 'bundle-serve', cloud, args: ['serve', d.bundle, d.exportName, invocation], env: d.env, label: `${cloud} bundle, first request served` },
      {
        id: `${cloud}:node-floor`,
        kind: 'node-floor',
        cloud,
        args: () => ['floor', floors.nodeFloor, 'nodeFloor', floorInput()],
        env: {},
        label: `${cloud}: Node alone, the same first request's work by hand (no library)`,
      },
      {
        id: `${cloud}:libraries-floor`,
        kind: 'libraries-floor',
        cloud,
        args: () => ['floor', floors.librariesFloor, 'librariesFloor', floorInput()],
        env: {},
        label: `${cloud}: the same through jose, zod and middy (no stsgate code)`,
      },
      { id: `${cloud}:sdk-require`, kind: 'sdk-require', cloud, args: ['require', ...OFFICIAL_SDK_MODULES[cloud]], env: {}, label: `${cloud} official SDK, require only` },
    );
  }
  return variants;
}

/** The arguments for one run of `variant`. */
export const argsForRun = (variant: ColdVariant): readonly string[] => (typeof variant.args === 'function' ? variant.args() : variant.args);
