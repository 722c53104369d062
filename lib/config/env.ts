/**
 * Reading environment variables through zod schemas, so that every problem is reported against the
 * variable that caused it.
 *
 * @module
 */
import * as z from 'zod/mini';
import { ConfigError } from '../errors.js';

// zod compiles a fast path for each object schema (with `new Function`) the first time it parses one.
// A token function parses each schema a few times per cold start, where that compile costs more than it
// saves, and it needs code generation from strings, which a locked-down runtime may forbid. This module is
// imported before any schema is parsed, so the setting covers every parse.
z.config({ jitless: true });

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Platforms and shells hand us `""` for "set but empty"; a deployer means "unset" by it, so an empty or
 * whitespace-only value counts as absent (and a required variable reports "is required").
 */
export const present = (env: Env, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value ? value : undefined;
};

/**
 * The named variables' values as {@link present} reads them; throws a ConfigError naming every one that is a deploy
 * tool's unexpanded placeholder rather than a value.
 */
export function presentValues<N extends string>(env: Env, names: readonly N[]): Record<N, string | undefined> {
  const values = {} as Record<N, string | undefined>;
  const unexpanded: { variable: string; message: string }[] = [];
  for (const name of names) {
    const value = (values[name] = present(env, name));
    if (value !== undefined && UNEXPANDED_PLACEHOLDER.test(value)) {
      unexpanded.push({ variable: name, message: 'is an unexpanded ${env(...)} placeholder: set it in the environment you deploy from' });
    }
  }
  if (unexpanded.length > 0) throw new ConfigError(unexpanded);
  return values;
}

/** Parses the named variables with one schema each; throws a ConfigError naming every variable that failed. */
export function readEnv<S extends Record<string, z.ZodMiniType>>(
  env: Env,
  shape: S,
): { [K in keyof S]: z.output<S[K]> } {
  const input = presentValues(env, Object.keys(shape));
  const result = z.safeParse(z.object(shape), input);
  if (result.success) return result.data as { [K in keyof S]: z.output<S[K]> };
  throw new ConfigError(
    result.error.issues.map((issue) => ({
      variable: String(issue.path[0] ?? 'environment'),
      message: issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message,
    })),
  );
}

/**
 * Serverless Devs' older engine (the FunctionGraph component) deploys an unset `${env(NAME)}` as that
 * literal text, which some variables (an issuer, an audience) would otherwise accept as a value.
 */
const UNEXPANDED_PLACEHOLDER = /\$\{env[.(]/;

/** `a, b,,c` → `['a', 'b', 'c']`: deployers paste lists with spaces, and a stray comma is not a value. */
export const commaList = (value: string): string[] =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

/** A required non-empty string. */
export const requiredString = () => z.string().check(z.minLength(1));

/**
 * An optional integer in a range, written in decimal digits only (no `1e3`, no `0x10`, no `""` → 0); up to
 * 15 digits, so every value is exact (byte counts such as 5368709120 included).
 */
export const optionalInt = (min: number, max: number, fallback: number) =>
  z.pipe(
    z.optional(z.string().check(z.regex(/^\d{1,15}$/, 'must be a whole number'))),
    z.transform((value, ctx) => {
      const n = value === undefined ? fallback : Number(value);
      if (n < min || n > max) {
        ctx.issues.push({ code: 'custom', input: value, message: `must be between ${min} and ${max}` });
        return z.NEVER;
      }
      return n;
    }),
  );

/**
 * Runs every loader even when an earlier one fails, so one cold start reports every bad variable; throws
 * one ConfigError with all their problems, or returns each loader's result by name.
 */
export function loadAll<L extends Record<string, () => unknown>>(loaders: L): { [K in keyof L]: ReturnType<L[K]> } {
  const problems: ConfigError['problems'][number][] = [];
  const out: Record<string, unknown> = {};
  for (const [name, load] of Object.entries(loaders)) {
    try {
      out[name] = load();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as { [K in keyof L]: ReturnType<L[K]> };
}
