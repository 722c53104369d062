/**
 * Where `npm run bench` writes: by default somewhere git ignores, so measuring never leaves the tree
 * dirty; only `--save` writes the tracked bench/results.json; a mistyped flag is refused before the run.
 */
import { execFileSync } from 'node:child_process';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PUBLISHED_RESULTS, resultsFile, SCRATCH_RESULTS } from '../../bench/output.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const inRepo = (file: URL) => relative(REPO, fileURLToPath(file));
/** Exit status of `git check-ignore`: 0 when git ignores the path, 1 when it does not. */
function ignoredByGit(file: URL): boolean {
  try {
    execFileSync('git', ['check-ignore', '--quiet', '--no-index', inRepo(file)], { cwd: REPO, stdio: 'ignore' });
    return true;
  } catch (error) {
    if ((error as { status?: number }).status === 1) return false;
    throw error;
  }
}

describe('bench results file', () => {
  it('is bench/out/results.json by default, which git ignores', () => {
    expect(inRepo(resultsFile([]))).toBe('bench/out/results.json');
    expect(ignoredByGit(SCRATCH_RESULTS)).toBe(true);
  });

  it('is the tracked bench/results.json with --save', () => {
    expect(resultsFile(['--save'])).toBe(PUBLISHED_RESULTS);
    expect(inRepo(PUBLISHED_RESULTS)).toBe('bench/results.json');
    expect(ignoredByGit(PUBLISHED_RESULTS)).toBe(false);
    expect(execFileSync('git', ['ls-files', '--error-unmatch', 'bench/results.json'], { cwd: REPO, encoding: 'utf8' }).trim()).toBe('bench/results.json');
  });

  it.each([['--sav'], ['save'], ['--save=yes'], ['--out', 'x.json']])('refuses %s before measuring anything, with the usage', (...args) => {
    expect(() => resultsFile(args)).toThrow(/npm run bench: .*Usage: npm run bench \[-- --save\]/);
  });
});
