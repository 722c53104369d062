/**
 * Which code was measured: the commit, and whether the sources that go into the bundles (lib/,
 * functions/, the build script, the lockfile) differed from it. Null outside a git checkout.
 *
 * @module
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface Revision {
  readonly commit: string;
  /** Bundle sources changed relative to the commit when the bench ran. */
  readonly uncommittedBundleChanges: boolean;
}

const REPO = fileURLToPath(new URL('../', import.meta.url));

export function sourceRevision(): Revision | null {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const commit = git('rev-parse', 'HEAD');
    const changed = git('status', '--porcelain', '--', 'lib', 'functions', 'scripts/build.ts', 'package-lock.json');
    return { commit, uncommittedBundleChanges: changed.length > 0 };
  } catch {
    return null;
  }
}
