/**
 * Verified claims + the configured grant + the caller's optional narrowing → the scope to issue.
 * This is the one place that decides what a token may do; policy builders only translate it.
 *
 * @module
 */
import { insufficientScope, invalidRequest } from '../errors.js';
import { canonicalActions, type Action } from './actions.js';
import { roundDurationUp } from './duration-steps.js';
import { type PrefixTemplate, prefixProblem } from './prefix-template.js';
import type { ScopeRequest } from './scope-request.js';

/** What the deployment allows at most (from configuration). */
export interface Grant {
  readonly bucket: string;
  readonly region: string;
  readonly prefixTemplate: PrefixTemplate;
  readonly actions: readonly Action[];
  readonly durationSeconds: number;
}

/** What one token will allow: always a subset of the grant, rendered for one subject. */
export interface Scope {
  readonly subject: string;
  readonly bucket: string;
  readonly region: string;
  /** Relative object-key prefix ending in `/`; the token covers keys that start with it. */
  readonly prefix: string;
  readonly actions: readonly Action[];
  readonly durationSeconds: number;
}

/** The shortest lifetime every supported STS accepts. */
export const MIN_DURATION_SECONDS = 900;

/** Characters a requested sub-prefix may use beyond the granted one: no wildcards, no policy syntax. */
const REQUESTED_PREFIX = /^[A-Za-z0-9._@/=+-]+$/;

export function resolveScope(grant: Grant, claims: Readonly<Record<string, unknown>>, request: ScopeRequest): Scope {
  const subject = claims.sub;
  if (typeof subject !== 'string' || subject.length === 0) throw insufficientScope('the token has no subject');
  const granted = grant.prefixTemplate.render(claims);

  let prefix = granted;
  if (request.prefix !== undefined) {
    // Its form first: a malformed prefix is the caller's mistake (400) wherever it points; only a
    // well-formed one can ask for too much (403).
    const problem = REQUESTED_PREFIX.test(request.prefix) ? prefixProblem(request.prefix) : 'may contain only letters, digits and "._@/=+-"';
    if (problem) throw invalidRequest(`prefix ${problem}`);
    // The granted prefix is the caller's own (rendered from its verified claims), so it may be echoed.
    if (!request.prefix.startsWith(granted)) throw insufficientScope(`prefix must lie under the granted prefix "${granted}"`);
    prefix = request.prefix;
  }

  let actions = grant.actions;
  if (request.actions !== undefined) {
    const extra = request.actions.filter((a) => !grant.actions.includes(a));
    if (extra.length > 0) throw insufficientScope(`action not granted: ${canonicalActions(extra).join(', ')}`);
    actions = canonicalActions(request.actions);
  }

  let durationSeconds = grant.durationSeconds;
  if (request.durationSeconds !== undefined) {
    if (request.durationSeconds > grant.durationSeconds) {
      throw insufficientScope(`durationSeconds must not exceed ${grant.durationSeconds}`);
    }
    if (request.durationSeconds < MIN_DURATION_SECONDS) {
      throw invalidRequest(`durationSeconds must be at least ${MIN_DURATION_SECONDS}`);
    }
    durationSeconds = roundDurationUp(request.durationSeconds, grant.durationSeconds);
  }

  return { subject, bucket: grant.bucket, region: grant.region, prefix, actions, durationSeconds };
}
