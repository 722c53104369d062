/**
 * One fresh process, timed from just before `spawn` to the mark the child prints when its job is done
 * (see child.cjs). Process teardown is not counted: on a platform the response has left by then.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CHILD_PROGRAM = readFileSync(new URL('./child.cjs', import.meta.url), 'utf8');
/** The repository root: the SDK variants resolve their modules from here, as a deployed package would. */
const REPO = fileURLToPath(new URL('../../', import.meta.url));

export interface ColdRun {
  /** Spawn → mark. */
  readonly ms: number;
  /** Spawn → bundle required (serve variants only). */
  readonly loadedMs?: number;
  /** Serve variants: what the bundle's own request log line says about that first request. */
  readonly requestLog?: { readonly latencyMs: number; readonly stsLatencyMs: number };
}

/** The function's one log line per request carries its own total and STS latency. */
function requestLog(output: string): ColdRun['requestLog'] {
  for (const line of output.split('\n')) {
    if (!line.startsWith('{') || !line.includes('"msg":"request"')) continue;
    try {
      const fields = JSON.parse(line) as { latencyMs?: unknown; stsLatencyMs?: unknown };
      if (typeof fields.latencyMs === 'number' && typeof fields.stsLatencyMs === 'number') {
        return { latencyMs: fields.latencyMs, stsLatencyMs: fields.stsLatencyMs };
      }
    } catch {
      // not ours
    }
  }
  return undefined;
}

export interface SpawnOptions {
  /** Flags before `-e` (the profiler's `--cpu-prof`, say). */
  readonly nodeArgs?: readonly string[];
  readonly node?: string;
}

export function spawnTimed(args: readonly string[], env: Readonly<Record<string, string>>, options: SpawnOptions = {}): Promise<ColdRun> {
  return new Promise((resolve, reject) => {
    let output = '';
    const started = performance.timeOrigin + performance.now();
    // An explicit, minimal environment: nothing from the bench's own (NODE_OPTIONS, tsx loaders) leaks in.
    const child = spawn(options.node ?? process.execPath, [...(options.nodeArgs ?? []), '-e', CHILD_PROGRAM, ...args], { cwd: REPO, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = output.split('\n').find((l) => l.startsWith('BENCH_MARK '));
      if (!line) return reject(new Error(`cold-start child (${args[0]}) exited with ${code} and no mark:\n${output.slice(0, 2000)}`));
      const mark = JSON.parse(line.slice('BENCH_MARK '.length)) as { t: number; ok: boolean; loaded?: number; status?: number; error?: string };
      if (!mark.ok) return reject(new Error(`cold-start child (${args[0]}) failed: ${mark.error ?? `status ${mark.status}`}\n${output.slice(0, 2000)}`));
      const log = requestLog(output);
      resolve({ ms: mark.t - started, ...(mark.loaded === undefined ? {} : { loadedMs: mark.loaded - started }), ...(log ? { requestLog: log } : {}) });
    });
  });
}
