/**
 * How much the bench measures. `FULL` is `npm run bench` (sized to stay under about two minutes on a
 * 2-core machine); `SMOKE` is the test's configuration, which only proves every module runs.
 *
 * @module
 */

export interface WarmCounts {
  /** Recorded samples per sampler. */
  readonly hits: number;
  readonly misses: number;
  readonly rtt: number;
  readonly floor: number;
  readonly sdk: number;
  /** Signed uploads and downloads through the bundles (the signing role's keys already held). */
  readonly signed: number;
}

export interface BenchConfig {
  /** Spawns per cold-start variant, recorded (medians are taken over these). */
  readonly coldRuns: number;
  /** Spawns per variant before recording: the first spawns pay for a cold file cache. */
  readonly coldWarmupRuns: number;
  /** Only these cold-start variants (ids as in cold/variants.ts); all when unset. */
  readonly coldVariants?: readonly string[];
  /**
   * The in-process samplers take turns in this many rounds (each round runs a slice of every sampler),
   * so a machine that slows down part-way slows every measurement alike and the ratios still hold.
   */
  readonly rounds: number;
  readonly samples: WarmCounts;
  /** Unrecorded samples per sampler first: JIT warm-up, JWKS fetched, connections open. */
  readonly warmup: WarmCounts;
}

export const FULL: BenchConfig = {
  coldRuns: 21,
  coldWarmupRuns: 1,
  rounds: 10,
  samples: { hits: 2000, misses: 500, rtt: 500, floor: 2000, sdk: 500, signed: 2000 },
  warmup: { hits: 300, misses: 60, rtt: 60, floor: 300, sdk: 60, signed: 300 },
};

export const SMOKE: BenchConfig = {
  coldRuns: 1,
  coldWarmupRuns: 0,
  coldVariants: ['aliyun:bundle-serve', 'aliyun:node-floor', 'aliyun:libraries-floor'],
  rounds: 2,
  samples: { hits: 2, misses: 2, rtt: 2, floor: 2, sdk: 2, signed: 2 },
  warmup: { hits: 1, misses: 1, rtt: 1, floor: 1, sdk: 1, signed: 1 },
};
