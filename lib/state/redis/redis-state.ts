/**
 * `SharedState` on Redis: sealed credentials, `SET NX PX` locks and GCRA rate buckets, each operation one
 * round trip on the instance's one connection; `issueOnce` composes them (issue-once.ts).
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { IssuedCredentials } from '../../sts/types.js';
import { issueOnce, type IssueOnceOptions, type SharedOutcome } from '../issue-once.js';
import type { LockAttempt, SharedLookup, SharedState } from '../types.js';
import { decodeCredentials, encodeCredentials } from './credential-codec.js';
import { open, seal } from './envelope.js';
import type { DeploymentKey } from './keyring.js';
import { KeyNames } from './key-names.js';
import { type RedisConnection, UnexpectedReply } from './connection.js';
import { RELEASE, runScript, TAKE } from './scripts.js';

export class RedisState implements SharedState {
  readonly #names: KeyNames;

  constructor(
    private readonly connection: RedisConnection,
    readonly location: string,
    private readonly keys: readonly DeploymentKey[],
    prefix: string,
    namespace: string,
  ) {
    this.#names = new KeyNames(prefix, namespace, keys);
  }

  lookup(cacheKey: string): Promise<SharedLookup | undefined> {
    const names = [...this.#names.credentials(cacheKey), this.#names.lock(cacheKey)];
    return this.connection.run('lookup', async (client) => {
      const reply: unknown = await client.mgetBuffer(...names);
      if (!Array.isArray(reply) || reply.length !== names.length) throw new UnexpectedReply('MGET');
      const values = reply.slice(0, -1) as unknown[];
      const associated = this.#names.associatedData(cacheKey);
      let credentials: IssuedCredentials | undefined;
      for (const value of values) {
        // Anything that does not open and parse (another deployment's key, a flipped bit, a value moved
        // from another key) counts as missing; the next STS call overwrites it.
        const plaintext = Buffer.isBuffer(value) ? open(this.keys, associated, value) : undefined;
        credentials = plaintext && decodeCredentials(plaintext);
        if (credentials) break;
      }
      return { credentials, locked: reply.at(-1) !== null };
    });
  }

  async store(cacheKey: string, credentials: IssuedCredentials, ttlMs: number): Promise<boolean> {
    const ttl = Math.floor(ttlMs);
    if (!(ttl >= 1)) return false;
    const [name] = this.#names.credentials(cacheKey);
    const value = seal(this.keys[0]!, this.#names.associatedData(cacheKey), encodeCredentials(credentials));
    const stored = await this.connection.run('store', async (client) => expectOk(await client.set(name!, value, 'PX', ttl)));
    return stored === true;
  }

  async lock(cacheKey: string, ttlMs: number): Promise<LockAttempt | undefined> {
    const name = this.#names.lock(cacheKey);
    const token = randomBytes(16).toString('base64url');
    const ttl = Math.max(1, Math.floor(ttlMs));
    const taken = await this.connection.run('lock', async (client) => {
      const reply: unknown = await client.set(name, token, 'PX', ttl, 'NX');
      return reply === null ? false : expectOk(reply);
    });
    if (taken === undefined) return undefined;
    if (!taken) return { acquired: false };
    return {
      acquired: true,
      release: async () => {
        await this.connection.run('release', (client) => runScript(client, RELEASE, [name], [token]));
      },
    };
  }

  take(limit: string, subject: string, perMinute: number): Promise<number | undefined> {
    const name = this.#names.bucket(limit, subject);
    const intervalUs = 60_000_000 / perMinute;
    return this.connection.run('take', async (client) => {
      const reply = await runScript(client, TAKE, [name], [String(intervalUs), String(perMinute)]);
      if (!Array.isArray(reply) || reply.length !== 2 || !reply.every(Number.isSafeInteger)) throw new UnexpectedReply('take');
      const [allowed, retryMs] = reply as [number, number];
      if (allowed === 1) return 0;
      if (allowed !== 0 || retryMs < 1) throw new UnexpectedReply('take');
      return Math.ceil(retryMs / 1000);
    });
  }

  issueOnce(
    cacheKey: string,
    issue: () => Promise<IssuedCredentials>,
    options: IssueOnceOptions,
  ): Promise<{ credentials: IssuedCredentials; outcome: SharedOutcome }> {
    return issueOnce(this, cacheKey, issue, options);
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}

function expectOk(reply: unknown): true {
  if (reply !== 'OK') throw new UnexpectedReply('SET');
  return true;
}
