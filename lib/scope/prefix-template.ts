/**
 * The per-user prefix template, such as `users/${sub}/` (or `users/{sub}/`). Parsed once at cold start, rendered per request.
 *
 * Safety argument, which the checks below enforce:
 * - literal text may not contain wildcard or policy-meta characters, so the template cannot widen a grant;
 * - a claim value is one restricted segment (no `/`, no `*`, no `?`, not `.` or `..`), so it cannot
 *   escape its folder or match another user's;
 * - each placeholder is followed by `/` and the template ends with `/`, so one user's prefix is never a
 *   string prefix of another's (`users/a` would otherwise also match `users/ab/...`).
 *
 * @module
 */
import { insufficientScope } from '../errors.js';

type Part = { literal: string } | { claim: string };

export interface PrefixTemplate {
  readonly source: string;
  readonly claims: readonly string[];
  /** Renders the prefix for verified claims; throws 403 insufficient_scope for an unusable claim value. */
  render(claims: Readonly<Record<string, unknown>>): string;
}

/** A claim value allowed inside a path: one segment of plain characters. */
export const CLAIM_VALUE = /^[A-Za-z0-9._@-]{1,128}$/;
const LITERAL = /^[A-Za-z0-9._@/=+-]*$/;
// `{claim}` is accepted as well as `${claim}`: Serverless Devs interpolates every `${...}` in s.yaml
// and has no escape for it, so a deployer could not otherwise set a template there.
const PLACEHOLDER = /\$?\{([A-Za-z_][A-Za-z0-9_]{0,63})\}/g;
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
    parts.push({ literal: source.slice(last, match.index) }, { claim: match[1] as string });
    last = match.index + match[0].length;
    if (source[last] !== '/') return `placeholder \${${match[1]}} must be followed by "/"`;
  }
  parts.push({ literal: source.slice(last) });
  for (const part of parts) {
    if ('literal' in part && !LITERAL.test(part.literal)) {
      return 'may contain only letters, digits, "._@/=+-" and ${claim} placeholders';
    }
  }
  // Render with a harmless sample to check the shape every real rendering will have.
  const shape = prefixProblem(parts.map((p) => ('literal' in p ? p.literal : 'x')).join(''));
  if (shape) return shape;

  const claims = parts.flatMap((p) => ('claim' in p ? [p.claim] : []));
  return {
    source,
    claims,
    render(values) {
      let out = '';
      for (const part of parts) {
        if ('literal' in part) {
          out += part.literal;
          continue;
        }
        const value = Object.hasOwn(values, part.claim) ? values[part.claim] : undefined;
        if (typeof value !== 'string') {
          throw insufficientScope(`the token has no string claim "${part.claim}" for the prefix`);
        }
        if (!CLAIM_VALUE.test(value) || value === '.' || value === '..') {
          throw insufficientScope(`the "${part.claim}" claim cannot be used in a storage path`);
        }
        out += value;
      }
      if (out.length > MAX_PREFIX_LENGTH) throw insufficientScope('the rendered prefix is too long');
      return out;
    },
  };
}
