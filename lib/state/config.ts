/**
 * The REDIS_* and CACHE_ENCRYPTION_KEY variables: whether function instances share state through Redis,
 * and how. Unset `REDIS_URL` means nothing is shared, exactly as before; the schemas below are then never
 * built, so a deployment without Redis pays nothing for them at cold start.
 *
 * Values are secrets (a password inside the URL, the encryption keys): no message here ever echoes one.
 *
 * @module
 */
import { X509Certificate } from 'node:crypto';
import * as z from 'zod/mini';
import { commaList, type Env, optionalInt, present, readEnv } from '../config/env.js';
import { ConfigError } from '../errors.js';

export interface RedisEndpoint {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly db: number;
  /** PEM certificates to trust for `rediss://` instead of Node's public CAs (managed Redis signs with its own CA). */
  readonly ca: string | undefined;
}

export interface SharedStateConfig {
  readonly redis: RedisEndpoint;
  /** Every key this deployment writes starts with it, so deployments can share one Redis without meeting. */
  readonly keyPrefix: string;
  /** The longest any Redis operation may hold up a request. */
  readonly timeoutMs: number;
  /** 32-byte keys; the first encrypts, every one decrypts (the second exists for rotation). */
  readonly encryptionKeys: readonly Buffer[];
}

/**
 * Letters, digits and `:_.-/`, up to 64 characters. No spaces or braces: braces would turn part of the
 * prefix into a cluster hash tag and pin every key of the deployment to one shard.
 */
const KEY_PREFIX = /^[A-Za-z0-9:_.\/-]{1,64}$/;
/** 32 bytes in base64 or base64url, padding optional: what `openssl rand -base64 32` prints. */
const KEY_TEXT = /^[A-Za-z0-9+/_-]{43}=?$/;

/** Reads the shared-state configuration; `undefined` when `REDIS_URL` is unset (nothing is shared). */
export function loadSharedStateConfig(env: Env): SharedStateConfig | undefined {
  // Unsetting REDIS_URL alone must turn sharing off (say, during a Redis incident), so the other
  // variables are then ignored rather than refused.
  if (present(env, 'REDIS_URL') === undefined) return undefined;
  const vars = readEnv(env, {
    REDIS_URL: redisUrl(),
    REDIS_KEY_PREFIX: z.optional(z.string().check(z.regex(KEY_PREFIX, 'must be 1-64 letters, digits or : _ . / -'))),
    // Below 5 ms not even a loopback round trip fits on a busy instance; above a second the "cache" would
    // cost more than the STS call it saves.
    REDIS_TIMEOUT_MS: optionalInt(5, 1000, 50),
    REDIS_CA_CERT: z.optional(caCertificates()),
    CACHE_ENCRYPTION_KEY: z.optional(encryptionKeys()),
  });
  const problems: ConfigError['problems'][number][] = [];
  if (vars.CACHE_ENCRYPTION_KEY === undefined) {
    problems.push({ variable: 'CACHE_ENCRYPTION_KEY', message: 'is required when REDIS_URL is set (32 random bytes, base64: openssl rand -base64 32)' });
  }
  if (vars.REDIS_CA_CERT !== undefined && !vars.REDIS_URL.tls) {
    problems.push({ variable: 'REDIS_CA_CERT', message: 'needs a rediss:// REDIS_URL (TLS)' });
  }
  if (problems.length > 0 || vars.CACHE_ENCRYPTION_KEY === undefined) throw new ConfigError(problems);
  return {
    redis: { ...vars.REDIS_URL, ca: vars.REDIS_CA_CERT },
    keyPrefix: vars.REDIS_KEY_PREFIX ?? 'stsgate:',
    timeoutMs: vars.REDIS_TIMEOUT_MS,
    encryptionKeys: vars.CACHE_ENCRYPTION_KEY,
  };
}

/** Where Redis is, for logs and banners: scheme, host, port and database, never the user or password. */
export const redisLocation = (redis: RedisEndpoint): string =>
  `${redis.tls ? 'rediss' : 'redis'}://${redis.host.includes(':') ? `[${redis.host}]` : redis.host}:${redis.port}/${redis.db}`;

const redisUrl = () =>
  z.pipe(
    z.string(),
    z.transform((value, ctx): Omit<RedisEndpoint, 'ca'> => {
      const parsed = parseRedisUrl(value);
      if (typeof parsed === 'string') {
        ctx.issues.push({ code: 'custom', input: undefined, message: parsed });
        return z.NEVER;
      }
      return parsed;
    }),
  );

/** `redis[s]://[user][:password]@host[:port][/db]`; returns what is wrong, without echoing the value. */
function parseRedisUrl(value: string): Omit<RedisEndpoint, 'ca'> | string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be a redis:// or rediss:// URL, e.g. redis://:password@r-xxx.redis.rds.aliyuncs.com:6379/0';
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return 'must start with redis:// or rediss:// (TLS)';
  if (!url.hostname) return 'must name a host';
  if (url.search || url.hash) return 'must not have a query string or fragment (only user, password, host, port and database)';
  const db = url.pathname === '' || url.pathname === '/' ? '0' : url.pathname.slice(1);
  if (!/^\d{1,2}$/.test(db)) return 'must end with a database number (0-99) or nothing';
  let username: string;
  let password: string;
  try {
    username = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
  } catch {
    return 'has a user or password with a broken %-escape';
  }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return {
    host,
    port: url.port ? Number(url.port) : 6379,
    tls: url.protocol === 'rediss:',
    username: username || undefined,
    password: password || undefined,
    db: Number(db),
  };
}

const caCertificates = () =>
  z.pipe(
    z.string(),
    z.transform((value, ctx): string => {
      // Environment editors often store a PEM on one line with literal "\n" escapes.
      const pem = value.includes('\\n') ? value.replaceAll('\\n', '\n') : value;
      const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
      try {
        if (blocks.length === 0) throw new Error('no certificate');
        for (const block of blocks) new X509Certificate(block);
      } catch {
        ctx.issues.push({ code: 'custom', input: undefined, message: 'must be one or more PEM "BEGIN CERTIFICATE" blocks' });
        return z.NEVER;
      }
      return blocks.join('\n');
    }),
  );

const encryptionKeys = () =>
  z.pipe(
    z.string(),
    z.transform((value, ctx): Buffer[] => {
      const items = commaList(value);
      const problem =
        items.length > 2
          ? 'takes at most two keys: the current one, then the previous one (for decryption only)'
          : items.some((item) => !KEY_TEXT.test(item))
            ? 'must be 32 random bytes in base64 (openssl rand -base64 32), optionally followed by a comma and the previous key'
            : items.length === 2 && items[0] === items[1]
              ? 'lists the same key twice'
              : undefined;
      if (problem) {
        ctx.issues.push({ code: 'custom', input: undefined, message: problem });
        return z.NEVER;
      }
      return items.map((item) => Buffer.from(item.replaceAll('-', '+').replaceAll('_', '/'), 'base64'));
    }),
  );
