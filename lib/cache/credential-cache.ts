/**
 * Issued credentials, kept per scope and reused while more than half of their lifetime remains, which
 * is when the clouds recommend refreshing. Identical concurrent requests share one STS call. Aliyun
 * allows 100 AssumeRole calls per second per account, so this is what keeps a page-load burst of one
 * user's tabs from spending the whole account's quota.
 *
 * Bounded twice, so that no one subject can push everyone else out:
 * - each owner (the JWT subject) keeps at most `maxEntriesPerOwner` entries; a new one replaces that
 *   owner's least recently used entry;
 * - all owners together keep at most `maxEntries`; when full, an owner that already has entries
 *   replaces its own least recently used one, and only an owner with none takes the place of the
 *   least recently used entry overall.
 * A subject flooding distinct scopes therefore only ever evicts its own entries.
 *
 * @module
 */
import type { IssuedCredentials } from '../sts/types.js';

export type CacheOutcome = 'hit' | 'miss' | 'shared';

export interface CredentialCacheOptions {
  maxEntries?: number;
  /** Entries one owner may hold at once (default 8). */
  maxEntriesPerOwner?: number;
  /** Share of the lifetime that must remain for reuse (default 0.5). */
  minRemainingShare?: number;
  now?: () => number;
}

interface Entry {
  readonly owner: string;
  readonly credentials: IssuedCredentials;
}

export class CredentialCache {
  /** Every entry, least recently used first. */
  readonly #entries = new Map<string, Entry>();
  /** Each owner's keys, least recently used first. */
  readonly #byOwner = new Map<string, Set<string>>();
  readonly #pending = new Map<string, Promise<IssuedCredentials>>();
  readonly #maxEntries: number;
  readonly #maxEntriesPerOwner: number;
  readonly #minRemainingShare: number;
  readonly #now: () => number;

  constructor(options: CredentialCacheOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#maxEntriesPerOwner = options.maxEntriesPerOwner ?? 8;
    this.#minRemainingShare = options.minRemainingShare ?? 0.5;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Entries `owner` holds now. */
  sizeOf(owner: string): number {
    return this.#byOwner.get(owner)?.size ?? 0;
  }

  /**
   * The credentials cached under `key`, or those of the one `issue()` call for it (shared by everyone
   * asking meanwhile). `key` must be unique across owners; `owner` is whose share of the cache it uses.
   */
  async getOrIssue(key: string, owner: string, issue: () => Promise<IssuedCredentials>): Promise<{ credentials: IssuedCredentials; outcome: CacheOutcome }> {
    const cached = this.#entries.get(key);
    if (cached && this.#reusable(cached.credentials)) {
      this.#touch(key, cached);
      return { credentials: cached.credentials, outcome: 'hit' };
    }
    if (cached) this.#delete(key, cached.owner);

    const pending = this.#pending.get(key);
    if (pending) return { credentials: await pending, outcome: 'shared' };

    const call = issue();
    this.#pending.set(key, call);
    try {
      const credentials = await call;
      this.#store(key, owner, credentials);
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

  /** Re-inserting marks an entry most recently used, overall and within its owner. */
  #touch(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    const keys = this.#byOwner.get(entry.owner);
    keys?.delete(key);
    keys?.add(key);
  }

  #store(key: string, owner: string, credentials: IssuedCredentials): void {
    if (!this.#reusable(credentials)) return;
    const previous = this.#entries.get(key);
    if (previous) this.#delete(key, previous.owner);
    let keys = this.#byOwner.get(owner);
    // Make room before adding: first within the owner's own share, then, if the whole cache is full,
    // from the owner's own entries when it has any, and only otherwise from the oldest entry overall.
    if (keys && keys.size >= this.#maxEntriesPerOwner) this.#delete(oldest(keys), owner);
    if (this.#entries.size >= this.#maxEntries) {
      if (keys && keys.size > 0) this.#delete(oldest(keys), owner);
      else {
        const victim = oldest(this.#entries.keys());
        this.#delete(victim, (this.#entries.get(victim) as Entry).owner);
      }
    }
    keys = this.#byOwner.get(owner);
    if (!keys) this.#byOwner.set(owner, (keys = new Set()));
    keys.add(key);
    this.#entries.set(key, { owner, credentials });
  }

  #delete(key: string, owner: string): void {
    this.#entries.delete(key);
    const keys = this.#byOwner.get(owner);
    if (!keys) return;
    keys.delete(key);
    if (keys.size === 0) this.#byOwner.delete(owner);
  }
}

const oldest = (keys: Iterable<string>): string => keys[Symbol.iterator]().next().value as string;
