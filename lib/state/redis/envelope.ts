/**
 * How credentials are sealed before they reach Redis: AES-256-GCM with a random 96-bit nonce, and the full
 * cache key as associated data, so a value copied under another key (another subject's, another scope's)
 * fails authentication instead of being handed out.
 *
 *   version (1 byte) | key id (4) | nonce (12) | ciphertext | tag (16)
 *
 * The version and key id are authenticated too. A random nonce is safe here: NIST SP 800-38D bounds a key
 * to 2^32 random-nonce encryptions, and one value is written per STS call.
 *
 * @module
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { DeploymentKey } from './keyring.js';

const VERSION = 1;
const HEADER_BYTES = 5;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export function seal(key: DeploymentKey, associated: string, plaintext: Buffer): Buffer {
  const header = Buffer.concat([Buffer.of(VERSION), key.id]);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.encryption, nonce);
  cipher.setAAD(Buffer.concat([header, Buffer.from(associated, 'utf8')]));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, nonce, ciphertext, cipher.getAuthTag()]);
}

/** The plaintext, or `undefined` for anything that is not a value sealed for this key by a key we hold. */
export function open(keys: readonly DeploymentKey[], associated: string, sealed: Buffer): Buffer | undefined {
  if (sealed.length < HEADER_BYTES + NONCE_BYTES + TAG_BYTES || sealed[0] !== VERSION) return undefined;
  const header = sealed.subarray(0, HEADER_BYTES);
  const key = keys.find((candidate) => candidate.id.equals(header.subarray(1)));
  if (!key) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.encryption, sealed.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(Buffer.concat([header, Buffer.from(associated, 'utf8')]));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(HEADER_BYTES + NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    return undefined;
  }
}
