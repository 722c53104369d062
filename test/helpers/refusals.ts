/** The typed error a call throws, for tests of refusals: fails the test when it throws nothing or something else. */
import { ConfigError, StsgateError } from '../../lib/errors.js';

function thrown<E>(fn: () => unknown, type: new (...args: never[]) => E): E {
  try {
    fn();
  } catch (error) {
    if (error instanceof type) return error;
    throw error;
  }
  throw new Error(`expected a ${type.name}`);
}

/** The 4xx a call refuses with. */
export const refusal = (fn: () => unknown): StsgateError => thrown(fn, StsgateError);

/** The cold-start configuration error a call throws. */
export const configError = (fn: () => unknown): ConfigError => thrown(fn, ConfigError);
