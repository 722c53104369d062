/**
 * `npx tsx bench/profile-cold.ts [aliyun|tencent|huawei] [serve|load]` (after `npm run build`): one
 * cold start of a bundle under `--cpu-prof`, against the same loopback deployment the bench uses, then
 * where its time went (see profile/cpu-profile.ts). For deciding what to optimise when a cold-start
 * goal fails; the profiler itself slows the process, so read shares, not absolute numbers.
 *
 * @module
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnTimed } from './cold/spawn-timed.js';
import { buildFloors } from './cold/floors/build-floors.js';
import { argsForRun, coldVariants } from './cold/variants.js';
import { CLOUDS, type CloudId, closeDeployments, startDeployments } from './deployments.js';
import { summarizeProfile } from './profile/cpu-profile.js';

const cloud = (process.argv[2] ?? 'aliyun') as CloudId;
const kind = process.argv[3] === 'load' ? 'bundle-load' : 'bundle-serve';
if (!CLOUDS.includes(cloud)) throw new Error(`usage: bench/profile-cold.ts [${CLOUDS.join('|')}] [serve|load]`);

const deployments = await startDeployments();
const dir = mkdtempSync(join(tmpdir(), 'stsgate-prof-'));
try {
  const token = await deployments[cloud].mint('profiled-user');
  const variant = coldVariants(deployments, { aliyun: token, tencent: token, huawei: token }, await buildFloors()).find((v) => v.id === `${cloud}:${kind}`)!;
  // One unprofiled run first, so the files are in the page cache as they are in the bench.
  await spawnTimed(argsForRun(variant), variant.env);
  const run = await spawnTimed(argsForRun(variant), variant.env, { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '50'] });
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('no profile was written');
  const summary = summarizeProfile(join(dir, file), deployments[cloud].bundle);
  const lines = [
    `${variant.label}: ${run.ms.toFixed(1)} ms spawn → done under the profiler${run.loadedMs === undefined ? '' : ` (bundle required after ${run.loadedMs.toFixed(1)} ms)`}; ${summary.totalMs} ms sampled`,
    '',
    'self time by what was running:',
    ...summary.byCategory.map((r) => `  ${r.ms.toFixed(2).padStart(7)} ms  ${r.what}`),
    '',
    'time charged to the innermost stsgate frame on the stack (includes the libraries and Node builtins it called):',
    ...summary.byOwnFrame.map((r) => `  ${r.ms.toFixed(2).padStart(7)} ms  ${r.what}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
  await closeDeployments(deployments);
}
