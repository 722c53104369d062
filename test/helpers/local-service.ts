/**
 * The local token service (`local/server.ts`, what `npm start` runs) for tests: as a child process, the
 * way a person starts it (exit codes, what is printed and in which order), or in this process with a
 * clean stsgate environment.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

const REPO = new URL('../..', import.meta.url).pathname;

/** Every variable that would switch the service away from its emulated defaults. */
export const STSGATE_ENV = /^(JWT_|TOKEN_|CORS_|ALIYUN_|ALIBABA_CLOUD_|TENCENT|HUAWEI|STSGATE_|REDIS_|CACHE_ENCRYPTION_KEY$|PORT$|DEMO_PORT$|HOST$)/;

export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** stdout and stderr so far, in the order the service wrote them, as a terminal shows them. */
  output(): string;
}

const SERVICE = [process.execPath, '--import', 'tsx', 'local/server.ts'];

/**
 * `merged`: stderr goes into stdout's pipe (`2>&1`), so the output keeps the order of the writes. Two pipes
 * would not: a busy test process can find both readable at once and read stderr's first.
 */
function spawnService(extra: Record<string, string>, merged: boolean): { child: ChildProcess; output: () => string } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (STSGATE_ENV.test(name)) delete env[name];
  Object.assign(env, { PORT: '0' }, extra);
  const stdio: ['ignore', 'pipe', 'pipe'] = ['ignore', 'pipe', 'pipe'];
  const child = merged
    ? spawn('/bin/sh', ['-c', 'exec "$0" "$@" 2>&1', ...SERVICE], { cwd: REPO, env, stdio })
    : spawn(SERVICE[0]!, SERVICE.slice(1), { cwd: REPO, env, stdio });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  return { child, output: () => output };
}

/** Starts `local/server.ts` on a free port with a clean stsgate environment plus `extra`; resolves once it listens. */
export async function startServiceProcess(extra: Record<string, string> = {}): Promise<ServiceProcess> {
  const { child, output } = spawnService(extra, true);
  const url = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const match = /listening on (http:\/\/\S+)/.exec(output());
      if (match?.[1]) resolve(match[1]);
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${output()}`)));
  });
  return { child, url, output };
}

/** Waits (up to `timeoutMs`) until the output matches `pattern`. */
export async function waitForOutput(service: ServiceProcess, pattern: RegExp, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(service.output())) {
    if (Date.now() > deadline) throw new Error(`output never matched ${pattern}: ${service.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function stopServiceProcess(service: ServiceProcess | undefined): Promise<void> {
  if (!service || service.child.exitCode !== null) return;
  service.child.kill('SIGTERM');
  await once(service.child, 'exit');
}

/** Runs `local/server.ts` where it is expected to refuse to start: its exit code and what it printed where. */
export async function runServiceToExit(extra: Record<string, string>, timeoutMs = 40_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { child } = spawnService(extra, false);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => (stdout += chunk));
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/**
 * Clears stsgate's variables from this process's environment (the in-process service reads it), sets
 * `vars`, and returns a function that gives back the environment as it was.
 */
export function cleanStsgateEnv(vars: Record<string, string> = {}): () => void {
  const saved = { ...process.env };
  for (const name of Object.keys(process.env)) if (STSGATE_ENV.test(name)) delete process.env[name];
  Object.assign(process.env, vars);
  return () => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  };
}
