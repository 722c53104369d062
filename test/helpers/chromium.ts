/**
 * Headless Chromium for the browser tests, driven by playwright-core (which never downloads a browser).
 * Which binary is found, and what to set when none is: `./chromium/find.ts`.
 *
 * @module
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { findChromium } from './chromium/find.js';

/**
 * Launches headless Chromium. The background-networking switches keep it from calling Google's
 * services, which an offline machine refuses (and which would make runs slow and noisy). These are our
 * own flags on purpose: a serverless preset would add `--disable-web-security`, which turns off the very
 * CORS checks the browser tests exist to exercise.
 */
export async function launchChromium(): Promise<Browser> {
  const found = findChromium();
  try {
    return await chromium.launch({
      executablePath: found.executablePath,
      env: { ...process.env, ...found.env },
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
  } catch (error) {
    throw new Error(
      `Chromium from ${found.source} did not start: ${(error as Error).message}\n` +
        'Set CHROMIUM_PATH to another Chromium or Chrome binary, or CHROMIUM_SOURCE=bundled to use the one from npm.',
      { cause: error },
    );
  }
}

/** About 1 MB/s up: a body of a few hundred KB takes long enough for the browser to report upload progress several times. */
export async function throttleUplink(page: Page, bytesPerSecond = 1024 * 1024): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: bytesPerSecond });
}
