/**
 * A value built on its first use, then kept.
 *
 * Why: a zod schema is built through several layers of constructors, and at cold start all of that code
 * runs for the first time. Schemas that only a rarer path needs (an off-platform credential source, an
 * upstream's answer, a request body) are built when that path first runs, not while the function loads.
 *
 * @module
 */
export function lazy<T>(build: () => T): () => T {
  let built = false;
  let value: T;
  return () => {
    if (!built) {
      value = build();
      built = true;
    }
    return value;
  };
}
