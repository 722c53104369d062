/**
 * `npx tsx bench/profile-warm.ts [aliyun|tencent|huawei] [hit|miss|uploads|downloads] [samples]` (after `npm run build`):
 * the warm path of one loaded bundle under the CPU profiler (node:inspector, started after warm-up and
 * stopped after the samples, so set-up is not in it), then where the time went (profile/cpu-profile.ts).
 * On a miss the in-process emulator's own work shows as its own row.
 *
 * @module
 */
import { Session } from 'node:inspector/promises';
import { CLOUDS, type CloudId, closeDeployments, startDeployments } from './deployments.js';
import { takeOverConsole } from './inprocess/console-sink.js';
import { loadBundles } from './inprocess/load-bundles.js';
import { hitSampler, missSampler, primedHitToken, signedSampler } from './inprocess/warm.js';
import { type CpuProfile, summarizeProfile } from './profile/cpu-profile.js';
import { summarize } from './stats.js';

const cloud = (process.argv[2] ?? 'aliyun') as CloudId;
const KINDS = ['hit', 'miss', 'uploads', 'downloads'] as const;
const kind = KINDS.find((k) => k === process.argv[3]) ?? 'hit';
const samples = Number(process.argv[4] ?? (kind === 'miss' ? 1500 : 5000));
if (!CLOUDS.includes(cloud)) throw new Error(`usage: bench/profile-warm.ts [${CLOUDS.join('|')}] [${KINDS.join('|')}] [samples]`);

const deployments = await startDeployments();
const sink = takeOverConsole();
const bundles = loadBundles(deployments);
const session = new Session();
try {
  const d = deployments[cloud];
  const handler = bundles.handlers[cloud];
  const counts = { warmup: 200, iterations: samples };
  const sampler =
    kind === 'hit'
      ? hitSampler('hit', d, handler, await primedHitToken(d, handler, 'profiled', 'ES256'), counts)
      : kind === 'miss'
        ? await missSampler('miss', d, handler, counts, sink)
        : await signedSampler(kind, d, handler, kind, counts);
  for (let i = 0; i < counts.warmup; i++) await sampler.sample();

  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 50 });
  await session.post('Profiler.start');
  const times: number[] = [];
  for (let i = 0; i < samples; i++) times.push(await sampler.sample());
  const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };

  const summary = summarizeProfile(profile, d.bundle, 20);
  const { p50, p99 } = summarize(times);
  const perSample = (ms: number) => ((ms / samples) * 1000).toFixed(1);
  const lines = [
    `${cloud} warm ${kind}, ${samples} samples under the profiler: p50 ${p50.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms; ${summary.totalMs} ms sampled`,
    '(µs per request; the profiler itself adds overhead, so read shares)',
    '',
    'self time by what was running:',
    ...summary.byCategory.map((r) => `  ${perSample(r.ms).padStart(7)} µs  ${r.what}`),
    '',
    'time charged to the innermost stsgate frame on the stack (includes the libraries and Node builtins it called):',
    ...summary.byOwnFrame.map((r) => `  ${perSample(r.ms).padStart(7)} µs  ${r.what}`),
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
} finally {
  session.disconnect();
  bundles.restore();
  sink.restore();
  await closeDeployments(deployments);
}
