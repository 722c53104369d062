import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors.js';
import { loadSharedStateConfig, redisLocation } from '../../lib/state/config.js';
import { problemVariables } from '../helpers/config-problems.js';

const KEY = Buffer.alloc(32, 7).toString('base64');
const OLD_KEY = Buffer.alloc(32, 9).toString('base64');
const base = { REDIS_URL: 'redis://:pa%40ss:word@r-bp1.redis.rds.aliyuncs.com:6380/2', CACHE_ENCRYPTION_KEY: KEY };

describe('shared state configuration (REDIS_*, CACHE_ENCRYPTION_KEY)', () => {
  it('is off without REDIS_URL, whatever else is set (unsetting REDIS_URL alone turns sharing off)', () => {
    expect(loadSharedStateConfig({})).toBeUndefined();
    expect(loadSharedStateConfig({ REDIS_URL: ' ', CACHE_ENCRYPTION_KEY: 'not a key', REDIS_TIMEOUT_MS: 'soon' })).toBeUndefined();
  });

  it('reads host, port, database, user and %-decoded password, with the defaults', () => {
    const config = loadSharedStateConfig(base)!;
    expect(config.redis).toEqual({ host: 'r-bp1.redis.rds.aliyuncs.com', port: 6380, db: 2, tls: false, username: undefined, password: 'pa@ss:word', ca: undefined });
    expect(config.keyPrefix).toBe('stsgate:');
    expect(config.timeoutMs).toBe(50);
    expect(config.encryptionKeys).toEqual([Buffer.alloc(32, 7)]);
    expect(loadSharedStateConfig({ ...base, REDIS_URL: 'rediss://app:pw@[::1]' })!.redis).toMatchObject({ host: '::1', port: 6379, db: 0, tls: true, username: 'app', password: 'pw' });
  });

  it('never puts the password in its location', () => {
    const config = loadSharedStateConfig(base)!;
    expect(redisLocation(config.redis)).toBe('redis://r-bp1.redis.rds.aliyuncs.com:6380/2');
    expect(redisLocation(loadSharedStateConfig({ ...base, REDIS_URL: 'rediss://u:p@[::1]:7000' })!.redis)).toBe('rediss://[::1]:7000/0');
  });

  it.each([
    ['not a URL', 'r-bp1.redis.rds.aliyuncs.com:6379'],
    ['another scheme', 'http://r-bp1:6379'],
    ['a query string', 'redis://:pw@r-bp1:6379/0?tls=false'],
    ['a fragment', 'redis://:pw@r-bp1:6379/0#x'],
    ['a database that is not a number', 'redis://:pw@r-bp1:6379/cache'],
    ['a broken escape', 'redis://:pw%zz@r-bp1:6379/0'],
  ])('refuses a REDIS_URL with %s, naming it without echoing it', (_case, url) => {
    let error: unknown;
    try {
      loadSharedStateConfig({ ...base, REDIS_URL: url });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.variable)).toEqual(['REDIS_URL']);
    expect((error as ConfigError).message).not.toContain('pw');
    expect((error as ConfigError).message).not.toContain('r-bp1');
  });

  it('requires CACHE_ENCRYPTION_KEY with REDIS_URL: 32 bytes of base64, and at most a second, previous key', () => {
    expect(problemVariables(() => loadSharedStateConfig({ REDIS_URL: base.REDIS_URL }))).toEqual(['CACHE_ENCRYPTION_KEY']);
    for (const bad of ['short', Buffer.alloc(31).toString('base64'), Buffer.alloc(33).toString('base64'), `${KEY},${KEY}`, `${KEY},${OLD_KEY},${KEY}`, `${KEY} x`]) {
      const error = (() => {
        try {
          loadSharedStateConfig({ ...base, CACHE_ENCRYPTION_KEY: bad });
        } catch (e) {
          return e as ConfigError;
        }
      })();
      expect(error?.problems.map((p) => p.variable)).toEqual(['CACHE_ENCRYPTION_KEY']);
      expect(error?.message).not.toContain(KEY);
    }
    expect(loadSharedStateConfig({ ...base, CACHE_ENCRYPTION_KEY: ` ${KEY} , ${OLD_KEY} ` })!.encryptionKeys).toEqual([Buffer.alloc(32, 7), Buffer.alloc(32, 9)]);
    // base64url without padding, as some generators print it
    expect(loadSharedStateConfig({ ...base, CACHE_ENCRYPTION_KEY: Buffer.alloc(32, 0xfb).toString('base64url') })!.encryptionKeys).toEqual([Buffer.alloc(32, 0xfb)]);
  });

  it('bounds REDIS_TIMEOUT_MS and restricts REDIS_KEY_PREFIX', () => {
    expect(loadSharedStateConfig({ ...base, REDIS_TIMEOUT_MS: '120', REDIS_KEY_PREFIX: 'app/prod:' })).toMatchObject({ timeoutMs: 120, keyPrefix: 'app/prod:' });
    for (const timeout of ['0', '4', '1001', '50ms', '1e2']) expect(problemVariables(() => loadSharedStateConfig({ ...base, REDIS_TIMEOUT_MS: timeout }))).toEqual(['REDIS_TIMEOUT_MS']);
    for (const prefix of ['has space', '{tag}', 'x'.repeat(65), 'ünï']) expect(problemVariables(() => loadSharedStateConfig({ ...base, REDIS_KEY_PREFIX: prefix }))).toEqual(['REDIS_KEY_PREFIX']);
  });

  it('reports every bad variable at once', () => {
    expect(problemVariables(() => loadSharedStateConfig({ REDIS_URL: 'redis://h', REDIS_TIMEOUT_MS: 'x', REDIS_KEY_PREFIX: ' a b ' }))).toEqual(['REDIS_KEY_PREFIX', 'REDIS_TIMEOUT_MS']);
  });

  it('takes REDIS_CA_CERT (PEM, also with \\n escapes) for rediss:// only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stsgate-ca-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=test-ca', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'ca.pem')], { stdio: 'ignore' });
    const pem = readFileSync(join(dir, 'ca.pem'), 'utf8');
    const tls = { ...base, REDIS_URL: 'rediss://:pw@r-bp1:6379' };
    expect(loadSharedStateConfig({ ...tls, REDIS_CA_CERT: pem })!.redis.ca).toBe(pem.trim());
    expect(loadSharedStateConfig({ ...tls, REDIS_CA_CERT: pem.trim().replaceAll('\n', '\\n') })!.redis.ca).toBe(pem.trim());
    expect(problemVariables(() => loadSharedStateConfig({ ...base, REDIS_CA_CERT: pem }))).toEqual(['REDIS_CA_CERT']);
    expect(problemVariables(() => loadSharedStateConfig({ ...tls, REDIS_CA_CERT: 'not a certificate' }))).toEqual(['REDIS_CA_CERT']);
    expect(problemVariables(() => loadSharedStateConfig({ ...tls, REDIS_CA_CERT: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' }))).toEqual(['REDIS_CA_CERT']);
  });
});
