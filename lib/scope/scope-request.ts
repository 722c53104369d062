/**
 * The optional JSON body a caller may send to narrow its grant: `{"actions", "prefix", "durationSeconds", "rules"}`.
 * Shape errors are the caller's mistake (400); asking for more than the grant is a scope error (403),
 * decided later by {@link resolveScope}.
 *
 * @module
 */
import * as z from 'zod/mini';
import { invalidRequest } from '../errors.js';
import { ACTIONS, type Action } from './actions.js';
import { lazy } from '../lazy.js';
import { MAX_RULES, RULE_NAME } from '../rules/document.js';

export interface ScopeRequest {
  actions?: Action[];
  prefix?: string;
  durationSeconds?: number;
  /** Only these rules' grants (by rule name). */
  rules?: string[];
}

const RULES_ARE = `rules must be an array of 1 to ${MAX_RULES} rule names`;

const scopeRequestSchema = lazy(() =>
  z.strictObject({
    actions: z.optional(
      z.array(z.enum(ACTIONS, { error: `actions must be among ${ACTIONS.join(', ')}` })).check(
        z.minLength(1, 'actions must not be empty'),
        z.maxLength(ACTIONS.length * 4, 'actions has too many entries'),
      ),
    ),
    prefix: z.optional(z.string().check(z.minLength(1), z.maxLength(1024))),
    durationSeconds: z.optional(z.int().check(z.positive())),
    rules: z.optional(z.array(z.string().check(z.regex(RULE_NAME)), { error: RULES_ARE }).check(z.minLength(1, RULES_ARE), z.maxLength(MAX_RULES, RULES_ARE))),
  }),
);

/** Parses the request body; an absent or blank body asks for the whole grant. */
export function parseScopeRequest(body: string | undefined): ScopeRequest {
  if (body === undefined || body.trim() === '') return {};
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw invalidRequest('the request body is not valid JSON');
  }
  const result = z.safeParse(scopeRequestSchema(), json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    // Field names come from the caller: echo a few, briefly, never a whole oversized body back.
    const named = (keys: string[]) => keys.slice(0, 3).map((k) => JSON.stringify(k.length > 40 ? `${k.slice(0, 40)}…` : k)).join(', ');
    const what = issue?.code === 'unrecognized_keys' ? `unknown field ${named(issue.keys)}${issue.keys.length > 3 ? ', …' : ''}` : issue?.message;
    throw invalidRequest(`invalid request body: ${where}${what ?? 'not an object'}`);
  }
  return result.data;
}
