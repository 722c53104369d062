/**
 * What the bundle tests share: starting a built bundle as a platform does, capturing what it writes to
 * the console, reading its JSON answers, and handing a test-case list a fixture that only exists later.
 */
import { createRequire } from 'node:module';
import { secretGuard } from './secret-guard.js';

export interface PlatformResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}
export type BundleHandler = (event: unknown, context: unknown) => Promise<PlatformResponse>;

const require = createRequire(import.meta.url);

/**
 * A fresh instance of the bundle (its module cache entry dropped), started with exactly this
 * configuration added to the environment, as a cold start reads it. The variables are removed again
 * afterwards, so one test file can start instances with different configurations.
 */
export function coldStart(bundle: URL, exportName: string, env: Record<string, string>): BundleHandler {
  const path = bundle.pathname;
  const previous = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  try {
    delete require.cache[path];
    return (require(path) as Record<string, BundleHandler>)[exportName] as BundleHandler;
  } finally {
    for (const [key, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/** Every line the bundle writes with console.log / console.error, until restored. */
export function captureConsole(): { lines: string[]; restore(): void } {
  const lines: string[] = [];
  const { log, error } = console;
  const keep = (line: unknown) => {
    lines.push(String(line));
    secretGuard.log(String(line));
  };
  console.log = keep;
  console.error = keep;
  return {
    lines,
    restore: () => {
      console.log = log;
      console.error = error;
    },
  };
}

/** The parsed `request` log lines among captured console lines, oldest first. */
export function requestLogLines(lines: readonly string[]): Record<string, unknown>[] {
  return lines.flatMap((line) => {
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      return parsed.msg === 'request' ? [parsed] : [];
    } catch {
      return [];
    }
  });
}

/** The log line of the request that got `response`, found by the `X-Request-Id` the response carries. */
export function logLineOf(lines: readonly string[], response: { headers: Record<string, string> }): Record<string, unknown> | undefined {
  const id = response.headers['X-Request-Id'];
  const matching = requestLogLines(lines).filter((line) => line.requestId === id);
  return id && matching.length === 1 ? matching[0] : undefined;
}

/** The response with its body parsed; the body also goes to the secret guard. */
export function withJson<R extends { body: string }>(response: R) {
  secretGuard.body(response.body);
  return { ...response, json: response.body ? (JSON.parse(response.body) as Record<string, unknown>) : undefined };
}

/**
 * Test-case lists are built when the file is collected, before `beforeAll` starts the fixture; this
 * stands in for the fixture's object and forwards to it once it exists.
 */
export function late<T extends object>(get: () => T): T {
  return new Proxy({} as T, {
    get: (_target, key) => {
      const target = get();
      const value = Reflect.get(target, key);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
