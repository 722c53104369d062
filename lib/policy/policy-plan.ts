/**
 * A scope's grants → the few statements a session policy needs, before any cloud's grammar: each cloud's
 * builder then writes one statement per group. As compact as the grammar allows, because every policy
 * language has a 2048-character budget:
 * - a prefix whose action another granted prefix already covers (`protected/` covers `protected/alice/`
 *   for `get`) is left out for that action;
 * - object actions are grouped into statements so that the text is shortest: a statement is its action
 *   names plus its resources, so prefixes share a statement where they share actions, and a prefix is
 *   split over two statements where repeating its resource costs less than another copy of long action
 *   names (COS spells out nine upload actions);
 * - every listed prefix goes into one listing statement's condition;
 * - limited uploads (COS only: other clouds' keys never carry a limited `put`) are grouped by their limits,
 *   and left out where an unlimited `put` already covers the prefix.
 *
 * @module
 */
import type { PrefixGrant } from '../rules/grants.js';
import type { Action } from '../scope/actions.js';

export type ObjectAction = Exclude<Action, 'list'>;

export interface PolicyPlan {
  /** Unlimited object actions, grouped: one statement each. */
  readonly objects: readonly { readonly actions: readonly ObjectAction[]; readonly prefixes: readonly string[] }[];
  /** Prefixes the keys may list. */
  readonly list: readonly string[];
  /** Uploads under size or type limits, one group per distinct limit. */
  readonly limitedPuts: readonly { readonly maxSize?: number | undefined; readonly contentTypes?: readonly string[] | undefined; readonly prefixes: readonly string[] }[];
}

/** What a statement costs in a cloud's grammar: its action names, and one resource. */
export interface PolicyCosts {
  actions(actions: readonly ObjectAction[]): number;
  resource(prefix: string): number;
}

/** Costs from a grammar's action names and resource names: characters of JSON, plus a statement's own frame. */
export const statementCosts = (names: (actions: readonly ObjectAction[]) => readonly string[], resource: (prefix: string) => string): PolicyCosts => ({
  actions: (actions) => JSON.stringify(names(actions)).length + 48,
  resource: (prefix) => resource(prefix).length + 3,
});

const OBJECT_ACTIONS: readonly ObjectAction[] = ['get', 'put', 'delete'];
/** Action sets as bit masks (get 1, put 2, delete 4) and back. */
const actionsOf = (mask: number) => OBJECT_ACTIONS.filter((_, i) => mask & (1 << i));

export function planPolicy(grants: readonly PrefixGrant[], costs: PolicyCosts): PolicyPlan {
  const limited = (g: PrefixGrant) => g.maxSize !== undefined || g.contentTypes !== undefined;
  const prefixesFor = (action: Action, which = (g: PrefixGrant) => !(action === 'put' && limited(g))) =>
    outermost(grants.filter((g) => g.actions.includes(action) && which(g)).map((g) => g.prefix));

  // Per prefix, in order of first appearance, the object actions no shorter prefix already grants.
  const masks = new Map<string, number>(grants.map((g) => [g.prefix, 0]));
  OBJECT_ACTIONS.forEach((action, i) => {
    for (const prefix of prefixesFor(action)) masks.set(prefix, (masks.get(prefix) as number) | (1 << i));
  });
  const needed = [...masks].filter(([, mask]) => mask > 0);

  // Which action sets get a statement: each prefix then uses the fewest of them that exactly make up its own
  // set. The cost of a choice depends only on the distinct sets in use, so the search runs over those (one
  // set, the common case, needs none), with every cost computed once, and keeps the cheapest.
  const distinct = [...new Set(needed.map(([, mask]) => mask))];
  const resourceCost = new Map<number, number>(distinct.map((m) => [m, 0]));
  for (const [prefix, mask] of needed) resourceCost.set(mask, (resourceCost.get(mask) as number) + costs.resource(prefix));
  const actionCost = [0, 1, 2, 3, 4, 5, 6, 7].map((m) => (m > 0 && distinct.some((d) => (d & m) === m) ? costs.actions(actionsOf(m)) : Infinity));
  let cover = new Map<number, number[]>(distinct.map((m) => [m, [m]]));
  if (distinct.length > 1) {
    let best = Infinity;
    for (let open = 1; open < 128; open++) {
      const usable = (m: number) => (open & (1 << (m - 1))) !== 0 && actionCost[m]! < Infinity;
      const chosen = new Map<number, number[]>();
      let cost = 0;
      for (const mask of distinct) {
        const parts = usable(mask) ? [mask] : splits(mask).find((p) => p.every(usable));
        if (!parts) {
          cost = Infinity;
          break;
        }
        chosen.set(mask, parts);
        cost += parts.length * (resourceCost.get(mask) as number);
      }
      for (const m of new Set([...chosen.values()].flat())) cost += actionCost[m]!;
      if (cost < best) [best, cover] = [cost, chosen];
    }
  }
  const blocks = new Map<number, string[]>();
  for (const [prefix, mask] of needed) for (const part of cover.get(mask) as number[]) blocks.set(part, [...(blocks.get(part) ?? []), prefix]);

  // Statements in the order their first prefix appears, as a one-rule policy has always been written.
  const order = needed.map(([prefix]) => prefix);
  const objects = [...blocks]
    .sort(([a, pa], [b, pb]) => order.indexOf(pa[0]!) - order.indexOf(pb[0]!) || actionsOf(b).length - actionsOf(a).length || a - b)
    .map(([mask, prefixes]) => ({ actions: actionsOf(mask), prefixes }));

  const unlimitedPut = prefixesFor('put');
  const limits = new Map<string, { maxSize?: number | undefined; contentTypes?: readonly string[] | undefined; prefixes: string[] }>();
  for (const g of grants) {
    if (!g.actions.includes('put') || !limited(g) || unlimitedPut.some((u) => g.prefix.startsWith(u))) continue;
    const key = JSON.stringify([g.maxSize, g.contentTypes]);
    limits.set(key, { maxSize: g.maxSize, contentTypes: g.contentTypes, prefixes: [...(limits.get(key)?.prefixes ?? []), g.prefix] });
  }
  const limitedPuts = [...limits.values()].map((group) => ({ ...group, prefixes: outermost(group.prefixes) }));

  return { objects, list: prefixesFor('list', () => true), limitedPuts };
}

/** The ways to split an action set into two or three disjoint non-empty parts, fewest parts first. */
function splits(mask: number): number[][] {
  const bits = [1, 2, 4].filter((b) => mask & b);
  const pairs = bits.length < 2 ? [] : bits.map((b) => [b, mask ^ b]);
  return bits.length === 3 ? [...pairs, bits] : pairs;
}

/** The prefixes no other one in the list contains (each ends in `/`, so "contains" is "starts with"), deduplicated, in order. */
function outermost(prefixes: readonly string[]): string[] {
  const distinct = [...new Set(prefixes)];
  return distinct.filter((p) => !distinct.some((q) => q !== p && p.startsWith(q)));
}
