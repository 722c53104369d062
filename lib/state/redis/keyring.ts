/**
 * The keys one `CACHE_ENCRYPTION_KEY` value stands for. Each purpose gets its own key, derived with
 * HKDF-SHA256 (RFC 5869), so the key that encrypts never also names, and a key id can be published in
 * every stored value without saying anything about the key.
 *
 * @module
 */
import { hkdfSync } from 'node:crypto';

export interface DeploymentKey {
  /** 4 bytes stored in each value, so a reader picks the right key without trying them all. */
  readonly id: Buffer;
  /** AES-256-GCM key for the stored credentials. */
  readonly encryption: Buffer;
  /** HMAC-SHA256 key for Redis key names: no subject or scope ever appears in a name in the clear. */
  readonly naming: Buffer;
}

/** Distinguishes stsgate's derivations from any other use the deployer might make of the same secret. */
const SALT = Buffer.from('stsgate shared state v1');

const derive = (secret: Buffer, purpose: string, length: number): Buffer =>
  Buffer.from(hkdfSync('sha256', secret, SALT, purpose, length));

export function deploymentKey(secret: Buffer): DeploymentKey {
  return {
    id: derive(secret, 'key id', 4),
    encryption: derive(secret, 'credential encryption', 32),
    naming: derive(secret, 'key names', 32),
  };
}
