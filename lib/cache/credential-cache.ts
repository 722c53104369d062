/**
 * Issued credentials, kept per scope and reused while more than half of their lifetime remains, which
 * is when the clouds recommend refreshing. Identical concurrent requests share one STS call. Aliyun
 * allows 100 AssumeRole calls per second per account, so this is what keeps a page-load burst of one
 * user's tabs from spending the whole account's quota.
 *
 * Bounded: least recently used entries go first, so a flood of distinct subjects cannot grow memory
 * without limit.
 *
 * @module
 */
import type { IssuedCredentials } from '../sts/types.js';

export type CacheOutcome = 'hit' | 'miss' | 'shared';

export interface CredentialCacheOptions {
  maxEntries?: number;
  /** Share of the lifetime that must remain for reuse (default 0.5). */
  minRemainingShare?: number;
  now?: () => number;
}

export class CredentialCache {
  readonly #entries = new Map<string, IssuedCredentials>();
  readonly #pending = new Map<string, Promise<IssuedCredentials>>();
  readonly #maxEntries: number;
  readonly #minRemainingShare: number;
  readonly #now: () => number;

  constructor(options: CredentialCacheOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#minRemainingShare = options.minRemainingShare ?? 0.5;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  async getOrIssue(key: string, issue: () => Promise<IssuedCredentials>): Promise<{ credentials: IssuedCredentials; outcome: CacheOutcome }> {
    const cached = this.#entries.get(key);
    if (cached && this.#reusable(cached)) {
      // Re-insert to mark as most recently used.
      this.#entries.delete(key);
      this.#entries.set(key, cached);
      return { credentials: cached, outcome: 'hit' };
    }
    if (cached) this.#entries.delete(key);

    const pending = this.#pending.get(key);
    if (pending) return { credentials: await pending, outcome: 'shared' };

    const call = issue();
    this.#pending.set(key, call);
    try {
      const credentials = await call;
      this.#store(key, credentials);
      return { credentials, outcome: 'miss' };
    } finally {
      this.#pending.delete(key);
    }
  }

  #reusable(credentials: IssuedCredentials): boolean {
    const issued = credentials.issuedAt.getTime();
    const expires = credentials.expiresAt.getTime();
    return this.#now() < expires - (expires - issued) * this.#minRemainingShare;
  }

  #store(key: string, credentials: IssuedCredentials): void {
    if (!this.#reusable(credentials)) return;
    this.#entries.set(key, credentials);
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }
}
