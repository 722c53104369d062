/**
 * How long to wait before the next attempt: exponential backoff with full jitter, so a crowd of clients
 * that failed together does not retry together, raised to the server's `Retry-After` when it sent one.
 *
 * @module
 */

export interface BackoffSettings {
  readonly baseBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly random: () => number;
}

/** `attempt` is the attempt that just failed, from 1. */
export function backoffDelay(attempt: number, retryAfterMs: number | undefined, settings: BackoffSettings): number {
  const ceiling = Math.min(settings.maxBackoffMs, settings.baseBackoffMs * 2 ** (attempt - 1));
  const jittered = clampUnit(settings.random()) * ceiling;
  return Math.min(settings.maxBackoffMs, Math.max(jittered, retryAfterMs ?? 0));
}

/** `Retry-After` in seconds, as stsgate sends it; the HTTP-date form and nonsense are ignored. */
export function parseRetryAfter(header: string | null): number | undefined {
  if (header === null || !/^\s*\d+\s*$/.test(header)) return undefined;
  return Number(header.trim()) * 1000;
}

/** An injected `random` that strays outside [0, 1) must not produce a negative or oversized wait. */
function clampUnit(value: number): number {
  return Number.isFinite(value) ? Math.min(Math.max(value, 0), 1) : 0;
}
