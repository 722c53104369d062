/**
 * The largest session policy a deployment's rules can ever produce on one cloud: every rule applying,
 * every claim value at the longest a prefix takes (`maxClaimLength`, or less where the cloud's resources
 * cannot hold more, as on Huawei), every array claim at its 8 values, all distinct, so no prefix hides
 * inside another. If that policy does not fit, the function refuses to start: no policy it builds later
 * can be larger, so none is ever sent that STS would refuse.
 *
 * @module
 */
import type { CloudPlugin } from '../clouds/types.js';
import { ConfigError, isStsgateError } from '../errors.js';
import type { AccessRules } from '../rules/document.js';
import type { PrefixGrant } from '../rules/grants.js';
import { MAX_ARRAY_VALUES } from '../scope/prefix-template.js';
import { type Grant, keyGrants, type Scope } from '../scope/resolve-scope.js';

/** The longest prefix a request may name anywhere (`prefixProblem`). */
const MAX_PREFIX_LENGTH = 1024;

/**
 * Every rule's prefixes with the longest, most numerous claim values that still fit in `maxPrefixLength`
 * (at least one character each: a template that cannot fit even so is left too long, for the policy
 * builder to refuse).
 */
export function worstCaseGrants(access: AccessRules, maxPrefixLength = MAX_PREFIX_LENGTH): PrefixGrant[] {
  const slots = new Map<string, string>();
  return access.rules.flatMap((rule) => {
    const template = rule.prefix;
    const literal = template.sample(() => '', 1)[0]!.length;
    const length = Math.max(1, Math.min(access.maxClaimLength, Math.floor((maxPrefixLength - literal) / template.claims.length)));
    // A distinct value per claim and array index (base 36, padded), so no two prefixes coincide by chance.
    const value = (claim: string, i: number) => {
      const key = `${claim}[${i}]`;
      const label = slots.get(key) ?? slots.size.toString(36);
      slots.set(key, label);
      return label.padEnd(length, 'x').slice(0, length);
    };
    return template.sample(value, MAX_ARRAY_VALUES).map((prefix) => ({
      rule: rule.name,
      prefix,
      actions: rule.actions,
      maxSize: rule.maxSize,
      contentTypes: rule.contentTypes,
    }));
  });
}

/**
 * Builds the worst-case policy for `cloud`; throws a ConfigError naming the rules variable and the rule
 * with the largest part when it does not fit. Returns the policy text (undefined when the keys get nothing).
 */
export function worstCasePolicy<C>(cloud: CloudPlugin<C>, config: C, grant: Grant): string | undefined {
  const { access } = grant;
  const worst = worstCaseGrants(access, cloud.maxPrefixLength?.(grant));
  const build = (grants: readonly PrefixGrant[]) => {
    const held = keyGrants(grants, cloud).filter((g) => g.actions.length > 0);
    const first = held[0];
    if (first === undefined) return undefined;
    const scope: Scope = { subject: 'worst-case', bucket: grant.bucket, region: grant.region, grants: held, prefix: first.prefix, actions: first.actions, durationSeconds: grant.durationSeconds };
    return cloud.sessionPolicy(scope, config);
  };
  try {
    return build(worst);
  } catch (error) {
    if (!isStsgateError(error)) throw error;
    // Each rule's own part of the worst case (too large on its own counts as largest).
    const sizes = access.rules.map((rule) => {
      try {
        return build(worst.filter((g) => g.rule === rule.name))?.length ?? 0;
      } catch {
        return Infinity;
      }
    });
    const i = sizes.indexOf(Math.max(...sizes));
    throw new ConfigError([
      {
        variable: access.source,
        message: `the largest session policy these rules can produce does not fit on ${cloud.id} (${error.description}); the largest part is rules[${i}] "${access.rules[i]!.name}": lower maxClaimLength, or use fewer rules, actions or \${claim[]} values`,
      },
    ]);
  }
}
