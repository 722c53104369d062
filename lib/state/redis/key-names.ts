/**
 * Redis key names. A name is an HMAC of what it stands for, keyed with the deployment's naming key:
 * anyone who can read Redis sees opaque names, and cannot even confirm a guess ("does alice@example.com
 * have keys right now?"), which an unkeyed hash of a guessable subject would let them do.
 *
 * Keyed names change when the encryption key is rotated. Credentials are therefore looked up under the
 * name of every configured key (one MGET), so entries written under the previous key keep being served;
 * locks and rate buckets live seconds to a minute and simply start afresh under the new name.
 *
 * Each scope's value and lock share a `{hash tag}`, so on a clustered Redis they live on one shard and
 * one MGET reads both.
 *
 * @module
 */
import { createHmac } from 'node:crypto';
import type { DeploymentKey } from './keyring.js';

export class KeyNames {
  constructor(
    private readonly prefix: string,
    /** Who issues: cloud and role. The same cache key from two deployments must never meet. */
    private readonly namespace: string,
    /** The current key first. */
    private readonly keys: readonly DeploymentKey[],
  ) {}

  /** The names credentials for this cache key may be stored under, the current key's first. */
  credentials(cacheKey: string): string[] {
    return this.keys.map((key) => `${this.prefix}{${this.#hash(key, 'scope', cacheKey)}}c`);
  }

  lock(cacheKey: string): string {
    return `${this.prefix}{${this.#hash(this.keys[0]!, 'scope', cacheKey)}}l`;
  }

  bucket(limit: string, subject: string): string {
    return `${this.prefix}{${this.#hash(this.keys[0]!, 'subject', subject)}}r:${limit}`;
  }

  /** What a stored value is bound to (the AES-GCM associated data). */
  associatedData(cacheKey: string): string {
    return JSON.stringify([this.namespace, cacheKey]);
  }

  /** 128 bits of HMAC-SHA256, base64url: unguessable, collision-free in practice, short in memory. */
  #hash(key: DeploymentKey, purpose: string, value: string): string {
    return createHmac('sha256', key.naming).update(JSON.stringify([purpose, this.namespace, value])).digest().subarray(0, 16).toString('base64url');
  }
}
