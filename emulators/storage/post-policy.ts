/**
 * The POST Object policy document the three services share in shape: a base64 JSON object with an ISO 8601
 * `expiration` and a list of `conditions` on the form's fields, and the evaluation of those conditions
 * against a form. Each condition is either `{"field": "value"}` (exact match), `["eq" | "starts-with",
 * "$field", "value"]`, `["in" | "not-in", "$field", ["v1", …]]` or `["content-length-range", min, max]`;
 * which operators a service accepts is its grammar (OSS documents all five; COS and OBS exact, prefix and
 * range). Field names are compared without regard to case, values exactly.
 *
 * What a service says when a condition fails, and which fields it demands or exempts, stay in the stand-in
 * of that service.
 *
 * @module
 */
import { isPlainObject } from '../shared/json-body.js';

export type MatchOperator = 'eq' | 'starts-with' | 'in' | 'not-in';

export type PolicyCondition =
  | {
      readonly kind: 'field';
      readonly operator: MatchOperator;
      /** Lowercase, without `$`. */
      readonly field: string;
      /** A string for `eq` and `starts-with`, a list for `in` and `not-in`. */
      readonly expected: string | readonly string[];
    }
  | { readonly kind: 'content-length-range'; readonly min: number; readonly max: number };

export interface PostPolicy {
  /** ms since the epoch. */
  readonly expiresAt: number;
  readonly conditions: readonly PolicyCondition[];
}

/** Which operators a service's policy grammar has. */
export interface PolicyGrammar {
  readonly operators: ReadonlySet<MatchOperator>;
}

/** Why a form does not meet a policy: a field's condition, or the file's size against the range. */
export type UnmetCondition =
  | { readonly reason: 'mismatch'; readonly condition: Extract<PolicyCondition, { kind: 'field' }> }
  | { readonly reason: 'too-large' | 'too-small'; readonly condition: Extract<PolicyCondition, { kind: 'content-length-range' }> };

/** ISO 8601 in UTC, with or without milliseconds: the forms the services document for `expiration`. */
const EXPIRATION = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;

/** The UTF-8 text a base64 `policy` field holds, or undefined when it is not strict base64 of UTF-8. */
export function decodePolicyField(base64: string): string | undefined {
  if (base64 === '' || base64.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(base64, 'base64'));
  } catch {
    return undefined;
  }
}

/** The policy a document's text states, or what is wrong with it (for the service's InvalidPolicyDocument). */
export function parsePostPolicy(text: string, grammar: PolicyGrammar): PostPolicy | string {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return 'the policy is not JSON';
  }
  if (!isPlainObject(document)) return 'the policy is not a JSON object';
  const { expiration, conditions } = document;
  if (typeof expiration !== 'string' || !EXPIRATION.test(expiration) || !Number.isFinite(Date.parse(expiration))) {
    return 'the policy has no valid ISO 8601 UTC expiration';
  }
  if (!Array.isArray(conditions) || conditions.length === 0) return 'the policy has no conditions';
  const parsed: PolicyCondition[] = [];
  for (const [index, condition] of conditions.entries()) {
    const result = parseCondition(condition, grammar);
    if (typeof result === 'string') return `conditions[${index}]: ${result}`;
    parsed.push(result);
  }
  return { expiresAt: Date.parse(expiration), conditions: parsed };
}

function parseCondition(condition: unknown, grammar: PolicyGrammar): PolicyCondition | string {
  if (isPlainObject(condition)) {
    const entries = Object.entries(condition);
    if (entries.length !== 1) return 'an exact-match condition must name exactly one field';
    const [field, expected] = entries[0]!;
    if (typeof expected !== 'string') return `the value for ${field} must be a string`;
    return { kind: 'field', operator: 'eq', field: field.toLowerCase(), expected };
  }
  if (!Array.isArray(condition) || condition.length !== 3 || typeof condition[0] !== 'string') return 'a condition must be an object or a three-element list';
  const [name, first, second] = condition as [string, unknown, unknown];
  const operator = name.toLowerCase();
  if (operator === 'content-length-range') {
    if (!isByteCount(first) || !isByteCount(second) || second < first) return 'content-length-range needs two byte counts, min <= max';
    return { kind: 'content-length-range', min: first, max: second };
  }
  if (!isMatchOperator(operator) || !grammar.operators.has(operator)) return `the operator ${name} is not supported`;
  if (typeof first !== 'string' || !first.startsWith('$') || first.length < 2) return `${name} needs a "$field" name`;
  const isList = operator === 'in' || operator === 'not-in';
  const valid = isList ? Array.isArray(second) && second.length > 0 && second.every((item) => typeof item === 'string') : typeof second === 'string';
  if (!valid) return `${name} needs ${isList ? 'a list of strings' : 'a string'}`;
  return { kind: 'field', operator, field: first.slice(1).toLowerCase(), expected: second as string | string[] };
}

function isByteCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isMatchOperator(value: string): value is MatchOperator {
  return value === 'eq' || value === 'starts-with' || value === 'in' || value === 'not-in';
}

/**
 * The first condition, in the policy's order, that the form does not meet. `valueOf(field)` is the form's
 * value for a lowercase field name (undefined when the form lacks it); a condition on an absent field is
 * not met, except `not-in`, which an absent value cannot break.
 */
export function firstUnmetCondition(policy: PostPolicy, valueOf: (field: string) => string | undefined, fileSize: number): UnmetCondition | undefined {
  for (const condition of policy.conditions) {
    if (condition.kind === 'content-length-range') {
      if (fileSize > condition.max) return { reason: 'too-large', condition };
      if (fileSize < condition.min) return { reason: 'too-small', condition };
    } else if (!meets(condition, valueOf(condition.field))) {
      return { reason: 'mismatch', condition };
    }
  }
  return undefined;
}

function meets(condition: Extract<PolicyCondition, { kind: 'field' }>, value: string | undefined): boolean {
  const { operator, expected } = condition;
  if (operator === 'not-in') return value === undefined || !(expected as readonly string[]).includes(value);
  if (value === undefined) return false;
  switch (operator) {
    case 'eq':
      return value === expected;
    case 'starts-with':
      return value.startsWith(expected as string);
    case 'in':
      return (expected as readonly string[]).includes(value);
  }
}

/** The lowercase names of the fields some condition of the policy speaks of. */
export function conditionedFields(policy: PostPolicy): Set<string> {
  return new Set(policy.conditions.flatMap((condition) => (condition.kind === 'field' ? [condition.field] : [])));
}

/** A condition as the policy wrote it, for messages; `redact(field)` hides values that must not be echoed. */
export function describeCondition(condition: PolicyCondition, redact: (field: string) => boolean): string {
  if (condition.kind === 'content-length-range') return JSON.stringify(['content-length-range', condition.min, condition.max]);
  const expected = redact(condition.field) ? '[redacted]' : condition.expected;
  return JSON.stringify([condition.operator, `$${condition.field}`, expected]);
}
