/**
 * The run as Markdown: tables a reader can paste into docs/performance.md as they are, then the goals as
 * PASS/FAIL lines.
 *
 * @module
 */
import type { BenchResults } from './bench.js';
import { CLOUDS } from './deployments.js';

const ms = (x: number | null | undefined, digits = 3) => (x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits));
const signed = (x: number | null | undefined, digits = 1) => (x === null || x === undefined ? '–' : `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`);
const pair = (s: { p50: number; p99: number }) => `${ms(s.p50)} / ${ms(s.p99)}`;
const table = (head: readonly string[], rows: readonly (readonly string[])[]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

export function formatReport(r: BenchResults): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}; Node ${m.node} (V8 ${m.v8}); load average ${m.loadAverage} at start. Run took ${r.durationSeconds} s.`);
  if (r.revision) out.push(`Bundles built from commit ${r.revision.commit.slice(0, 12)}${r.revision.uncommittedBundleChanges ? ' with uncommitted changes to their sources' : ''}.`);

  const c = r.cold;
  out.push('', `### Cold start: fresh process, spawn → done (${c.runsPerVariant} runs per variant, interleaved; ms)`, '');
  out.push(
    table(
      ['process', 'median', 'q1–q3', 'added vs bare'],
      c.variants.map((v) => [
        v.label + (v.firstRequestMedianMs === undefined ? '' : ` (of which the first request: ${ms(v.firstRequestMedianMs, 1)})`),
        ms(v.medianMs, 1),
        `${ms(v.q1Ms, 1)}–${ms(v.q3Ms, 1)}`,
        v.kind === 'bare' ? '–' : signed(v.addedMs),
      ]),
    ),
  );
  const splits = c.variants.flatMap((v) =>
    v.firstRequestSplit && v.cloud
      ? [[v.cloud, ms(v.firstRequestMedianMs, 1), ms(v.firstRequestSplit.stsCallMs, 1), ms(v.firstRequestSplit.restOfPipelineMs, 1), ms(v.firstRequestSplit.outsidePipelineMs, 1)]]
      : [],
  );
  if (splits.length > 0) {
    out.push(
      '',
      'The first request of a fresh instance, split by the function\'s own log line (medians, ms):',
      '',
      table(['cloud', 'first request', 'STS call', 'rest of the pipeline (JWT with the JWKS fetch, scope, policy)', 'outside the pipeline (adapter, log write)'], splits),
    );
  }
  const coldRows = CLOUDS.flatMap((cloud) => {
    const s = c.clouds[cloud];
    if (!s) return [];
    const ours = s.serveAddedMs !== null && s.librariesFloorAddedMs !== null ? s.serveAddedMs - s.librariesFloorAddedMs : null;
    return [[cloud, signed(s.serveAddedMs), signed(s.nodeFloorAddedMs), signed(s.librariesFloorAddedMs), signed(ours), signed(s.loadAddedMs), signed(s.sdkAddedMs), ms(s.serveToSdk, 2), ms(s.loadToSdk, 2)]];
  });
  if (coldRows.length > 0) {
    out.push(
      '',
      'Added time over bare node (medians, ms). "Node alone" does the first request\'s work by hand; "with the libraries" does it through jose, zod and middy; what stsgate adds is the bundle over that.',
      '',
      table(
        ['cloud', 'bundle, first request served', 'Node alone, same work', 'with the libraries, same work', 'stsgate over the libraries', 'bundle, require only', 'official SDK, require only', 'served / SDK', 'require / SDK'],
        coldRows,
      ),
    );
  }

  const p = r.inProcess;
  out.push('', `### Warm, in-process, per request (p50 / p99 ms; ${p.rounds} interleaved rounds)`, '');
  out.push(
    table(
      ['cloud', 'hit, ES256', 'hit, RS256', 'hit, logging on', 'miss (ES256)', 'emulator round trip (node:http)', "same, through stsgate's client", 'miss − round trip (p50)'],
      CLOUDS.map((cloud) => {
        const w = p.warm[cloud];
        return [cloud, pair(w.hit.ES256), pair(w.hit.RS256), pair(w.hitLogged), pair(w.miss), pair(w.emulatorRtt), pair(w.emulatorRttStsgate), ms(w.missMinusRttMs)];
      }),
    ),
  );
  out.push(
    '',
    'The miss, split by the function\'s own log line (p50 ms; the log rounds the STS call to 0.1 ms, so ±0.05):',
    '',
    table(
      ['cloud', 'miss', 'STS call as the function times it (sign, send, parse)', "round trip: node:http / stsgate's client", 'rest of the miss (JWT, scope, policy, cache, pipeline)', 'whole cache hit, for comparison'],
      CLOUDS.map((cloud) => {
        const w = p.warm[cloud];
        return [cloud, ms(w.miss.p50), ms(w.missSplit.stsCallP50Ms), `${ms(w.emulatorRtt.p50)} / ${ms(w.emulatorRttStsgate.p50)}`, ms(w.missSplit.restP50Ms), ms(w.hit.ES256.p50)];
      }),
    ),
  );
  const sampleCounts = CLOUDS.map((cloud) => p.warm[cloud]).map((w) => `${w.hit.ES256.n} hits, ${w.miss.n} misses, ${w.emulatorRtt.n} round trips per client`)[0];
  out.push('', `Samples per cloud: ${sampleCounts ?? '–'}. ${p.source}; ${p.logging}.`);

  out.push('', '### The floor: one JWT verification + one request signature, alone (p50 / p99 ms)', '');
  out.push(
    table(
      ['part', 'p50 / p99'],
      [
        ['verify ES256 (jose, local key)', pair(p.floor.verify.ES256)],
        ['verify RS256 (jose, local key)', pair(p.floor.verify.RS256)],
        ['verify ES256 right after an emulator round trip, as in a miss (beside the floor, not in it)', pair(p.floor.verifyAfterRoundTrip)],
        ['sign aliyun (ACS3-HMAC-SHA256)', pair(p.floor.sign.aliyun)],
        ['sign tencent (TC3-HMAC-SHA256)', pair(p.floor.sign.tencent)],
        ['sign huawei (SDK-HMAC-SHA256)', pair(p.floor.sign.huawei)],
      ],
    ),
  );
  out.push(
    '',
    table(
      ['cloud', 'floor ES256 / RS256', 'hit ÷ floor, ES256', 'hit ÷ floor, RS256', '(miss − round trip) ÷ floor'],
      CLOUDS.map((cloud) => {
        const w = p.warm[cloud];
        return [cloud, `${ms(w.floorMs.ES256)} / ${ms(w.floorMs.RS256)}`, `${ms(w.hitOverFloor.ES256, 2)}×`, `${ms(w.hitOverFloor.RS256, 2)}×`, `${ms(w.missMinusRttOverFloor, 2)}×`];
      }),
    ),
  );

  out.push('', '### Signed uploads and downloads, warm, per request (p50 / p99 ms; ES256; the signing role\'s keys held)', '');
  out.push(
    table(
      ['cloud', 'upload (POST form)', 'download (presigned GET)', 'keys: hit / miss (p50)', 'floor: upload / download', 'upload ÷ floor', 'download ÷ floor', 'upload ÷ verification alone'],
      CLOUDS.map((cloud) => {
        const w = p.warm[cloud];
        const g = w.signed;
        return [cloud, pair(g.upload), pair(g.download), `${ms(w.hit.ES256.p50)} / ${ms(w.miss.p50)}`, `${ms(g.uploadFloorMs)} / ${ms(g.downloadFloorMs)}`, `${ms(g.uploadOverFloor, 2)}×`, `${ms(g.downloadOverFloor, 2)}×`, `${ms(g.uploadOverVerify, 2)}×`];
      }),
    ),
  );
  out.push(
    '',
    `Signatures alone (bench/sign/signed-upload.ts), p50 / p99 ms: ${CLOUDS.map((cloud) => `${cloud} form ${pair(p.floor.signUpload[cloud])}, GET ${pair(p.floor.signDownload[cloud])}`).join('; ')}.`,
  );

  out.push('', '### One STS call, warm: official SDK vs stsgate client, same emulator (p50 / p99 ms)', '');
  out.push(
    table(
      ['cloud', 'official SDK', 'stsgate', 'stsgate ÷ SDK, p50', 'p99'],
      CLOUDS.map((cloud) => {
        const s = p.sdk[cloud];
        return [`${cloud}: ${s.sdkCall} vs ${s.stsgateCall}`, pair(s.sdk), pair(s.stsgate), `${ms(s.ratioP50, 2)}×`, `${ms(s.ratioP99, 2)}×`];
      }),
    ),
  );

  out.push('', '### Goals', '');
  for (const g of r.goals) {
    const verdict = g.pass === null ? 'N/A ' : g.pass ? 'PASS' : 'FAIL';
    const value = g.value === null ? 'not measured' : g.unit === 'ms' ? `${ms(g.value)} ms` : `${ms(g.value, 2)}×`;
    out.push(`- ${verdict}  ${g.text}: ${value}`);
  }
  return out.join('\n');
}
