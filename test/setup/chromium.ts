/**
 * vitest `globalSetup`: finds the browser for the browser suites once, before any test file runs, so the
 * one-time unpacking of the bundled Chromium (a few seconds, far more on a loaded machine) happens in one
 * process instead of racing in several workers against their hook timeouts. A failure is not reported
 * here: a run of unit tests alone needs no browser, and a browser suite that does gets the same
 * actionable error from `launchChromium()`.
 */
import { findChromium } from '../helpers/chromium/find.js';

export default function setup(): void {
  try {
    findChromium();
  } catch {
    // Reported by launchChromium() in the suites that need a browser.
  }
}
