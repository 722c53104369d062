/**
 * The app's login token as the client uses it: checked to be something a header can carry, and read for
 * whose it is. The payload is decoded WITHOUT verifying the signature, only to keep each user's keys
 * apart in the cache; the token endpoint verifies the token on every request, so nothing here decides
 * what anyone is allowed to do.
 *
 * Written by hand (base64url and UTF-8 included): the client has no runtime dependencies and must run
 * where `atob` or `TextDecoder` are missing (some mini-program runtimes).
 *
 * @module
 */
import { UnauthorizedError } from '../errors.js';

/**
 * The token as it may go into a header. Nothing here ever quotes the token: a runtime's own header
 * error would, which is why a malformed one is refused before fetch sees it.
 */
export function usableToken(token: unknown): string {
  const trimmed = typeof token === 'string' ? token.trim() : '';
  if (trimmed === '') throw new UnauthorizedError('no login token: getToken returned nothing; log in first');
  if (!/^[\x21-\x7e]+$/.test(trimmed)) throw new UnauthorizedError('the login token from getToken contains characters a header cannot carry');
  return trimmed;
}

/** Payloads larger than this are not decoded: no real login token is this large, and decoding costs. */
const MAX_PAYLOAD_CHARS = 16 * 1024;

/**
 * Who `token` speaks for, as a string that is equal for two tokens exactly when they name the same
 * issuer and subject: a JWT the app refreshed keeps its identity. A token that cannot be read that far
 * (not a JWT, no `sub`) is "unknown", and each such token is an identity of its own, so it is never
 * served keys fetched with any other token.
 */
export function tokenIdentity(token: string): string {
  const claims = readPayload(token);
  const sub = claims?.sub;
  if (typeof sub !== 'string' || sub === '') return `unknown\n${token}`;
  const iss = typeof claims?.iss === 'string' ? claims.iss : '';
  return `jwt\n${JSON.stringify([iss, sub])}`;
}

function readPayload(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  const payload = parts[1];
  if (parts.length !== 3 || payload === undefined || payload.length > MAX_PAYLOAD_CHARS) return undefined;
  try {
    const claims: unknown = JSON.parse(utf8(base64UrlBytes(payload)));
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims) ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** RFC 4648 §5 without padding, as JWTs use it; throws on anything else. */
function base64UrlBytes(text: string): number[] {
  if (text.length % 4 === 1) throw new Error('not base64url');
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of text) {
    const value = ALPHABET.indexOf(char);
    if (value < 0) throw new Error('not base64url');
    buffer = ((buffer << 6) | value) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
    }
  }
  return bytes;
}

/** Strict UTF-8 (decodeURIComponent throws on malformed sequences), without TextDecoder. */
function utf8(bytes: readonly number[]): string {
  let escaped = '';
  for (const byte of bytes) escaped += `%${byte.toString(16).padStart(2, '0')}`;
  return decodeURIComponent(escaped);
}
