/**
 * `rediss://`: TLS with the server's certificate verified, against REDIS_CA_CERT when set (managed Redis
 * signs with its own CA) and Node's public CAs otherwise. A certificate that does not verify means nothing
 * is shared, never an unverified connection.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SharedState } from '../../lib/state/types.js';
import { freePort, redisAvailable, type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { cacheKeyFor, connected, sampleCredentials, sharedStateFor } from '../helpers/shared-state-fixture.js';

const run = redisAvailable('shared state on Redis: TLS');

/** A CA, and a server certificate it signed for 127.0.0.1; and an unrelated CA. */
function certificates(dir: string) {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl('req', '-x509', ...ec, '-days', '1', '-subj', '/CN=stsgate test CA', '-keyout', 'ca.key', '-out', 'ca.pem');
  openssl('req', '-x509', ...ec, '-days', '1', '-subj', '/CN=another CA', '-keyout', 'other.key', '-out', 'other.pem');
  openssl('req', ...ec, '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'san.ext', '-out', 'server.pem');
  return { ca: readFileSync(join(dir, 'ca.pem'), 'utf8'), other: readFileSync(join(dir, 'other.pem'), 'utf8') };
}

describe.runIf(run)('shared state on Redis: TLS', () => {
  let redis: RedisServer;
  let tlsPort: number;
  let ca: string;
  let other: string;
  const opened: SharedState[] = [];

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stsgate-tls-'));
    ({ ca, other } = certificates(dir));
    tlsPort = await freePort();
    redis = await startRedisServer([
      '--tls-port', String(tlsPort),
      '--tls-cert-file', join(dir, 'server.pem'),
      '--tls-key-file', join(dir, 'server.key'),
      '--tls-ca-cert-file', join(dir, 'ca.pem'),
      '--tls-auth-clients', 'no',
    ]);
  });
  afterEach(async () => void (await Promise.all(opened.splice(0).map((state) => state.close()))));
  afterAll(async () => redis.stop());

  const open = (ca?: string) => {
    const made = sharedStateFor(`rediss://:${redis.password}@127.0.0.1:${tlsPort}/0`, { timeoutMs: 200, ...(ca ? { ca } : {}) });
    opened.push(made.state);
    return made;
  };

  it('connects with the server certificate verified against REDIS_CA_CERT', async () => {
    const { state, logs } = open(ca);
    await connected(state);
    const credentials = sampleCredentials();
    expect(await state.store(cacheKeyFor('tls'), credentials, 60_000)).toBe(true);
    expect((await state.lookup(cacheKeyFor('tls')))?.credentials).toEqual(credentials);
    expect(logs.lines).toEqual([]);
  });

  it.each([
    ["Node's public CAs (no REDIS_CA_CERT)", undefined],
    ['an unrelated CA', 'other'],
  ])('refuses a certificate that does not verify against %s: nothing shared, one warning', async (_name, which) => {
    const { state, logs } = open(which === 'other' ? other : undefined);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await state.lookup(cacheKeyFor('tls'))).toBeUndefined();
    expect(logs.lines.filter((l) => l.level === 'warn').map((l) => l.fields.reason)).toEqual(['tls']);
  });
});
