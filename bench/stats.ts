/**
 * Summaries of timing samples. Percentiles interpolate linearly between order statistics (R's type 7),
 * so a p50 over an even count is the mean of the two middle samples, as "median" usually means.
 *
 * @module
 */

export interface Summary {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

/** The q-quantile (0 ≤ q ≤ 1) of already sorted samples. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower]!;
  return low + (sorted[upper]! - low) * (position - lower);
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const total = sorted.reduce((sum, x) => sum + x, 0);
  return {
    n: sorted.length,
    p50: quantileSorted(sorted, 0.5),
    p99: quantileSorted(sorted, 0.99),
    mean: sorted.length ? total / sorted.length : Number.NaN,
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/** Milliseconds rounded to the microsecond, so results.json stays readable. */
export const roundMs = (ms: number): number => Math.round(ms * 1000) / 1000;

export function roundSummary(summary: Summary): Summary {
  return {
    n: summary.n,
    p50: roundMs(summary.p50),
    p99: roundMs(summary.p99),
    mean: roundMs(summary.mean),
    min: roundMs(summary.min),
    max: roundMs(summary.max),
  };
}
