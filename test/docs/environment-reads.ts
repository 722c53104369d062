/**
 * Which environment variables a built function bundle reads, observed rather than guessed: the bundle is
 * loaded with `process.env` replaced by a recording Proxy, its cold start runs, and requests go through
 * it against the local emulators along every path that reads the environment (see `scenarios.ts`).
 *
 * Only reads made by the function's own code are recorded (the calling frame is the bundle file, or the
 * `redis.js` it loads from beside itself when REDIS_URL is set); reads by
 * vitest, the fixtures or Node itself while a request is in flight go to the real environment untouched,
 * and the bundle never sees the real environment: a developer's shell cannot leak into the result.
 *
 * A second, static look at the bundle text ({@link mentionedNames}) lists every SCREAMING_SNAKE name it
 * contains, so a variable read only on a path no scenario reaches still shows up as a difference.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import type { BundleHandler } from '../helpers/bundle-harness.js';

const require = createRequire(import.meta.url);

export interface RecordingEnv {
  /** Sets (or, with `undefined`, removes) variables the bundle sees from now on. */
  set(patch: Record<string, string | undefined>): void;
  /** Names the bundle's code looked up, in or not in the environment. */
  readonly reads: ReadonlySet<string>;
  /** True when the bundle listed the environment's keys, which would make {@link reads} incomplete. */
  readonly enumerated: boolean;
}

/** The file that made the property access the trap is answering. */
function callerFile(trap: (...args: never[]) => unknown): string | undefined {
  const original = Error.prepareStackTrace;
  // Raw call sites, before any source-map support rewrites file names to the TypeScript sources.
  Error.prepareStackTrace = (_error, sites) => sites;
  try {
    const holder: { stack?: NodeJS.CallSite[] } = {};
    Error.captureStackTrace(holder, trap);
    return holder.stack?.[0]?.getFileName() ?? undefined;
  } finally {
    Error.prepareStackTrace = original;
  }
}

/**
 * Loads a fresh instance of the bundle with a recording environment holding exactly `env`, runs `use`
 * with its export while the recording stays in place, then puts the real `process.env` back.
 */
export async function withRecordedEnvironment(
  bundle: URL,
  exportName: string,
  env: Record<string, string>,
  use: (handler: BundleHandler, recording: RecordingEnv) => Promise<void>,
): Promise<RecordingEnv> {
  const file = bundle.pathname;
  // The function is its folder: the bundle, and the Redis code it requires from beside itself.
  const files = [file, join(dirname(file), 'redis.js')];
  const real = process.env;
  const seen: Record<string, string | undefined> = { ...env };
  const reads = new Set<string>();
  let enumerated = false;

  const fromBundle = (trap: (...args: never[]) => unknown) => files.includes(callerFile(trap) ?? '');
  const traps: ProxyHandler<Record<string, string | undefined>> = {
    get: function get(_target, key) {
      if (typeof key !== 'string' || !fromBundle(get)) return Reflect.get(real, key);
      reads.add(key);
      return seen[key];
    },
    has: function has(_target, key) {
      if (typeof key !== 'string' || !fromBundle(has)) return Reflect.has(real, key);
      reads.add(key);
      return seen[key] !== undefined;
    },
    ownKeys: function ownKeys() {
      if (!fromBundle(ownKeys)) return Reflect.ownKeys(real);
      enumerated = true;
      return Object.keys(seen).filter((key) => seen[key] !== undefined);
    },
    getOwnPropertyDescriptor: (_target, key) => {
      const source = typeof key === 'string' && key in seen ? seen : real;
      const value = Reflect.get(source, key);
      return value === undefined ? undefined : { value, writable: true, enumerable: true, configurable: true };
    },
    set: (_target, key, value) => Reflect.set(real, key, value),
    deleteProperty: (_target, key) => Reflect.deleteProperty(real, key),
  };

  const recording: RecordingEnv = {
    set(patch) {
      Object.assign(seen, patch);
    },
    get reads() {
      return reads;
    },
    get enumerated() {
      return enumerated;
    },
  };

  process.env = new Proxy({}, traps) as NodeJS.ProcessEnv;
  try {
    for (const loaded of files) delete require.cache[loaded];
    const handler = (require(file) as Record<string, BundleHandler>)[exportName];
    if (typeof handler !== 'function') throw new Error(`${file} exports no function named ${exportName}`);
    await use(handler, recording);
  } finally {
    process.env = real;
    for (const loaded of files) delete require.cache[loaded];
  }
  return recording;
}

/**
 * SCREAMING_SNAKE names with at least one underscore anywhere in the bundle text: string literals and,
 * since minifiers keep property names, the keys of the zod schemas that read the environment.
 */
export function mentionedNames(bundle: URL): Set<string> {
  const text = readFileSync(bundle, 'utf8');
  return new Set([...text.matchAll(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g)].map((match) => match[0]));
}
