/**
 * The bench's modules, run end to end in the smallest configuration (SMOKE: one cold-start spawn, two
 * samples per in-process measurement): proves every measurement still runs against the current bundles,
 * emulators and SDKs, and that the results have the shape the report and docs/performance.md rely on. The numbers
 * themselves mean nothing at this size and are not checked; `npm run bench` is the measurement.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type BenchResults, runBench } from '../../bench/bench.js';
import { SMOKE } from '../../bench/config.js';
import { CLOUDS } from '../../bench/deployments.js';
import { formatReport } from '../../bench/report.js';
import type { Summary } from '../../bench/stats.js';

const positive = (x: number) => Number.isFinite(x) && x > 0;

function expectSummary(summary: Summary, n: number): void {
  expect(summary.n).toBe(n);
  for (const key of ['p50', 'p99', 'mean', 'min', 'max'] as const) expect(positive(summary[key]), `${key} = ${summary[key]}`).toBe(true);
  expect(summary.min).toBeLessThanOrEqual(summary.p50);
  expect(summary.p50).toBeLessThanOrEqual(summary.p99);
  expect(summary.p99).toBeLessThanOrEqual(summary.max);
}

describe('bench (smoke configuration)', () => {
  it('measures every part once, and the results are complete and consistent', async () => {
    for (const cloud of CLOUDS) {
      expect(existsSync(new URL(`../../dist/${cloud}/index.js`, import.meta.url)), `dist/${cloud}/index.js: run npm run build first`).toBe(true);
    }
    const results: BenchResults = await runBench(SMOKE);

    expect(results.machine.cores).toBeGreaterThan(0);
    expect(results.machine.node).toBe(process.version);
    if (results.revision) expect(results.revision.commit).toMatch(/^[0-9a-f]{40}$/);

    // Cold start: exactly the configured spawns; the bundle served its first request, and both floors
    // finished theirs (a floor whose verification or upstream call failed would have thrown).
    expect(results.cold.variants.map((v) => v.id)).toEqual(['aliyun:bundle-serve', 'aliyun:node-floor', 'aliyun:libraries-floor']);
    for (const floor of results.cold.variants.slice(1)) {
      expect(floor.runsMs).toHaveLength(1);
      expect(positive(floor.medianMs)).toBe(true);
    }
    const served = results.cold.variants[0]!;
    expect(served.runsMs).toHaveLength(1);
    expect(positive(served.medianMs)).toBe(true);
    expect(served.firstRequestMedianMs).toBeGreaterThan(0);
    expect(served.firstRequestMedianMs).toBeLessThan(served.medianMs);
    expect(served.addedMs).toBeNull(); // no bare process in this configuration

    const samples = SMOKE.samples;
    for (const cloud of CLOUDS) {
      const warm = results.inProcess.warm[cloud];
      expectSummary(warm.hit.ES256, samples.hits);
      expectSummary(warm.hit.RS256, samples.hits);
      expectSummary(warm.hitLogged, samples.hits);
      expectSummary(warm.miss, samples.misses);
      expectSummary(warm.emulatorRtt, samples.rtt);
      expectSummary(warm.emulatorRttStsgate, samples.rtt);
      expect(warm.missMinusRttMs).toBeCloseTo(warm.miss.p50 - warm.emulatorRtt.p50, 2);
      for (const part of Object.values(warm.missSplit)) expect(Number.isFinite(part), JSON.stringify(warm.missSplit)).toBe(true);
      expect(warm.missSplit.stsCallP50Ms).toBeGreaterThan(0);
      expect(positive(warm.floorMs.ES256) && positive(warm.floorMs.RS256)).toBe(true);
      expect(positive(warm.hitOverFloor.ES256) && positive(warm.hitOverFloor.RS256)).toBe(true);

      expectSummary(results.inProcess.floor.sign[cloud], samples.floor);
      expectSummary(warm.signed.upload, samples.signed);
      expectSummary(warm.signed.download, samples.signed);
      expectSummary(results.inProcess.floor.signUpload[cloud], samples.floor);
      expectSummary(results.inProcess.floor.signDownload[cloud], samples.floor);
      expect(warm.signed.uploadOverFloor).toBeCloseTo(warm.signed.upload.p50 / warm.signed.uploadFloorMs, 1);
      expect(positive(warm.signed.downloadOverFloor) && positive(warm.signed.uploadOverVerify)).toBe(true);
      const sdk = results.inProcess.sdk[cloud];
      expectSummary(sdk.sdk, samples.sdk);
      expectSummary(sdk.stsgate, samples.sdk);
      expect(positive(sdk.ratioP50)).toBe(true);
    }
    expectSummary(results.inProcess.floor.verify.ES256, samples.floor);
    expectSummary(results.inProcess.floor.verify.RS256, samples.floor);
    expectSummary(results.inProcess.floor.verifyAfterRoundTrip, samples.misses);

    // Every goal is judged, except those whose cold-start inputs this configuration does not measure.
    expect(results.goals).toHaveLength(30);
    for (const goal of results.goals) {
      if (goal.id.startsWith('cold-')) expect(goal).toMatchObject({ value: null, pass: null });
      else expect(typeof goal.pass, goal.id).toBe('boolean');
    }

    const report = formatReport(results);
    expect(report).toContain('### Cold start');
    expect(report).toContain('### Goals');
    expect(report).toContain('### Signed uploads and downloads, warm');
    expect(report.match(/^- (PASS|FAIL|N\/A) /gm)).toHaveLength(30);
    expect(JSON.parse(JSON.stringify(results))).toEqual(results); // what results.json holds
  }, 30_000);
});
