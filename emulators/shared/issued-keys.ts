/**
 * The temporary keys an STS (or IAM) emulator has issued, which the storage stand-ins of the same cloud
 * accept, as the real storage service accepts what the real STS issued. One emulator hands the other the
 * keys themselves, never a way to check them: each stand-in still verifies every signature with its own
 * code.
 *
 * Keys outlive `reset()`: a key issued stays valid until it expires, as it would in the cloud, and a
 * function instance may still hold it.
 */

/** One set of temporary keys, as the storage stand-ins take them. */
export interface IssuedKey {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken: string;
  /** ms since the epoch; requests at or after it are refused as expired. */
  readonly expiresAt: number;
}

/** What a storage stand-in asks of the emulator it trusts. */
export interface KeyIssuer {
  /** The keys issued under this access key id, if this emulator issued them. */
  issuedKey(accessKeyId: string): IssuedKey | undefined;
}

export class IssuedKeys implements KeyIssuer {
  readonly #keys = new Map<string, IssuedKey>();

  add(key: IssuedKey): void {
    this.#keys.set(key.accessKeyId, { ...key });
  }

  issuedKey(accessKeyId: string): IssuedKey | undefined {
    return this.#keys.get(accessKeyId);
  }
}
