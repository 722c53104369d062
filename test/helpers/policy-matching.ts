/**
 * The matching the test-only policy evaluators share, from the clouds' documented rules: `*` matches any
 * run of characters (`/` and `:` included), `?` exactly one, everything else literally; and a resource
 * name is compared field by field (the colon-separated parts before its relative path), so a `*` in one
 * field cannot swallow another.
 */

const compiled = new Map<string, RegExp>();

/** The pattern as an anchored regular expression (`flags`: e.g. `i` for case-insensitive actions). */
export function wildcard(pattern: string, flags = ''): RegExp {
  const id = `${flags}\u0000${pattern}`;
  let regex = compiled.get(id);
  if (!regex) {
    regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, `s${flags}`);
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(id, regex);
  }
  return regex;
}

/** `a:b:c:rest` split on the first `colons` colons only: the relative path may contain colons. */
export function fields(name: string, colons: number): string[] | undefined {
  const out: string[] = [];
  let rest = name;
  for (let i = 0; i < colons; i++) {
    const at = rest.indexOf(':');
    if (at < 0) return undefined;
    out.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  out.push(rest);
  return out;
}

/** Whether a resource pattern (`*` alone: everything) matches a resource name with `colons` colons before its path. */
export function resourceMatches(pattern: string, target: string, colons: number): boolean {
  if (pattern === '*') return true;
  const p = fields(pattern, colons);
  const t = fields(target, colons);
  if (!p || !t) return false;
  return p.every((field, i) => wildcard(field).test(t[i] as string));
}

const parsed = new Map<string, unknown>();

/**
 * The policy text as JSON, parsed once: the property tests ask thousands of questions of each policy. Callers must
 * not modify what they get.
 */
export function parsedPolicy<T>(text: string): T {
  let value = parsed.get(text);
  if (value === undefined) {
    value = JSON.parse(text);
    if (parsed.size > 1000) parsed.clear();
    parsed.set(text, value);
  }
  return value as T;
}
