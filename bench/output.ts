/**
 * Where `npm run bench` writes its results. By default into `bench/out/` (git-ignored), so a run leaves
 * the working tree clean; `--save` writes the tracked `bench/results.json` instead, for a run that is
 * meant to be published (the figures the documentation quotes) and committed on purpose.
 *
 * @module
 */
import { parseArgs } from 'node:util';

export const SCRATCH_RESULTS = new URL('./out/results.json', import.meta.url);
export const PUBLISHED_RESULTS = new URL('./results.json', import.meta.url);

/** The results file for these command-line arguments; anything but `--save` is refused, naming it. */
export function resultsFile(args: readonly string[]): URL {
  try {
    const { values } = parseArgs({ args: [...args], options: { save: { type: 'boolean', default: false } }, strict: true, allowPositionals: false });
    return values.save ? PUBLISHED_RESULTS : SCRATCH_RESULTS;
  } catch (error) {
    throw new Error(`npm run bench: ${(error as Error).message}. Usage: npm run bench [-- --save]`, { cause: error });
  }
}
