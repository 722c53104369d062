/**
 * Cold start: fresh processes, one at a time, variants taken in turns (round-robin, the order rotating
 * every round) so a slow stretch of the machine hits all of them alike. Medians per variant, each set
 * against the bare process ("added time"), and per cloud the bundle's added time over the official
 * SDK's.
 *
 * @module
 */
import type { BenchConfig } from '../config.js';
import { CLOUDS, type CloudId, type Deployment } from '../deployments.js';
import { quantileSorted, roundMs } from '../stats.js';
import { type ColdRun, spawnTimed } from './spawn-timed.js';
import { buildFloors } from './floors/build-floors.js';
import { argsForRun, type ColdKind, coldVariants } from './variants.js';

export interface ColdVariantResult {
  readonly id: string;
  readonly kind: ColdKind;
  readonly cloud?: CloudId;
  readonly label: string;
  readonly runsMs: readonly number[];
  readonly medianMs: number;
  readonly q1Ms: number;
  readonly q3Ms: number;
  /** Median minus the bare median; null when the bare variant was not run. */
  readonly addedMs: number | null;
  /** Serve variants: median of (mark − bundle required), i.e. the first request alone. */
  readonly firstRequestMedianMs?: number;
  /**
   * Serve variants: the first request split by the function's own log line (medians): the STS call,
   * everything else inside the HTTP pipeline (JWT verification with the JWKS fetch, scope, policy),
   * and what lies outside the pipeline (the platform adapter, the log line's write, the mark).
   */
  readonly firstRequestSplit?: { readonly stsCallMs: number; readonly restOfPipelineMs: number; readonly outsidePipelineMs: number };
}

export interface ColdCloudSummary {
  readonly serveAddedMs: number | null;
  readonly loadAddedMs: number | null;
  readonly sdkAddedMs: number | null;
  /** Node alone doing the first request's work by hand (floors/node-floor.ts): what no library can save. */
  readonly nodeFloorAddedMs: number | null;
  /** The same work through jose, zod and middy, no stsgate code (floors/libraries-floor.ts). */
  readonly librariesFloorAddedMs: number | null;
  /** Bundle added (first request served) / SDK added (require only): the goal's ratio. */
  readonly serveToSdk: number | null;
  /** Bundle added (require only) / SDK added (require only): like for like. */
  readonly loadToSdk: number | null;
}

export interface ColdResults {
  readonly node: string;
  readonly runsPerVariant: number;
  readonly variants: readonly ColdVariantResult[];
  readonly clouds: Partial<Record<CloudId, ColdCloudSummary>>;
}

const median = (xs: readonly number[]) => quantileSorted([...xs].sort((a, b) => a - b), 0.5);

export async function runColdStart(
  config: BenchConfig,
  deployments: Record<CloudId, Deployment>,
  onProgress: (message: string) => void = () => {},
): Promise<ColdResults> {
  const tokens = Object.fromEntries(await Promise.all(CLOUDS.map(async (c) => [c, await deployments[c].mint('cold-start-user')] as const))) as Record<CloudId, string>;
  const variants = coldVariants(deployments, tokens, await buildFloors()).filter((v) => !config.coldVariants || config.coldVariants.includes(v.id));
  const runs = new Map<string, ColdRun[]>(variants.map((v) => [v.id, []]));

  for (let round = -config.coldWarmupRuns; round < config.coldRuns; round++) {
    for (let k = 0; k < variants.length; k++) {
      const variant = variants[(Math.abs(round) + k) % variants.length]!;
      const run = await spawnTimed(argsForRun(variant), variant.env);
      if (round >= 0) runs.get(variant.id)!.push(run);
    }
    if (round >= 0) onProgress(`cold start round ${round + 1}/${config.coldRuns}`);
  }

  const bare = runs.get('bare');
  const bareMedian = bare && bare.length > 0 ? median(bare.map((r) => r.ms)) : undefined;
  const results: ColdVariantResult[] = variants.map((v) => {
    const ms = runs.get(v.id)!.map((r) => r.ms);
    const sorted = [...ms].sort((a, b) => a - b);
    const firstRequest = runs.get(v.id)!.flatMap((r) => (r.loadedMs === undefined ? [] : [r.ms - r.loadedMs]));
    const logged = runs.get(v.id)!.flatMap((r) => (r.requestLog && r.loadedMs !== undefined ? [{ ...r.requestLog, first: r.ms - r.loadedMs }] : []));
    return {
      id: v.id,
      kind: v.kind,
      ...(v.cloud ? { cloud: v.cloud } : {}),
      label: v.label,
      runsMs: ms.map(roundMs),
      medianMs: roundMs(quantileSorted(sorted, 0.5)),
      q1Ms: roundMs(quantileSorted(sorted, 0.25)),
      q3Ms: roundMs(quantileSorted(sorted, 0.75)),
      addedMs: bareMedian === undefined ? null : roundMs(quantileSorted(sorted, 0.5) - bareMedian),
      ...(firstRequest.length > 0 ? { firstRequestMedianMs: roundMs(median(firstRequest)) } : {}),
      ...(logged.length > 0
        ? {
            firstRequestSplit: {
              stsCallMs: roundMs(median(logged.map((l) => l.stsLatencyMs))),
              restOfPipelineMs: roundMs(median(logged.map((l) => l.latencyMs - l.stsLatencyMs))),
              outsidePipelineMs: roundMs(median(logged.map((l) => l.first - l.latencyMs))),
            },
          }
        : {}),
    };
  });

  const clouds: Partial<Record<CloudId, ColdCloudSummary>> = {};
  for (const cloud of CLOUDS) {
    const added = (kind: ColdKind) => results.find((r) => r.cloud === cloud && r.kind === kind)?.addedMs ?? null;
    const serve = added('bundle-serve');
    const load = added('bundle-load');
    const sdk = added('sdk-require');
    const nodeFloor = added('node-floor');
    const librariesFloor = added('libraries-floor');
    if ([serve, load, sdk, nodeFloor, librariesFloor].every((x) => x === null)) continue;
    const ratio = (a: number | null) => (a === null || sdk === null || sdk <= 0 ? null : Math.round((a / sdk) * 1000) / 1000);
    clouds[cloud] = { serveAddedMs: serve, loadAddedMs: load, sdkAddedMs: sdk, nodeFloorAddedMs: nodeFloor, librariesFloorAddedMs: librariesFloor, serveToSdk: ratio(serve), loadToSdk: ratio(load) };
  }
  return { node: process.version, runsPerVariant: config.coldRuns, variants: results, clouds };
}
