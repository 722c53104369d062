/**
 * `npm run bench` (after `npm run build`): one full run, the report on stdout, progress on stderr,
 * every number in bench/results.json (rewritten each run; the committed copy is the run docs/performance.md
 * quotes). Goals that fail are reported, not turned into an exit code: the numbers are the output.
 *
 * @module
 */
import { writeFileSync } from 'node:fs';
import { runBench } from './bench.js';
import { FULL } from './config.js';
import { formatReport } from './report.js';

const RESULTS = new URL('./results.json', import.meta.url);

const results = await runBench(FULL, (message) => process.stderr.write(`bench: ${message}\n`));
writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`${formatReport(results)}\n\nWrote ${RESULTS.pathname}\n`);
