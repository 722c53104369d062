/**
 * Which Chromium the browser tests drive, in this order:
 * 1. `CHROMIUM_PATH`, when set (and it must exist: a wrong path is an error, not a reason to look elsewhere);
 * 2. a Chromium or Chrome installed on the system (the usual install paths, then the `PATH`);
 * 3. the headless Chromium inside the `@sparticuz/chromium` devDependency (Linux x64).
 * `CHROMIUM_SOURCE=system` or `=bundled` keeps to one of the last two (CI's newcomer run uses
 * `bundled` to prove the suite passes with no system browser).
 *
 * Nothing here downloads a browser. When none is found the error says what to set or install: a browser
 * suite that silently did not run would pass without testing anything.
 *
 * @module
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { z } from 'zod/mini';
import { BUNDLED_PACKAGE, bundledChromium, bundledUnavailable } from './bundled.js';

export interface FoundChromium {
  readonly executablePath: string;
  /** Where it came from, for error messages: `CHROMIUM_PATH`, `system` or the bundled package and version. */
  readonly source: string;
  /** Extra environment for the browser process. */
  readonly env: Readonly<Record<string, string>>;
}

/** Executable names a system browser goes by on the `PATH`. */
const SYSTEM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome'];
/** Where installers put one even when that folder is not on the `PATH`. */
export const SYSTEM_PATHS: readonly string[] = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/snap/bin/chromium',
  '/usr/bin/google-chrome',
  '/opt/google/chrome/chrome',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

const browserChoice = z.enum(['auto', 'system', 'bundled']);

/** `systemPaths` is for tests: the well-known install paths to look at before the `PATH`. */
export function findChromium(env: NodeJS.ProcessEnv = process.env, systemPaths = SYSTEM_PATHS): FoundChromium {
  const explicit = env.CHROMIUM_PATH;
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`CHROMIUM_PATH=${explicit} is not an executable file: point it at a Chromium or Chrome binary, or unset it`);
    return { executablePath: explicit, source: 'CHROMIUM_PATH', env: {} };
  }
  const parsed = browserChoice.safeParse(env.CHROMIUM_SOURCE ?? 'auto');
  if (!parsed.success) throw new Error(`CHROMIUM_SOURCE must be auto, system or bundled (got ${JSON.stringify(env.CHROMIUM_SOURCE)})`);
  const choice = parsed.data;

  if (choice !== 'bundled') {
    const system = systemChromium(env.PATH ?? '', systemPaths);
    if (system) return { executablePath: system, source: `system (${system})`, env: {} };
  }
  const unavailable = choice === 'system' ? 'CHROMIUM_SOURCE=system excludes it' : bundledUnavailable();
  if (!unavailable) {
    const bundled = bundledChromium();
    return { executablePath: bundled.executablePath, source: `${BUNDLED_PACKAGE} ${bundled.version}`, env: bundled.env };
  }
  throw new Error(
    [
      'No Chromium for the browser tests.',
      choice === 'bundled' ? '' : `  system: none of ${SYSTEM_NAMES.join(', ')} on the PATH, nor at ${systemPaths.join(', ')}`,
      `  bundled: ${unavailable}`,
      'Set CHROMIUM_PATH to a Chromium or Chrome binary, or install one (Debian/Ubuntu: `apt-get install chromium`),',
      `or on Linux x64 run \`npm install\` so the ${BUNDLED_PACKAGE} devDependency is there.`,
    ]
      .filter(Boolean)
      .join('\n'),
  );
}

/** The first system browser: the well-known install paths, then each `PATH` folder. */
export function systemChromium(path: string, systemPaths = SYSTEM_PATHS): string | undefined {
  const onPath = path
    .split(delimiter)
    .filter(Boolean)
    .flatMap((dir) => SYSTEM_NAMES.map((name) => join(dir, name)));
  return [...systemPaths, ...onPath].find(isExecutable);
}

function isExecutable(file: string): boolean {
  try {
    if (!existsSync(file) || !statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
