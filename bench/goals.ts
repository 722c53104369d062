/**
 * The performance goals, judged on one run's numbers. A goal whose inputs were not measured (the smoke
 * configuration skips most of the cold start) is `null`, never a pass.
 *
 * @module
 */
import type { ColdResults } from './cold/cold-start.js';
import { CLOUDS } from './deployments.js';
import type { InProcessResults } from './inprocess/run-inprocess.js';

export interface Goal {
  readonly id: string;
  readonly text: string;
  readonly value: number | null;
  readonly limit: number;
  readonly unit: 'ms' | '×';
  readonly pass: boolean | null;
}

const COLD_ADDED_LIMIT_MS = 20;
const SDK_RATIO_LIMIT = 1 / 3;
const HIT_P50_LIMIT_MS = 0.3;
const MISS_OVER_RTT_LIMIT_MS = 1;
const FLOOR_RATIO_LIMIT = 3;
/** Issue 16: a signed request costs little beyond verifying the JWT and signing the object. */
const SIGNED_FLOOR_RATIO_LIMIT = 1.5;

const judge = (value: number | null | undefined, limit: number, strict = false): boolean | null =>
  value === null || value === undefined || Number.isNaN(value) ? null : strict ? value < limit : value <= limit;

export function evaluateGoals(cold: ColdResults, inProcess: InProcessResults): Goal[] {
  const goals: Goal[] = [];
  const add = (id: string, text: string, value: number | null | undefined, limit: number, unit: Goal['unit'], strict = false) =>
    goals.push({ id, text, value: value ?? null, limit, unit, pass: judge(value, limit, strict) });

  for (const cloud of CLOUDS) {
    const c = cold.clouds[cloud];
    add(`cold-added:${cloud}`, `${cloud}: cold start (bundle loaded, first request served) ≤ bare node + ${COLD_ADDED_LIMIT_MS} ms`, c?.serveAddedMs, COLD_ADDED_LIMIT_MS, 'ms');
  }
  for (const cloud of CLOUDS) {
    const c = cold.clouds[cloud];
    add(`cold-vs-sdk:${cloud}`, `${cloud}: bundle's added cold-start time ≤ 1/3 of the official SDK's added require time`, c?.serveToSdk, SDK_RATIO_LIMIT, '×');
  }
  for (const cloud of CLOUDS) {
    for (const alg of ['ES256', 'RS256'] as const) {
      add(`hit-p50:${cloud}:${alg}`, `${cloud}: warm cache hit p50 < ${HIT_P50_LIMIT_MS} ms (${alg})`, inProcess.warm[cloud].hit[alg].p50, HIT_P50_LIMIT_MS, 'ms', true);
    }
  }
  for (const cloud of CLOUDS) {
    add(`miss-over-rtt:${cloud}`, `${cloud}: warm miss adds ≤ ${MISS_OVER_RTT_LIMIT_MS} ms beyond the emulator's own round trip (p50; round trip by node:http)`, inProcess.warm[cloud].missMinusRttMs, MISS_OVER_RTT_LIMIT_MS, 'ms');
  }
  for (const cloud of CLOUDS) {
    const w = inProcess.warm[cloud];
    for (const alg of ['ES256', 'RS256'] as const) {
      add(`hit-over-floor:${cloud}:${alg}`, `${cloud}: warm hit p50 ≤ ${FLOOR_RATIO_LIMIT}× the floor (${alg} verification + signature)`, w.hitOverFloor[alg], FLOOR_RATIO_LIMIT, '×');
    }
    add(`miss-over-floor:${cloud}`, `${cloud}: warm miss − round trip ≤ ${FLOOR_RATIO_LIMIT}× the floor (ES256)`, w.missMinusRttOverFloor, FLOOR_RATIO_LIMIT, '×');
  }
  for (const cloud of CLOUDS) {
    const signed = inProcess.warm[cloud].signed;
    add(`upload-over-floor:${cloud}`, `${cloud}: warm signed upload p50 ≤ ${SIGNED_FLOOR_RATIO_LIMIT}× its floor (ES256 verification + the POST form's signature)`, signed.uploadOverFloor, SIGNED_FLOOR_RATIO_LIMIT, '×');
    add(`download-over-floor:${cloud}`, `${cloud}: warm signed download p50 ≤ ${SIGNED_FLOOR_RATIO_LIMIT}× its floor (ES256 verification + the URL's signature)`, signed.downloadOverFloor, SIGNED_FLOOR_RATIO_LIMIT, '×');
  }
  return goals;
}
