/**
 * Requested lifetimes are rounded UP to a few fixed steps, because every distinct lifetime is a distinct
 * scope: a cache entry of its own and an STS call of its own. Without steps, one caller could turn 900,
 * 901, 902, … into as many STS calls. Rounding up (never past the grant) gives the caller at least what
 * it asked for: keys it expected to last 1000 s must not stop at 900.
 *
 * @module
 */

/** 15 min, 30 min, 1 h, 2 h, 4 h, 12 h: 900 is the shortest lifetime every supported STS issues, 43200 the longest. */
export const DURATION_STEPS_SECONDS = [900, 1800, 3600, 7200, 14400, 43200] as const;

/** The first step at or above `requested`, capped at `max` (the grant's duration). */
export function roundDurationUp(requested: number, max: number): number {
  const step = DURATION_STEPS_SECONDS.find((s) => s >= requested) ?? max;
  return Math.min(step, max);
}
