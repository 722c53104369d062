/**
 * One STS call per scope across every instance sharing state. The step after this instance's memory
 * cache missed:
 *
 *   stored by another instance and still worth reusing → use it
 *   else take the scope's lock → look again (stored meanwhile → use it), else call STS, store, release
 *   lock held elsewhere → poll for that instance's result until `waitUntil`; if its lock goes away with
 *   nothing stored (its STS call failed), try to take the lock again; past `waitUntil` → call STS here
 *   shared state unavailable at any point → call STS here, as without it
 *
 * @module
 */
import type { IssuedCredentials } from '../sts/types.js';
import type { SharedStore } from './types.js';

/**
 * Where the credentials came from: `shared` stored by another instance; `awaited` the same, after waiting
 * for its STS call; `issued` our STS call under the lock; `unshared` our STS call because the shared state
 * was unavailable; `waited-out` our STS call after the wait for another instance's ran out.
 */
export type SharedOutcome = 'shared' | 'awaited' | 'issued' | 'unshared' | 'waited-out';

export interface IssueOnceOptions {
  /** Until when (epoch ms) this request may wait for another instance's STS call. */
  readonly waitUntil: number;
  /** The longest a lock is held: more than one STS call with its retries takes, so it never ends mid-call. */
  readonly lockTtlMs: number;
  /** Reuse while more than this share of the lifetime remains (default 0.5, as the memory cache). */
  readonly minRemainingShare?: number;
  /** Between two looks for another instance's result (default 20 ms). */
  readonly pollMs?: number;
  readonly now?: () => number;
}

/** When credentials stop being worth handing out: once less than `minRemainingShare` of their lifetime remains. */
export const reusableUntil = (credentials: IssuedCredentials, minRemainingShare: number): number => {
  const expires = credentials.expiresAt.getTime();
  return expires - (expires - credentials.issuedAt.getTime()) * minRemainingShare;
};

export async function issueOnce(
  state: SharedStore,
  cacheKey: string,
  issue: () => Promise<IssuedCredentials>,
  options: IssueOnceOptions,
): Promise<{ credentials: IssuedCredentials; outcome: SharedOutcome }> {
  const now = options.now ?? Date.now;
  const share = options.minRemainingShare ?? 0.5;
  const pollMs = options.pollMs ?? 20;
  const reusable = (credentials: IssuedCredentials | undefined): credentials is IssuedCredentials =>
    credentials !== undefined && now() < reusableUntil(credentials, share);
  const issueAndStore = async (outcome: SharedOutcome) => {
    const credentials = await issue();
    await state.store(cacheKey, credentials, reusableUntil(credentials, share) - now());
    return { credentials, outcome };
  };

  let found = await state.lookup(cacheKey);
  if (!found) return { credentials: await issue(), outcome: 'unshared' };
  if (reusable(found.credentials)) return { credentials: found.credentials, outcome: 'shared' };
  for (;;) {
    if (!found.locked) {
      const attempt = await state.lock(cacheKey, options.lockTtlMs);
      if (!attempt) return issueAndStore('unshared');
      if (attempt.acquired) {
        try {
          // Between our look and our lock another instance may have called STS, stored and released: a
          // second look under the lock keeps that from becoming a second STS call for the same scope.
          const stored = await state.lookup(cacheKey);
          if (stored && reusable(stored.credentials)) return { credentials: stored.credentials, outcome: 'shared' };
          return await issueAndStore('issued');
        } finally {
          await attempt.release();
        }
      }
    }
    // Another instance is calling STS for this scope: its result is a poll away.
    const remaining = options.waitUntil - now();
    if (remaining <= 0) return issueAndStore('waited-out');
    await sleep(Math.min(pollMs, remaining));
    found = await state.lookup(cacheKey);
    if (!found) return { credentials: await issue(), outcome: 'unshared' };
    if (reusable(found.credentials)) return { credentials: found.credentials, outcome: 'awaited' };
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
