import { describe, expect, it } from 'vitest';
import { CredentialCache } from '../../lib/cache/credential-cache.js';
import type { IssuedCredentials } from '../../lib/sts/types.js';

const issued = (issuedAt: number, lifetimeMs: number, id = 'AK'): IssuedCredentials => ({
  accessKeyId: id,
  accessKeySecret: 'secret',
  securityToken: 'token',
  issuedAt: new Date(issuedAt),
  expiresAt: new Date(issuedAt + lifetimeMs),
});

describe('CredentialCache', () => {
  it('reuses credentials while more than half their lifetime remains, then issues again', async () => {
    let now = 1_000_000;
    const cache = new CredentialCache({ now: () => now });
    let calls = 0;
    const issue = async () => issued(now, 900_000, `AK${++calls}`);

    expect((await cache.getOrIssue('k', 'owner', issue)).outcome).toBe('miss');
    now += 449_000;
    const second = await cache.getOrIssue('k', 'owner', issue);
    expect(second).toMatchObject({ outcome: 'hit', credentials: { accessKeyId: 'AK1' } });
    now += 2_000; // now past half of the lifetime
    const third = await cache.getOrIssue('k', 'owner', issue);
    expect(third).toMatchObject({ outcome: 'miss', credentials: { accessKeyId: 'AK2' } });
    expect(calls).toBe(2);
  });

  it('keys are separate', async () => {
    const cache = new CredentialCache();
    let calls = 0;
    const issue = async () => issued(Date.now(), 900_000, `AK${++calls}`);
    await cache.getOrIssue('a', 'owner', issue);
    await cache.getOrIssue('b', 'owner', issue);
    expect(calls).toBe(2);
  });

  it('shares one issue call among concurrent identical requests', async () => {
    const cache = new CredentialCache();
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const issue = async () => {
      calls += 1;
      await gate;
      return issued(Date.now(), 900_000);
    };
    const all = Promise.all(Array.from({ length: 20 }, () => cache.getOrIssue('k', 'owner', issue)));
    release();
    const results = await all;
    expect(calls).toBe(1);
    expect(results.filter((r) => r.outcome === 'miss')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'shared')).toHaveLength(19);
  });

  it('does not cache failures: the next request tries again', async () => {
    const cache = new CredentialCache();
    await expect(cache.getOrIssue('k', 'owner', async () => Promise.reject(new Error('sts down')))).rejects.toThrow('sts down');
    expect((await cache.getOrIssue('k', 'owner', async () => issued(Date.now(), 900_000))).outcome).toBe('miss');
  });

  it('never stores credentials that are already past reuse, and evicts the least recently used', async () => {
    const cache = new CredentialCache({ maxEntries: 2 });
    await cache.getOrIssue('stale', 'owner', async () => issued(Date.now() - 800_000, 900_000));
    expect(cache.size).toBe(0);
    const fresh = async () => issued(Date.now(), 900_000);
    await cache.getOrIssue('a', 'owner', fresh);
    await cache.getOrIssue('b', 'owner', fresh);
    await cache.getOrIssue('a', 'owner', fresh); // touch a: b is now the oldest
    await cache.getOrIssue('c', 'owner', fresh);
    expect(cache.size).toBe(2);
    expect((await cache.getOrIssue('a', 'owner', fresh)).outcome).toBe('hit');
    expect((await cache.getOrIssue('b', 'owner', fresh)).outcome).toBe('miss');
  });

  it('keeps at most maxEntriesPerOwner entries per owner, replacing that owner’s least recently used one', async () => {
    const cache = new CredentialCache({ maxEntriesPerOwner: 3 });
    const fresh = async () => issued(Date.now(), 900_000);
    for (const key of ['m1', 'm2', 'm3']) await cache.getOrIssue(key, 'mallory', fresh);
    await cache.getOrIssue('m1', 'mallory', fresh); // touch m1: m2 is now mallory's oldest
    await cache.getOrIssue('m4', 'mallory', fresh);
    expect(cache.sizeOf('mallory')).toBe(3);
    expect((await cache.getOrIssue('m1', 'mallory', fresh)).outcome).toBe('hit');
    expect((await cache.getOrIssue('m2', 'mallory', fresh)).outcome).toBe('miss');
  });

  it('a flooding owner never evicts another owner’s entry, even from a full cache', async () => {
    const cache = new CredentialCache({ maxEntries: 10, maxEntriesPerOwner: 8 });
    const fresh = async () => issued(Date.now(), 900_000);
    // Alice's entries are the least recently used of all when the flood starts.
    await cache.getOrIssue('a1', 'alice', fresh);
    await cache.getOrIssue('a2', 'alice', fresh);
    for (let i = 0; i < 300; i++) await cache.getOrIssue(`m${i}`, 'mallory', fresh);
    expect(cache.sizeOf('mallory')).toBe(8);
    expect(cache.sizeOf('alice')).toBe(2);
    expect((await cache.getOrIssue('a1', 'alice', fresh)).outcome).toBe('hit');
    expect((await cache.getOrIssue('a2', 'alice', fresh)).outcome).toBe('hit');
  });

  it('when the whole cache is full, an owner with entries recycles its own, and a newcomer takes the oldest overall', async () => {
    const cache = new CredentialCache({ maxEntries: 4, maxEntriesPerOwner: 3 });
    const fresh = async () => issued(Date.now(), 900_000);
    await cache.getOrIssue('a1', 'alice', fresh);
    await cache.getOrIssue('b1', 'bob', fresh);
    await cache.getOrIssue('b2', 'bob', fresh);
    await cache.getOrIssue('c1', 'carol', fresh);
    // Full. Bob (below his own cap) adds one: his oldest goes, not alice's a1, the oldest overall.
    await cache.getOrIssue('b3', 'bob', fresh);
    expect(cache.size).toBe(4);
    expect([cache.sizeOf('alice'), cache.sizeOf('bob'), cache.sizeOf('carol')]).toEqual([1, 2, 1]);
    expect((await cache.getOrIssue('b1', 'bob', fresh)).outcome).toBe('miss'); // b2 goes now, bob's oldest
    // Dave has nothing to recycle: the oldest entry overall (alice's a1, untouched since) makes room.
    await cache.getOrIssue('d1', 'dave', fresh);
    expect(cache.size).toBe(4);
    expect(cache.sizeOf('alice')).toBe(0);
    expect(cache.sizeOf('dave')).toBe(1);
  });
});
