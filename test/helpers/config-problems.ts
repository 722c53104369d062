/** The variables a ConfigError names: what a deployer is told to fix. Fails when nothing is thrown. */
import { ConfigError } from '../../lib/errors.js';

export function problemVariables(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => p.variable);
    throw error;
  }
  throw new Error('expected a ConfigError');
}
