/**
 * A rule's `when`: which tokens the rule applies to, decided on the token's verified claims only.
 *
 *   {"claim": C, "equals": V}     the claim is exactly V (a string, number or boolean)
 *   {"claim": C, "includes": V}   an array claim contains V, or a string claim equals V
 *   {"claim": C, "exists": true}  the claim is present (`false`: absent)
 *   {"all": [...]} / {"any": [...]}
 *
 * `C` is a top-level claim name, or an array of keys into nested objects (`["realm_access", "roles"]`).
 * There are no dotted paths, because claim names such as `https://example.com/roles` contain dots.
 *
 * @module
 */

export type ClaimPath = string | readonly string[];
export type ClaimScalar = string | number | boolean;

export type Condition =
  | { readonly claim: ClaimPath; readonly equals: ClaimScalar }
  | { readonly claim: ClaimPath; readonly includes: ClaimScalar }
  | { readonly claim: ClaimPath; readonly exists: boolean }
  | { readonly all: readonly Condition[] }
  | { readonly any: readonly Condition[] };

/** Bounds that keep a condition cheap to evaluate on every request. */
const MAX_DEPTH = 4;
const MAX_LIST = 16;
const MAX_PATH = 8;
const MAX_TEXT = 256;

/** Whether the condition holds for these claims. */
export function holds(condition: Condition, claims: Readonly<Record<string, unknown>>): boolean {
  if ('all' in condition) return condition.all.every((c) => holds(c, claims));
  if ('any' in condition) return condition.any.some((c) => holds(c, claims));
  const value = readClaim(claims, condition.claim);
  if ('exists' in condition) return (value !== undefined && value !== null) === condition.exists;
  if ('equals' in condition) return value === condition.equals;
  return Array.isArray(value) ? value.includes(condition.includes) : typeof value === 'string' && value === condition.includes;
}

/** The claim at `path`, following own properties of plain objects only (never a prototype, never into arrays). */
export function readClaim(claims: Readonly<Record<string, unknown>>, path: ClaimPath): unknown {
  let value: unknown = claims;
  for (const key of typeof path === 'string' ? [path] : path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * Checks a parsed JSON value as a condition. Returns the condition, or where and why it is not one
 * (`when.all[1].claim: …`), so a cold-start error can name the field.
 */
export function parseCondition(input: unknown, at = 'when', depth = 1): Condition | string {
  const fields = (typeof input === 'object' && input !== null && !Array.isArray(input) ? input : {}) as Record<string, unknown>;
  const [test, ...others] = Object.keys(fields).filter((k) => k !== 'claim');
  const value = fields[test as string];
  const claim = fields.claim;
  const shape = `${at}: must be {"claim", "equals"|"includes"|"exists"} or {"all"|"any": [1 to ${MAX_LIST} conditions]}, nested at most ${MAX_DEPTH} deep`;
  if (others.length > 0) return shape;
  if ((test === 'all' || test === 'any') && claim === undefined && Array.isArray(value) && value.length > 0 && value.length <= MAX_LIST && depth < MAX_DEPTH) {
    const list: Condition[] = [];
    for (const [i, item] of value.entries()) {
      const condition = parseCondition(item, `${at}.${test}[${i}]`, depth + 1);
      if (typeof condition === 'string') return condition;
      list.push(condition);
    }
    return test === 'all' ? { all: list } : { any: list };
  }
  // `groups[]` is template syntax: a condition reads an array claim as it is, with `includes`.
  const name = (key: unknown) => typeof key === 'string' && key.length > 0 && key.length <= MAX_TEXT && !key.endsWith('[]');
  if (test !== 'equals' && test !== 'includes' && test !== 'exists') return shape;
  if (!(name(claim) || (Array.isArray(claim) && claim.length > 0 && claim.length <= MAX_PATH && claim.every(name)))) {
    return `${at}.claim: must be a claim name (no "[]"), or an array of up to ${MAX_PATH} keys for a nested claim`;
  }
  const path = claim as ClaimPath;
  if (test === 'exists') return typeof value === 'boolean' ? { claim: path, exists: value } : `${at}.exists: must be true or false`;
  if (!(typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && value.length <= MAX_TEXT))) {
    return `${at}.${test}: must be a string, number or boolean`;
  }
  return test === 'equals' ? { claim: path, equals: value } : { claim: path, includes: value };
}
