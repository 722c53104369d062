// @ts-check
/**
 * How the demo page shows keys and time: masked so that no part of a secret or security token ever
 * reaches the page (screenshots, screen sharing, browser extensions reading the DOM), and a time left
 * that a person can read at a glance.
 *
 * @module
 */

/**
 * An access key id is not a secret, but whole it is half of a login: show just enough to tell two apart.
 * @param {string} id
 */
export function maskAccessKeyId(id) {
  return id.length > 8 ? `${id.slice(0, 4)}…${id.slice(-2)}` : '••••';
}

/**
 * Secrets and security tokens: only their length, never a character of them.
 * @param {string} value
 */
export function maskSecret(value) {
  return `•••• (${value.length} chars)`;
}

/**
 * Whole seconds until `expiresAtMs`, never negative.
 * @param {number} expiresAtMs
 * @param {number} nowMs
 */
export function secondsLeft(expiresAtMs, nowMs) {
  return Math.max(0, Math.floor((expiresAtMs - nowMs) / 1000));
}

/**
 * `59:58 (3598 s)`, or `1:00:00 (3600 s)` from an hour up; `expired` at zero.
 * @param {number} seconds
 */
export function formatTimeLeft(seconds) {
  if (seconds <= 0) return 'expired';
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  const clock = hours > 0 ? `${hours}:${pad(minutes)}:${pad(rest)}` : `${minutes}:${pad(rest)}`;
  return `${clock} (${seconds} s)`;
}

/** @param {number} value */
function pad(value) {
  return String(value).padStart(2, '0');
}
