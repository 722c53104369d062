/**
 * The optional JSON body a caller may send to narrow its grant: `{"actions", "prefix", "durationSeconds", "rules"}`.
 * Shape errors are the caller's mistake (400); asking for more than the grant is a scope error (403),
 * decided later by {@link resolveScope} (which also checks the prefix's own form: 400 when malformed).
 *
 * @module
 */
import * as z from 'zod/mini';
import { jsonObjectBody, parsedBody } from '../request-body.js';
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
const ACTIONS_ARE = `actions must be an array of ${ACTIONS.map((a) => `"${a}"`).join(', ')}`;
const MAX_PREFIX_LENGTH = 1024;
const PREFIX_IS = `prefix must be a folder path ending with "/", at most ${MAX_PREFIX_LENGTH} characters`;
const DURATION_IS = 'durationSeconds must be a whole number of seconds (a JSON number such as 900)';

/** Each message names its field and says what it must be: it is all a developer sees of the problem. */
const scopeRequestSchema = lazy(() =>
  z.strictObject({
    actions: z.optional(
      z.array(z.enum(ACTIONS, { error: ACTIONS_ARE }), { error: ACTIONS_ARE }).check(
        z.minLength(1, 'actions must not be empty: leave the field out for every granted action'),
        z.maxLength(ACTIONS.length * 4, 'actions has too many entries'),
      ),
    ),
    prefix: z.optional(
      z.string({ error: PREFIX_IS }).check(z.minLength(1, PREFIX_IS), z.maxLength(MAX_PREFIX_LENGTH, `prefix must be at most ${MAX_PREFIX_LENGTH} characters`)),
    ),
    // Any whole number passes here; its range (900 up to the grant) is the scope's to judge.
    durationSeconds: z.optional(z.number({ error: DURATION_IS }).check(z.refine(Number.isInteger, DURATION_IS))),
    rules: z.optional(z.array(z.string().check(z.regex(RULE_NAME, RULES_ARE)), { error: RULES_ARE }).check(z.minLength(1, RULES_ARE), z.maxLength(MAX_RULES, RULES_ARE))),
  }),
);

/** Parses the request body; an absent or blank body asks for the whole grant. */
export function parseScopeRequest(body: string | undefined): ScopeRequest {
  if (body === undefined || body.trim() === '') return {};
  return parsedBody(scopeRequestSchema(), jsonObjectBody(body, '{"prefix": "…"}, or empty'));
}
