/**
 * `TOKEN_RULES_FILE=rules.json npm run build`: the rules file is validated exactly as a function validates it at
 * cold start, and copied into every function's code directory (`dist/<cloud>/`, what each deploy manifest
 * uploads) at the same relative path, where the function reads it. A broken document fails the build.
 *
 * @module
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { present } from '../../lib/config/env.js';
import { ConfigError } from '../../lib/errors.js';
import { loadAccessRules } from '../../lib/rules/load.js';

/** Returns a line for the build report, or undefined when no rules file is set. Exits the build on a bad document. */
export function shipRulesFile(env: NodeJS.ProcessEnv, codeDirs: readonly string[]): string | undefined {
  const file = present(env, 'TOKEN_RULES_FILE');
  if (file === undefined) return undefined;
  try {
    const access = loadAccessRules({ TOKEN_RULES_FILE: file }, { codeDir: process.cwd() });
    for (const dir of codeDirs) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      copyFileSync(file, join(dir, file));
    }
    return `${file} (${access.rules.length} rules) copied into ${codeDirs.join(', ')}`;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`npm run build: ${error.message}`);
    process.exit(1);
  }
}
