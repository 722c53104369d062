/**
 * Debian's Chromium, headless, driven by playwright-core. Never a browser that a tool downloads: the
 * binary comes from the system (`apt-get install chromium`, done by `.ci/run`), or `CHROMIUM_PATH`.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Where the system Chromium lives; undefined when it is not installed. */
export function chromiumPath(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((path): path is string => Boolean(path) && existsSync(path as string));
}

/**
 * Launches headless Chromium. The background-networking switches keep it from calling Google's
 * services, which this offline machine refuses (and which would make runs slow and noisy).
 * Throws with an actionable message when Chromium is missing, rather than skipping: a browser test
 * that silently does not run would pass CI without testing anything.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('Chromium not found: run `apt-get install chromium` (as .ci/run does) or set CHROMIUM_PATH');
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}
