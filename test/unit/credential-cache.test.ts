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

    expect((await cache.getOrIssue('k', issue)).outcome).toBe('miss');
    now += 449_000;
    const second = await cache.getOrIssue('k', issue);
    expect(second).toMatchObject({ outcome: 'hit', credentials: { accessKeyId: 'AK1' } });
    now += 2_000; // now past half of the lifetime
    const third = await cache.getOrIssue('k', issue);
    expect(third).toMatchObject({ outcome: 'miss', credentials: { accessKeyId: 'AK2' } });
    expect(calls).toBe(2);
  });

  it('keys are separate', async () => {
    const cache = new CredentialCache();
    let calls = 0;
    const issue = async () => issued(Date.now(), 900_000, `AK${++calls}`);
    await cache.getOrIssue('a', issue);
    await cache.getOrIssue('b', issue);
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
    const all = Promise.all(Array.from({ length: 20 }, () => cache.getOrIssue('k', issue)));
    release();
    const results = await all;
    expect(calls).toBe(1);
    expect(results.filter((r) => r.outcome === 'miss')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'shared')).toHaveLength(19);
  });

  it('does not cache failures: the next request tries again', async () => {
    const cache = new CredentialCache();
    await expect(cache.getOrIssue('k', async () => Promise.reject(new Error('sts down')))).rejects.toThrow('sts down');
    expect((await cache.getOrIssue('k', async () => issued(Date.now(), 900_000))).outcome).toBe('miss');
  });

  it('never stores credentials that are already past reuse, and evicts the least recently used', async () => {
    const cache = new CredentialCache({ maxEntries: 2 });
    await cache.getOrIssue('stale', async () => issued(Date.now() - 800_000, 900_000));
    expect(cache.size).toBe(0);
    const fresh = async () => issued(Date.now(), 900_000);
    await cache.getOrIssue('a', fresh);
    await cache.getOrIssue('b', fresh);
    await cache.getOrIssue('a', fresh); // touch a: b is now the oldest
    await cache.getOrIssue('c', fresh);
    expect(cache.size).toBe(2);
    expect((await cache.getOrIssue('a', fresh)).outcome).toBe('hit');
    expect((await cache.getOrIssue('b', fresh)).outcome).toBe('miss');
  });
});
