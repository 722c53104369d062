/**
 * Deployments and scopes of one rule, for unit tests of the code that consumes them: the shape a
 * `TOKEN_PREFIX` / `TOKEN_ACTIONS` deployment has.
 */
import type { Action } from '../../lib/scope/actions.js';
import { parsePrefixTemplate, type PrefixTemplate } from '../../lib/scope/prefix-template.js';
import type { Grant, Scope } from '../../lib/scope/resolve-scope.js';

export function oneRuleGrant(prefix: string, actions: Action[], overrides: Partial<Omit<Grant, 'access'>> = {}): Grant {
  const template = parsePrefixTemplate(prefix);
  if (typeof template === 'string') throw new Error(template);
  return {
    bucket: 'media',
    region: 'cn-hangzhou',
    durationSeconds: 900,
    ...overrides,
    access: { rules: [{ name: 'default', prefix: template as PrefixTemplate, actions }], maxClaimLength: 128, source: 'TOKEN_PREFIX' },
  };
}

/** The scope a one-rule deployment resolves to: one grant, which is also its prefix and actions. */
export function oneGrantScope(fields: { subject: string; bucket: string; region: string; prefix: string; actions: readonly Action[]; durationSeconds: number }): Scope {
  return { ...fields, grants: [{ rule: 'default', prefix: fields.prefix, actions: fields.actions }] };
}
