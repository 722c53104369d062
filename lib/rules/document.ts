/**
 * The rules document: which grants a token gets, chosen by its claims. Validated once, at cold start;
 * every problem is reported against the rule (by index and name) and the field that caused it.
 *
 * ```json
 * { "rules": [
 *   { "name": "own",     "prefix": "users/${sub}/", "actions": ["get", "put", "delete", "list"] },
 *   { "name": "team",    "when": { "claim": "groups", "includes": "editors" },
 *                        "prefix": "teams/${org}/", "actions": ["get", "put", "list"] },
 *   { "name": "avatars", "prefix": "avatars/${sub}/", "actions": ["put"],
 *                        "maxSize": 2097152, "contentTypes": ["image/png", "image/jpeg"] }
 * ], "maxClaimLength": 128 }
 * ```
 *
 * @module
 */
import * as z from 'zod/mini';
import { ACTIONS, type Action, canonicalActions } from '../scope/actions.js';
import { MAX_CLAIM_LENGTH, parsePrefixTemplate, type PrefixTemplate } from '../scope/prefix-template.js';
import { lazy } from '../lazy.js';
import { type Condition, parseCondition } from './conditions.js';

export interface Rule {
  readonly name: string;
  readonly prefix: PrefixTemplate;
  readonly actions: readonly Action[];
  readonly when?: Condition | undefined;
  /** Upload limits; only on rules that include `put`. */
  readonly maxSize?: number | undefined;
  readonly contentTypes?: readonly string[] | undefined;
}

/** Where the rules came from: the variable a configuration error names. */
export type RulesSource = 'TOKEN_RULES' | 'TOKEN_RULES_FILE' | 'TOKEN_ACCESS' | 'TOKEN_PREFIX';

export interface AccessRules {
  readonly rules: readonly Rule[];
  /** The longest claim value a prefix takes; longer values are refused (403). Bounds the worst-case policy. */
  readonly maxClaimLength: number;
  readonly source: RulesSource;
}

export const RULE_NAME = /^[a-z0-9-]{1,32}$/;
export const MAX_RULES = 16;
/** The largest single upload all three clouds accept (PutObject and PostObject: 5 GiB). */
export const MAX_UPLOAD_SIZE = 5 * 1024 ** 3;
/** `type/subtype` or `type/*`, lower case, RFC 6838 name characters; no parameters, no bare `*`. */
const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}\/(?:\*|[a-z0-9][a-z0-9!#$&^_.+-]{0,126})$/;
const CONTENT_TYPES = 'must be 1 to 16 distinct lower-case media types such as "image/png" or "image/*"';

const unique = <T>(list: readonly T[]) => new Set(list).size === list.length;
const ACTION_LIST = `must be an array of distinct actions: ${ACTIONS.join(', ')}`;
/** A whole number in a range; checked with one refinement, as the request body checks its numbers. */
const intIn = (min: number, max: number) => {
  const error = `must be a whole number from ${min} to ${max}`;
  return z.number({ error }).check(z.refine((n) => Number.isInteger(n) && n >= min && n <= max, error));
};

/**
 * A rule's fields; `prefix` and `when` are checked by their own parsers, which name the exact problem. Built
 * on first use: a deployment on the TOKEN_PREFIX shorthand never parses a document.
 */
const ruleSchema = lazy(() =>
  z.strictObject({
    name: z.string().check(z.regex(RULE_NAME, 'must be 1 to 32 characters of a-z, 0-9, "-"')),
    prefix: z.string(),
    actions: z.array(z.enum(ACTIONS, { error: ACTION_LIST }), { error: ACTION_LIST }).check(z.minLength(1, ACTION_LIST), z.refine(unique, ACTION_LIST)),
    when: z.optional(z.unknown()),
    maxSize: z.optional(intIn(1, MAX_UPLOAD_SIZE)),
    contentTypes: z.optional(
      z.array(z.string().check(z.regex(CONTENT_TYPE, CONTENT_TYPES)), { error: CONTENT_TYPES }).check(z.minLength(1, CONTENT_TYPES), z.maxLength(16, CONTENT_TYPES), z.refine(unique, CONTENT_TYPES)),
    ),
  }),
);

const documentSchema = lazy(() =>
  z.strictObject({
    rules: z.array(z.unknown()).check(z.minLength(1), z.maxLength(MAX_RULES)),
    maxClaimLength: z.optional(intIn(1, MAX_CLAIM_LENGTH)),
  }),
);

/**
 * The document as parsed JSON → validated rules. Returns the rules, or the problems, each naming the rule
 * and field (`rules[3] "avatars": maxSize: only a rule whose actions include "put" may limit uploads`).
 */
export function parseRulesDocument(input: unknown, source: RulesSource): AccessRules | string[] {
  const top = z.safeParse(documentSchema(), input);
  if (!top.success) return top.error.issues.map((issue) => describe(issue, input, `must be {"rules": [1 to ${MAX_RULES} rules], "maxClaimLength"?: 1 to ${MAX_CLAIM_LENGTH}}`));

  const problems: string[] = [];
  const rules: Rule[] = [];
  const names = new Map<string, number>();
  for (const [index, raw] of top.data.rules.entries()) {
    const name = (raw as { name?: unknown } | null)?.name;
    const where = `rules[${index}]${typeof name === 'string' ? ` "${name}"` : ''}: `;
    const parsed = z.safeParse(ruleSchema(), raw);
    if (!parsed.success) {
      problems.push(...parsed.error.issues.map((issue) => where + describe(issue, raw, 'must be an object with name, prefix and actions')));
      continue;
    }
    const rule = parsed.data;
    const fail = (problem: string) => problems.push(where + problem);
    const earlier = names.get(rule.name);
    if (earlier !== undefined) fail(`name: already used by rules[${earlier}]; names must be unique`);
    names.set(rule.name, index);
    const prefix = parsePrefixTemplate(rule.prefix);
    if (typeof prefix === 'string') fail(`prefix: ${prefix}`);
    const when = rule.when === undefined ? undefined : parseCondition(rule.when);
    if (typeof when === 'string') fail(when);
    // Limits are on uploads; on a rule that cannot upload they would silently mean nothing.
    for (const limit of ['maxSize', 'contentTypes'] as const) {
      if (rule[limit] !== undefined && !rule.actions.includes('put')) fail(`${limit}: only a rule whose actions include "put" may limit uploads`);
    }
    if (typeof prefix === 'string' || typeof when === 'string') continue;
    rules.push({ name: rule.name, prefix, actions: canonicalActions(rule.actions), when, maxSize: rule.maxSize, contentTypes: rule.contentTypes });
  }
  return problems.length > 0 ? problems : { rules, maxClaimLength: top.data.maxClaimLength ?? MAX_CLAIM_LENGTH, source };
}

/** One zod issue as `field: problem`; a problem with the value as a whole gets `whole`. */
function describe(issue: z.core.$ZodIssue, input: unknown, whole: string): string {
  const [field] = issue.path;
  if (issue.code === 'unrecognized_keys') return `unknown field ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
  if (typeof field !== 'string') return whole;
  return `${field}: ${!Object.hasOwn(input as object, field) ? 'is required' : issue.message === 'Invalid input' ? 'has the wrong type' : issue.message}`;
}
