/**
 * Verified claims + the deployment's rules + the caller's optional narrowing → the scope to issue.
 * This is the one place that decides what a token may do; policy builders only translate it.
 *
 * Several grants, narrowed in this order:
 * 1. the grants of every rule whose `when` holds (none: 403, no STS call);
 * 2. `rules`: keep only the named rules' grants; a name that does not apply to the token is 403;
 * 3. `prefix`: keep the grants whose prefix contains the requested one, each narrowed to it; none is 403;
 * 4. `actions`: each grant keeps the requested actions it has; an action no grant has is 403;
 * 5. on clouds whose key policies cannot hold upload limits, a limited rule's `put` is taken out of the
 *    keys (its uploads go through signed uploads); asking for that `put` is then 403;
 * 6. `durationSeconds`, as for one grant.
 *
 * @module
 */
import { insufficientScope, invalidRequest } from '../errors.js';
import type { AccessRules } from '../rules/document.js';
import { applicableGrants, hasUploadLimits, type PrefixGrant } from '../rules/grants.js';
import { type Action, canonicalActions } from './actions.js';
import { roundDurationUp } from './duration-steps.js';
import { prefixProblem } from './prefix-template.js';
import type { ScopeRequest } from './scope-request.js';

/** What the deployment allows at most (from configuration). */
export interface Grant {
  readonly bucket: string;
  readonly region: string;
  readonly access: AccessRules;
  readonly durationSeconds: number;
}

/** What one token will allow: always a subset of the rules, rendered for one subject. */
export interface Scope {
  readonly subject: string;
  readonly bucket: string;
  readonly region: string;
  /** Every prefix the keys act on, with its actions and limits, in rule order. */
  readonly grants: readonly PrefixGrant[];
  /** The first grant the keys can act on: its prefix and actions (a one-rule deployment's whole grant). */
  readonly prefix: string;
  readonly actions: readonly Action[];
  readonly durationSeconds: number;
}

/** What a cloud's key policies can express, which decides step 5 and the claim values a prefix may take. */
export interface KeyPolicyTraits {
  /** The cloud that issues the keys, for messages. */
  readonly cloud: string;
  /** Whether a key policy can limit upload size and type (COS can; OSS and OBS cannot). */
  readonly uploadLimitsInPolicy: boolean;
  /** A claim value the cloud's policies cannot tell apart from another's: why it is refused, or undefined. */
  readonly claimValueProblem?: ((value: string) => string | undefined) | undefined;
}

/** The shortest lifetime every supported STS accepts. */
export const MIN_DURATION_SECONDS = 900;

/** Characters a requested sub-prefix may use beyond the granted one: no wildcards, no policy syntax. */
const REQUESTED_PREFIX = /^[A-Za-z0-9._@/=+-]+$/;

export function resolveScope(grant: Grant, claims: Readonly<Record<string, unknown>>, request: ScopeRequest, traits: KeyPolicyTraits): Scope {
  const subject = claims.sub;
  if (typeof subject !== 'string' || subject.length === 0) throw insufficientScope('the token has no subject');
  let grants = applicableGrants(grant.access, claims, { claimValueProblem: traits.claimValueProblem });
  if (grants.length === 0) throw insufficientScope('no access rule applies to this token');

  if (request.rules !== undefined) {
    const picked = request.rules;
    const absent = picked.filter((name) => !grants.some((g) => g.rule === name));
    if (absent.length > 0) throw insufficientScope(`rules not applying to this token: ${absent.join(', ')}`);
    grants = grants.filter((g) => picked.includes(g.rule));
  }

  if (request.prefix !== undefined) {
    const requested = request.prefix;
    // Its form first: a malformed prefix is the caller's mistake (400) wherever it points; only a
    // well-formed one can ask for too much (403).
    const problem = REQUESTED_PREFIX.test(requested) ? prefixProblem(requested) : 'may contain only letters, digits and "._@/=+-"';
    if (problem) throw invalidRequest(`prefix ${problem}`);
    const covering = grants.filter((g) => requested.startsWith(g.prefix));
    // The granted prefixes are the caller's own (rendered from its verified claims), so they may be echoed.
    const granted = [...new Set(grants.map((g) => `"${g.prefix}"`))];
    if (covering.length === 0) throw insufficientScope(`prefix must lie under ${granted.length > 1 ? 'one of the granted prefixes' : 'the granted prefix'} ${granted.join(', ')}`);
    grants = covering.map((g) => ({ ...g, prefix: requested }));
  }

  if (request.actions !== undefined) {
    const wanted = canonicalActions(request.actions);
    const missing = wanted.filter((a) => !grants.some((g) => g.actions.includes(a)));
    if (missing.length > 0) throw insufficientScope(`action not granted: ${missing.join(', ')}`);
    grants = grants.map((g) => ({ ...g, actions: g.actions.filter((a) => wanted.includes(a)) })).filter((g) => g.actions.length > 0);
  }

  grants = keyGrants(grants, traits);
  const primary = grants.find((g) => g.actions.length > 0);
  if (primary === undefined || (request.actions?.includes('put') && !grants.some((g) => g.actions.includes('put')))) {
    throw insufficientScope(`${traits.cloud} keys cannot enforce the upload limits of ${grants.filter((g) => g.signedUploads).map((g) => g.rule).join(', ')}: use a signed upload`);
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

  return { subject, bucket: grant.bucket, region: grant.region, grants, prefix: primary.prefix, actions: primary.actions, durationSeconds };
}

/**
 * Step 5, the grants as this cloud's keys can hold them: a limit no condition in the key policy can hold
 * is never dropped silently. The grant stays (so the answer shows where uploads must go instead), without `put`.
 */
export function keyGrants(grants: readonly PrefixGrant[], traits: Pick<KeyPolicyTraits, 'uploadLimitsInPolicy'>): PrefixGrant[] {
  if (traits.uploadLimitsInPolicy) return [...grants];
  return grants.map((g) => (hasUploadLimits(g) && g.actions.includes('put') ? { ...g, actions: g.actions.filter((a) => a !== 'put'), signedUploads: true as const } : g));
}
