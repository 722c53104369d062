/**
 * Loads a built function bundle the way a platform starts a fresh instance: with exactly its own
 * environment, and cold. What the bundle logs at cold start is passed through as it is and also kept:
 * a bundle with a broken configuration logs the problem once there (naming the variables, never their
 * values) and then answers every request with a bare 500, so `npm start` needs those lines to tell a
 * person what is wrong (see `local/banner.ts`).
 *
 * @module
 */
import { createRequire } from 'node:module';

type Env = Record<string, string | undefined>;

export interface LoadedBundle<T> {
  readonly exports: T;
  /** The error lines the bundle logged at cold start, as their `msg`; empty when it started cleanly. */
  readonly coldStartErrors: readonly string[];
}

const require = createRequire(import.meta.url);

export function loadBundle<T>(path: string, env: Env): LoadedBundle<T> {
  const resolved = require.resolve(path);
  // Cold: a bundle loaded before (another service in the same process) must read its environment again.
  delete require.cache[resolved];
  const coldStartErrors: string[] = [];
  const saved = { ...process.env };
  const savedConsole = { log: console.log, error: console.error };
  const keep =
    (write: (...args: unknown[]) => void) =>
    (...args: unknown[]): void => {
      const message = errorMessage(args[0]);
      if (message !== undefined) coldStartErrors.push(message);
      write(...args);
    };
  for (const key of Object.keys(process.env)) delete process.env[key];
  Object.assign(process.env, env);
  console.log = keep(savedConsole.log);
  console.error = keep(savedConsole.error);
  try {
    return { exports: require(resolved) as T, coldStartErrors };
  } finally {
    Object.assign(console, savedConsole);
    for (const key of Object.keys(process.env)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

/** The `msg` of one of the bundles' JSON log lines at level `error` (lib/log.ts). */
function errorMessage(line: unknown): string | undefined {
  if (typeof line !== 'string' || !line.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(line) as { level?: unknown; msg?: unknown };
    return parsed.level === 'error' && typeof parsed.msg === 'string' ? parsed.msg : undefined;
  } catch {
    return undefined;
  }
}
