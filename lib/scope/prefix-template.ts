/**
 * A prefix template, such as `users/${sub}/` (or `users/{sub}/`), or `teams/${groups[]}/` for one prefix per
 * value of an array claim. Parsed once at cold start, rendered per request.
 *
 * Safety argument, which the checks below enforce:
 * - literal text may not contain wildcard or policy-meta characters, so the template cannot widen a grant;
 * - a claim value is one restricted segment (no `/`, no `*`, no `?`, not `.` or `..`), so it cannot
 *   escape its folder or match another user's; an array claim's values are each checked the same way;
 * - each placeholder is followed by `/` and the template ends with `/`, so one user's prefix is never a
 *   string prefix of another's (`users/a` would otherwise also match `users/ab/...`).
 *
 * @module
 */
import { insufficientScope } from '../errors.js';

type Part = { literal: string } | { claim: string; each: boolean };

export interface RenderOptions {
  /** Claim values longer than this are refused (default and upper bound {@link MAX_CLAIM_LENGTH}). */
  readonly maxClaimLength?: number;
  /** A cloud's own rule on claim values (Huawei refuses upper case): why this value is refused, or undefined. */
  readonly claimValueProblem?: (value: string) => string | undefined;
}

export interface PrefixTemplate {
  readonly source: string;
  readonly claims: readonly string[];
  /** The claim written `${claim[]}`, if any: the template then yields one prefix per value of that claim. */
  readonly arrayClaim: string | undefined;
  /**
   * The prefixes for verified claims: one, or one per value of the array claim (none when that claim is
   * absent or empty). Throws 403 insufficient_scope for an unusable claim value.
   */
  expand(claims: Readonly<Record<string, unknown>>, options?: RenderOptions): string[];
  /**
   * The rendering with every claim given a distinct value of `valueLength` characters and the array claim
   * `arrayValues` of them: the longest and most numerous prefixes the template can yield, for size checks.
   * `value(claim, index)` picks the value, so every template of a document draws from one pool.
   */
  sample(value: (claim: string, index: number) => string, arrayValues: number): string[];
}

/** A claim value allowed inside a path: one segment of plain characters. */
export const CLAIM_VALUE = /^[A-Za-z0-9._@-]{1,128}$/;
export const MAX_CLAIM_LENGTH = 128;
/** The most values an array claim may bring into one rule's prefixes. */
export const MAX_ARRAY_VALUES = 8;
const LITERAL = /^[A-Za-z0-9._@/=+-]*$/;
// `{claim}` is accepted as well as `${claim}`: Serverless Devs interpolates every `${...}` in s.yaml
// and has no escape for it, so a deployer could not otherwise set a template there.
const PLACEHOLDER = /\$?\{([A-Za-z_][A-Za-z0-9_]{0,63})(\[\])?\}/g;
const MAX_PREFIX_LENGTH = 1024;

/** Checks a rendered or requested prefix: relative, `/`-terminated, no empty, `.` or `..` segments. */
export function prefixProblem(prefix: string): string | undefined {
  if (prefix.length === 0) return 'must not be empty';
  if (prefix.length > MAX_PREFIX_LENGTH) return `must be at most ${MAX_PREFIX_LENGTH} characters`;
  if (!prefix.endsWith('/')) return 'must end with "/"';
  const segments = prefix.slice(0, -1).split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) {
    return 'must be a relative path without empty, "." or ".." segments';
  }
  return undefined;
}

/** Parses a template; returns a message instead when the template itself is unsafe. */
export function parsePrefixTemplate(source: string): PrefixTemplate | string {
  const parts: Part[] = [];
  let last = 0;
  for (const match of source.matchAll(PLACEHOLDER)) {
    parts.push({ literal: source.slice(last, match.index) }, { claim: match[1] as string, each: match[2] !== undefined });
    last = match.index + match[0].length;
    if (source[last] !== '/') return `placeholder ${match[0]} must be followed by "/"`;
  }
  parts.push({ literal: source.slice(last) });
  for (const part of parts) {
    if ('literal' in part && !LITERAL.test(part.literal)) {
      return 'may contain only letters, digits, "._@/=+-" and ${claim} or ${claim[]} placeholders';
    }
  }
  const placeholders = parts.filter((p): p is { claim: string; each: boolean } => 'claim' in p);
  const arrays = placeholders.filter((p) => p.each);
  // Two array claims would multiply (8 × 8 prefixes); one claim both ways has no single meaning.
  if (arrays.length > 1) return 'may hold at most one ${claim[]} placeholder';
  const arrayClaim = arrays[0]?.claim;
  if (placeholders.some((p) => !p.each && p.claim === arrayClaim)) {
    return `uses the claim "${arrayClaim}" both as \${${arrayClaim}} and as \${${arrayClaim}[]}`;
  }
  // Render with a harmless sample to check the shape every real rendering will have.
  const shape = prefixProblem(parts.map((p) => ('literal' in p ? p.literal : 'x')).join(''));
  if (shape) return shape;

  const join = (valueOf: (claim: string) => string) => parts.map((p) => ('literal' in p ? p.literal : valueOf(p.claim))).join('');

  const template: PrefixTemplate = {
    source,
    claims: placeholders.map((p) => p.claim),
    arrayClaim,
    expand(claims, options = {}) {
      const scalar = (claim: string): string => {
        const value = Object.hasOwn(claims, claim) ? claims[claim] : undefined;
        if (typeof value !== 'string') throw insufficientScope(`the token has no string claim "${claim}" for the prefix`);
        return checkedValue(claim, value, options);
      };
      if (arrayClaim === undefined) return [finished(join(scalar))];
      const values = arrayValues(arrayClaim, Object.hasOwn(claims, arrayClaim) ? claims[arrayClaim] : undefined, options);
      return values.map((value) => finished(join((claim) => (claim === arrayClaim ? value : scalar(claim)))));
    },
    sample(value, count) {
      const indexes = arrayClaim === undefined ? [0] : Array.from({ length: count }, (_, i) => i + 1);
      return indexes.map((i) => join((claim) => value(claim, claim === arrayClaim ? i : 0)));
    },
  };
  return template;
}

function checkedValue(claim: string, value: string, options: RenderOptions): string {
  if (!CLAIM_VALUE.test(value) || value === '.' || value === '..') {
    throw insufficientScope(`the "${claim}" claim cannot be used in a storage path`);
  }
  const max = options.maxClaimLength ?? MAX_CLAIM_LENGTH;
  if (value.length > max) throw insufficientScope(`the "${claim}" claim is over ${max} characters`);
  const problem = options.claimValueProblem?.(value);
  if (problem) throw insufficientScope(`the "${claim}" claim ${problem}`);
  return value;
}

/**
 * An array claim's values: absent or empty is none (identity providers often omit an empty group list),
 * a single string is one value, anything else must be an array of at most {@link MAX_ARRAY_VALUES}
 * distinct strings, each a usable path segment.
 */
function arrayValues(claim: string, raw: unknown, options: RenderOptions): string[] {
  if (raw === undefined || raw === null) return [];
  const list = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(list) || !list.every((v): v is string => typeof v === 'string')) {
    throw insufficientScope(`the "${claim}" claim is not a list of strings`);
  }
  const distinct = [...new Set(list)];
  if (distinct.length > MAX_ARRAY_VALUES) {
    throw insufficientScope(`the "${claim}" claim has ${distinct.length} values, over the ${MAX_ARRAY_VALUES} a rule takes`);
  }
  return distinct.map((value) => checkedValue(claim, value, options));
}

function finished(prefix: string): string {
  if (prefix.length > MAX_PREFIX_LENGTH) throw insufficientScope('the rendered prefix is too long');
  return prefix;
}
