/**
 * Runs many in-process samplers in turns. Each sampler's recorded samples are split over `rounds`
 * rounds; every round runs one slice of each sampler, in an order that rotates from round to round.
 * A background slowdown (another tenant, thermal throttling, a GC-heavy stretch) therefore lands on
 * every sampler alike instead of on whichever happened to run then, which is what keeps ratios such
 * as "warm hit / floor" meaningful on a noisy machine.
 *
 * @module
 */

export interface Sampler {
  readonly id: string;
  readonly warmup: number;
  readonly iterations: number;
  /** Performs one operation and returns its duration in milliseconds (the sampler times itself, so
   * per-sample preparation such as building an event stays outside the measurement). */
  sample(): number | Promise<number>;
}

export async function runInterleaved(
  samplers: readonly Sampler[],
  rounds: number,
  onProgress: (message: string) => void = () => {},
): Promise<Map<string, number[]>> {
  const results = new Map<string, number[]>(samplers.map((s) => [s.id, []]));
  for (const sampler of samplers) {
    for (let i = 0; i < sampler.warmup; i++) await sampler.sample();
  }
  onProgress(`warm-up done for ${samplers.length} samplers`);
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < samplers.length; k++) {
      const sampler = samplers[(round + k) % samplers.length]!;
      const share = Math.floor(sampler.iterations / rounds) + (round < sampler.iterations % rounds ? 1 : 0);
      const out = results.get(sampler.id)!;
      for (let i = 0; i < share; i++) out.push(await sampler.sample());
    }
    onProgress(`round ${round + 1}/${rounds}`);
  }
  return results;
}
