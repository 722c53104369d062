/**
 * SCF's newest Node runtime is 18.15, where the WebCrypto global that jose uses exists only behind a
 * flag (it is unflagged from Node 19). Node 18 does ship the implementation, so expose it.
 *
 * @module
 */
import { webcrypto } from 'node:crypto';

if (typeof globalThis.crypto === 'undefined') {
  Object.defineProperty(globalThis, 'crypto', { value: webcrypto, configurable: true, enumerable: false, writable: false });
}
