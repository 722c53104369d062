/**
 * What Redis holds and what is taken back out of it: ciphertext only under opaque names, and nothing
 * that fails to open under this deployment's keys for exactly this cache key is ever used.
 */
import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { redisAvailable } from '../helpers/redis-server.js';
import { cacheKeyFor, newEncryptionKey, redisSuite, sampleCredentials, type StateOptions } from '../helpers/shared-state-fixture.js';

const run = redisAvailable('shared state on Redis: storage and encryption');

describe.runIf(run)('shared state on Redis: storage and encryption', () => {
  const suite = redisSuite();
  let admin: Redis;
  const open = async (options: StateOptions = {}) => (await suite.instances(1, { timeoutMs: 50, ...options }))[0]!;

  beforeAll(() => void (admin = suite.redis.admin()));

  /** Every key and value in Redis, as raw bytes. */
  async function everything(): Promise<Buffer[]> {
    const keys = await admin.keysBuffer('*');
    const values = await Promise.all(keys.map((key) => admin.dumpBuffer(key)));
    return [...keys, ...values.filter((v): v is Buffer => v !== null)];
  }

  it('stores credentials, reads them back, and holds only ciphertext under opaque names', async () => {
    const { state, logs } = await open();
    const subject = 'alice.cleartext@example.com';
    const credentials = sampleCredentials();
    expect(await state.store(cacheKeyFor(subject), credentials, 60_000)).toBe(true);
    await state.take('requests', subject, 10);
    const lock = await state.lock(cacheKeyFor(subject), 5_000);
    expect(lock?.acquired).toBe(true);

    expect(await state.lookup(cacheKeyFor(subject))).toEqual({ credentials, locked: true });
    const stored = await everything();
    expect(stored.length).toBeGreaterThanOrEqual(6);
    for (const bytes of stored) {
      for (const clear of [subject, 'alice', credentials.accessKeyId, credentials.accessKeySecret, credentials.securityToken, 'users/', 'media']) {
        expect(bytes.includes(clear), `"${clear}" found in Redis`).toBe(false);
      }
    }
    expect(await admin.keys('*')).toEqual(expect.arrayContaining([expect.stringMatching(/^stsgate:\{[A-Za-z0-9_-]{22}\}(c|l|r:requests)$/)]));
    expect(logs.lines).toEqual([]);
  });

  it('expires an entry when its TTL ends', async () => {
    const { state } = await open();
    expect(await state.store(cacheKeyFor('bob'), sampleCredentials(), 150)).toBe(true);
    expect((await state.lookup(cacheKeyFor('bob')))?.credentials).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await state.lookup(cacheKeyFor('bob'))).toEqual({ credentials: undefined, locked: false });
  });

  it("never uses a value written under another deployment's encryption key, and overwrites it", async () => {
    const other = (await open({ encryptionKey: newEncryptionKey() })).state;
    const mine = (await open()).state;
    await other.store(cacheKeyFor('carol'), sampleCredentials(), 60_000);
    // Keyed names: the other deployment's entry is not even under the name this one looks at.
    expect((await mine.lookup(cacheKeyFor('carol')))?.credentials).toBeUndefined();

    // Even copied under this deployment's name, it does not open.
    const [otherName] = await admin.keys('*');
    const fresh = sampleCredentials();
    await mine.store(cacheKeyFor('carol'), fresh, 60_000);
    const myName = (await admin.keys('*')).find((n) => n !== otherName)!;
    await admin.copy(otherName!, myName, 'REPLACE');
    expect((await mine.lookup(cacheKeyFor('carol')))?.credentials).toBeUndefined();
    await mine.store(cacheKeyFor('carol'), fresh, 60_000);
    expect((await mine.lookup(cacheKeyFor('carol')))?.credentials).toEqual(fresh);
  });

  it('never uses a tampered value: a flipped bit in the header, nonce, ciphertext or tag', async () => {
    const { state } = await open();
    const key = cacheKeyFor('dave');
    await state.store(key, sampleCredentials(), 60_000);
    const [name] = await admin.keys('*');
    const original = (await admin.getBuffer(name!))!;
    // version, key id, nonce, first and last ciphertext bytes, tag
    const positions = [0, 2, 5, 16, 17, original.length - 17, original.length - 16, original.length - 1];
    for (const at of positions) {
      const tampered = Buffer.from(original);
      tampered[at]! ^= 0x01;
      await admin.set(name!, tampered);
      expect((await state.lookup(key))?.credentials, `bit flipped at byte ${at}`).toBeUndefined();
    }
    for (const broken of [original.subarray(0, 20), Buffer.alloc(0), Buffer.from('{"accessKeyId":"x"}')]) {
      await admin.set(name!, broken);
      expect((await state.lookup(key))?.credentials).toBeUndefined();
    }
    await admin.set(name!, original);
    expect((await state.lookup(key))?.credentials).toBeDefined();
  });

  it("never hands out one scope's value moved under another scope's name (the cache key is authenticated)", async () => {
    const { state } = await open();
    await state.store(cacheKeyFor('erin'), sampleCredentials(), 60_000);
    const [erinName] = await admin.keys('*');
    await state.store(cacheKeyFor('frank'), sampleCredentials(), 60_000);
    const frankName = (await admin.keys('*')).find((n) => n !== erinName)!;
    await admin.copy(erinName!, frankName, 'REPLACE');
    expect((await state.lookup(cacheKeyFor('frank')))?.credentials).toBeUndefined();
    // Same subject, narrower prefix: a different scope too.
    await state.store(cacheKeyFor('erin', 'users/erin/photos/'), sampleCredentials(), 60_000);
    const narrowName = (await admin.keys('*')).find((n) => n !== erinName && n !== frankName)!;
    await admin.copy(erinName!, narrowName, 'REPLACE');
    expect((await state.lookup(cacheKeyFor('erin', 'users/erin/photos/')))?.credentials).toBeUndefined();
  });

  it('keeps two deployments (namespaces) sharing one Redis and one key apart', async () => {
    const encryptionKey = newEncryptionKey();
    const aliyun = (await open({ encryptionKey, namespace: 'aliyun' })).state;
    const tencent = (await open({ encryptionKey, namespace: 'tencent' })).state;
    await aliyun.store(cacheKeyFor('gina'), sampleCredentials(), 60_000);
    expect((await tencent.lookup(cacheKeyFor('gina')))?.credentials).toBeUndefined();
    expect((await aliyun.lookup(cacheKeyFor('gina')))?.credentials).toBeDefined();
  });

  it('keeps serving entries written under the previous key after a rotation, and writes under the new one', async () => {
    const oldKey = newEncryptionKey();
    const newKey = newEncryptionKey();
    const before = (await open({ encryptionKey: oldKey })).state;
    const written = sampleCredentials();
    await before.store(cacheKeyFor('hank'), written, 60_000);

    const rotating = (await open({ encryptionKey: `${newKey},${oldKey}` })).state;
    expect((await rotating.lookup(cacheKeyFor('hank')))?.credentials).toEqual(written);
    const rewritten = sampleCredentials();
    await rotating.store(cacheKeyFor('hank'), rewritten, 60_000);
    // The newer entry, under the new key, wins over the old one.
    expect((await rotating.lookup(cacheKeyFor('hank')))?.credentials).toEqual(rewritten);

    const after = (await open({ encryptionKey: newKey })).state;
    expect((await after.lookup(cacheKeyFor('hank')))?.credentials).toEqual(rewritten);
    // The old key alone cannot read what the new one wrote.
    await admin.flushall();
    await after.store(cacheKeyFor('ivy'), sampleCredentials(), 60_000);
    expect((await before.lookup(cacheKeyFor('ivy')))?.credentials).toBeUndefined();
  });

  it('keeps deployments with different key prefixes apart', async () => {
    const encryptionKey = newEncryptionKey();
    const a = (await open({ encryptionKey, prefix: 'tenant-a:' })).state;
    const b = (await open({ encryptionKey, prefix: 'tenant-b:' })).state;
    await a.store(cacheKeyFor('jack'), sampleCredentials(), 60_000);
    expect((await b.lookup(cacheKeyFor('jack')))?.credentials).toBeUndefined();
    expect((await admin.keys('tenant-a:*')).length).toBe(1);
  });

  it('refuses to store for no time at all', async () => {
    const { state } = await open();
    expect(await state.store(cacheKeyFor('kim'), sampleCredentials(), 0)).toBe(false);
    expect(await admin.dbsize()).toBe(0);
  });
});
