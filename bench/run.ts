/**
 * `npm run bench` (after `npm run build`): one full run, the report on stdout, progress on stderr, every
 * number in bench/out/results.json (git-ignored). `npm run bench -- --save` writes the tracked
 * bench/results.json instead: the run docs/performance.md quotes, committed on purpose (see ./output.ts).
 * Goals that fail are reported, not turned into an exit code: the numbers are the output.
 *
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import { runBench } from './bench.js';
import { FULL } from './config.js';
import { resultsFile } from './output.js';
import { formatReport } from './report.js';

// Read before measuring, so a mistyped flag costs nothing.
let file: string;
try {
  file = fileURLToPath(resultsFile(process.argv.slice(2)));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
}

const results = await runBench(FULL, (message) => process.stderr.write(`bench: ${message}\n`));
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`${formatReport(results)}\n\nWrote ${file}\n`);
