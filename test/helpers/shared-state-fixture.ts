/**
 * Shared state on Redis for the tests: built from the same variables a deployment sets, with its log
 * captured, and sample credentials whose secrets the suite-wide guard forbids in any log line.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { loadSharedStateConfig } from '../../lib/state/config.js';
import { createRedisState, type RedisStateOptions } from '../../lib/state/redis/index.js';
import type { SharedState } from '../../lib/state/types.js';
import type { IssuedCredentials } from '../../lib/sts/types.js';
import { captureLogs } from './log-capture.js';
import { type RedisServer, startRedisServer } from './redis-server.js';
import { secretGuard } from './secret-guard.js';

export const newEncryptionKey = (): string => randomBytes(32).toString('base64');

export interface StateOptions {
  /** CACHE_ENCRYPTION_KEY as deployed: the current key, optionally `,previous`. */
  readonly encryptionKey?: string;
  readonly timeoutMs?: number;
  readonly prefix?: string;
  readonly namespace?: string;
  /** REDIS_CA_CERT */
  readonly ca?: string;
  readonly connection?: RedisStateOptions['connection'];
}

export function sharedStateFor(url: string, options: StateOptions = {}): { state: SharedState; logs: ReturnType<typeof captureLogs> } {
  const encryptionKey = options.encryptionKey ?? newEncryptionKey();
  secretGuard.never(() => [encryptionKey, ...encryptionKey.split(',')]);
  const config = loadSharedStateConfig({
    REDIS_URL: url,
    CACHE_ENCRYPTION_KEY: encryptionKey,
    REDIS_TIMEOUT_MS: String(options.timeoutMs ?? 50),
    REDIS_KEY_PREFIX: options.prefix,
    REDIS_CA_CERT: options.ca,
  })!;
  const logs = captureLogs();
  const state = createRedisState(config, {
    logger: logs,
    namespace: options.namespace ?? 'aliyun',
    connection: options.connection ?? { backoff: { baseMs: 50, maxMs: 400 } },
  });
  return { state, logs };
}

let serial = 0;

/** Credentials with distinctive secrets, issued now, living `lifetimeMs`. */
export function sampleCredentials(lifetimeMs = 900_000): IssuedCredentials {
  serial += 1;
  const tag = `${process.pid}x${serial}x${randomBytes(6).toString('hex')}`;
  const credentials = {
    accessKeyId: `STS.SAMPLEKEYID${tag}`,
    accessKeySecret: `SAMPLESECRET${tag}`,
    securityToken: `SAMPLETOKEN${tag}${'T'.repeat(200)}`,
    issuedAt: new Date(Math.floor(Date.now() / 1000) * 1000),
    expiresAt: new Date(Math.floor(Date.now() / 1000) * 1000 + lifetimeMs),
  };
  secretGuard.never(() => [credentials.accessKeySecret, credentials.securityToken]);
  return credentials;
}

/**
 * Resolves once the state answers (its cold-start connection is up). A busy test worker can hold the
 * event loop longer than one operation's timeout while the connection opens, which a real first request
 * would simply see as "nothing shared".
 */
export async function connected(state: SharedState, withinMs = 5000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while ((await state.lookup('connected?')) === undefined) {
    if (Date.now() > deadline) throw new Error('shared state did not connect');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A cache key as the token service builds one. */
export const cacheKeyFor = (subject: string, prefix = `users/${subject}/`): string =>
  JSON.stringify([subject, 'media', prefix, ['put'], 900]);

/**
 * Inside a `describe`: one redis-server for the suite, and `instances(n)`: n connected shared states, each
 * with its own connection as separate function instances have, sharing one encryption key unless told
 * otherwise. Closed, and Redis emptied, after each test.
 */
export function redisSuite() {
  let server: RedisServer | undefined;
  let encryptionKey = '';
  const opened: SharedState[] = [];
  beforeAll(async () => {
    server = await startRedisServer();
    encryptionKey = newEncryptionKey();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((state) => state.close()));
    await server?.admin().flushall();
  });
  afterAll(async () => server?.stop());
  return {
    get redis(): RedisServer {
      return server!;
    },
    get encryptionKey(): string {
      return encryptionKey;
    },
    /** `count` connected states; with `logs`, each one's captured log too. */
    async instances(count: number, options: StateOptions = {}): Promise<ReturnType<typeof sharedStateFor>[]> {
      const made = Array.from({ length: count }, () => sharedStateFor(server!.url, { encryptionKey, timeoutMs: 200, ...options }));
      opened.push(...made.map((m) => m.state));
      await Promise.all(made.map((m) => connected(m.state)));
      return made;
    },
  };
}
