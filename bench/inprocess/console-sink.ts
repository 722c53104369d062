/**
 * Where the in-process bundles' log lines go. The bundles log through `console.log` / `console.error`
 * (one JSON line per request), and their logger cannot be swapped from outside a bundle, so the bench
 * swaps the console functions instead:
 *
 * - `silent`: the line is built (JSON.stringify and a timestamp, inside the measurement) and dropped:
 *   console I/O is left out of the warm numbers, building the line is not. Only the last line is kept
 *   (for error messages), so tens of thousands of lines do not pile up and tax the GC.
 * - `devNull`: the line is written with a synchronous write(2) to /dev/null, which is what console.log
 *   does when stdout is a file: the cost of logging on, without a terminal's speed in the numbers.
 *
 * @module
 */
import { closeSync, openSync, writeSync } from 'node:fs';

export interface ConsoleSink {
  silent(): void;
  devNull(): void;
  /** The last line logged while silent. */
  last(): string;
  restore(): void;
}

export function takeOverConsole(): ConsoleSink {
  const original = { log: console.log, error: console.error, warn: console.warn, info: console.info };
  let kept = '';
  const fd = openSync('/dev/null', 'w');
  const keep = (line: unknown) => void (kept = String(line));
  const write = (line: unknown) => void writeSync(fd, `${String(line)}\n`);
  const use = (fn: (line: unknown) => void) => {
    console.log = fn;
    console.error = fn;
    console.warn = fn;
    console.info = fn;
  };
  use(keep);
  return {
    silent: () => use(keep),
    devNull: () => use(write),
    last: () => kept,
    restore: () => {
      Object.assign(console, original);
      closeSync(fd);
    },
  };
}
