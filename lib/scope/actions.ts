/**
 * The abstract storage actions a grant is made of. Each cloud's policy builder maps them to its own
 * action names; nothing else in the core knows those names.
 *
 * @module
 */

export const ACTIONS = ['get', 'put', 'delete', 'list'] as const;
export type Action = (typeof ACTIONS)[number];

export const isAction = (value: unknown): value is Action => (ACTIONS as readonly unknown[]).includes(value);

/** Deduplicated, in one fixed order: two requests for the same actions must share a cache entry. */
export const canonicalActions = (actions: Iterable<Action>): Action[] => {
  const wanted = new Set(actions);
  return ACTIONS.filter((action) => wanted.has(action));
};
