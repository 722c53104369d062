/**
 * The one-STS-call-per-scope protocol on an in-memory store, with the interleavings a loaded deployment
 * produces forced one at a time (the Redis suites exercise the same protocol over real connections).
 */
import { describe, expect, it } from 'vitest';
import { issueOnce } from '../../lib/state/issue-once.js';
import type { LockAttempt, SharedLookup, SharedStore } from '../../lib/state/types.js';
import type { IssuedCredentials } from '../../lib/sts/types.js';

const t0 = Date.now();
const credentialsNo = (n: number): IssuedCredentials => ({
  accessKeyId: `STS.KEY${n}`,
  accessKeySecret: `secret-${n}`,
  securityToken: `token-${n}`,
  issuedAt: new Date(t0 - 1000),
  expiresAt: new Date(t0 + 900_000),
});

/** One Redis's worth of state, in memory; `beforeLock` runs just before a lock is taken. */
function memoryStore(hooks: { beforeLock?: () => Promise<void> } = {}) {
  const values = new Map<string, IssuedCredentials>();
  const locks = new Set<string>();
  const store: SharedStore = {
    location: 'memory',
    async lookup(key): Promise<SharedLookup> {
      return { credentials: values.get(key), locked: locks.has(key) };
    },
    async store(key, credentials) {
      values.set(key, credentials);
      return true;
    },
    async lock(key): Promise<LockAttempt> {
      await hooks.beforeLock?.();
      if (locks.has(key)) return { acquired: false };
      locks.add(key);
      return { acquired: true, release: async () => void locks.delete(key) };
    },
    async take() {
      return 0;
    },
    async close() {},
  };
  return { store, values, locks };
}

const options = () => ({ waitUntil: Date.now() + 2000, lockTtlMs: 5000, pollMs: 5 });

describe('issueOnce', () => {
  it('a scope another instance stored between our look and our lock: used, no second STS call', async () => {
    let stsCalls = 0;
    const issue = async () => credentialsNo(++stsCalls);
    let other: Promise<unknown> | undefined;
    const { store } = memoryStore({
      // The other instance runs its whole look-lock-issue-store-release here, after our look found nothing.
      beforeLock: async () => {
        if (other) return;
        other = issueOnce(store, 'scope', issue, options());
        await other;
      },
    });
    const ours = await issueOnce(store, 'scope', issue, options());
    expect(stsCalls).toBe(1);
    expect(ours).toEqual({ credentials: credentialsNo(1), outcome: 'shared' });
    expect(await other).toEqual({ credentials: credentialsNo(1), outcome: 'issued' });
  });

  it('nothing stored under the lock: one STS call, stored, lock released', async () => {
    let stsCalls = 0;
    const { store, values, locks } = memoryStore();
    const result = await issueOnce(store, 'scope', async () => credentialsNo(++stsCalls), options());
    expect(result.outcome).toBe('issued');
    expect(stsCalls).toBe(1);
    expect(values.get('scope')).toEqual(result.credentials);
    expect(locks.size).toBe(0);
  });

  it('stored keys past their reuse point are replaced under the lock, not handed out', async () => {
    const { store, values } = memoryStore();
    const old = { ...credentialsNo(0), issuedAt: new Date(Date.now() - 800_000), expiresAt: new Date(Date.now() + 100_000) };
    values.set('scope', old);
    const result = await issueOnce(store, 'scope', async () => credentialsNo(7), options());
    expect(result).toEqual({ credentials: credentialsNo(7), outcome: 'issued' });
  });

  it('a lock held elsewhere: waits for its result rather than calling STS', async () => {
    const { store, values, locks } = memoryStore();
    locks.add('scope');
    setTimeout(() => {
      values.set('scope', credentialsNo(3));
      locks.delete('scope');
    }, 30);
    let stsCalls = 0;
    const result = await issueOnce(store, 'scope', async () => credentialsNo(++stsCalls), options());
    expect(result).toEqual({ credentials: credentialsNo(3), outcome: 'awaited' });
    expect(stsCalls).toBe(0);
  });
});
