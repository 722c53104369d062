/**
 * What function instances may share: issued credentials, a short lock per scope, and per-subject rate
 * counters. It sits behind each instance's own memory (the credential cache, the rate limits) and in front
 * of STS: memory → shared state → STS.
 *
 * The contract every implementation keeps: no method ever rejects, and each one settles within the
 * configured timeout. `undefined` means "nothing shared right now" (unreachable, slow, refusing, answering
 * nonsense), and the caller then does exactly what it would do without shared state.
 *
 * Keys are the caller's full cache keys, in the clear; an implementation must not store them so.
 *
 * @module
 */
import type { IssuedCredentials } from '../sts/types.js';
import type { IssueOnceOptions, SharedOutcome } from './issue-once.js';

export interface SharedLookup {
  /** What another instance stored for this cache key; the caller still decides whether it is worth reusing. */
  readonly credentials: IssuedCredentials | undefined;
  /** Whether some instance holds this key's lock, that is, is calling STS for it right now. */
  readonly locked: boolean;
}

export type LockAttempt =
  /** This caller holds the lock until it releases it or `ttlMs` passes, whichever comes first. */
  | { readonly acquired: true; release(): Promise<void> }
  /** Another instance holds it. */
  | { readonly acquired: false };

/** The primitives a backend provides. */
export interface SharedStore {
  /** Where the state lives, for logs and banners (never a password). */
  readonly location: string;
  /** One round trip: the stored credentials for this key, and whether its lock is held. */
  lookup(cacheKey: string): Promise<SharedLookup | undefined>;
  /** Stores credentials for `ttlMs`; resolves whether they were stored. */
  store(cacheKey: string, credentials: IssuedCredentials, ttlMs: number): Promise<boolean>;
  /** Tries to take the lock for this key, held at most `ttlMs`. */
  lock(cacheKey: string, ttlMs: number): Promise<LockAttempt | undefined>;
  /**
   * Takes one request from `subject`'s bucket of the named limit, shared by every instance: a bucket of
   * `perMinute` requests refilled at `perMinute` a minute, as `SubjectRateLimit` keeps in memory.
   * Resolves 0 when allowed, else the seconds until a request would be.
   */
  take(limit: string, subject: string, perMinute: number): Promise<number | undefined>;
  /** Closes the connection (tests and the local service; a function instance just ends). */
  close(): Promise<void>;
}

/** The primitives, and one STS call per scope across instances built on them (see issue-once.ts). */
export interface SharedState extends SharedStore {
  issueOnce(
    cacheKey: string,
    issue: () => Promise<IssuedCredentials>,
    options: IssueOnceOptions,
  ): Promise<{ credentials: IssuedCredentials; outcome: SharedOutcome }>;
}
