/**
 * Extracting the Bearer token from the Authorization header (RFC 6750 §2.1), strictly: one header, one
 * scheme, one token. Size is checked before anything parses it.
 *
 * @module
 */
import { invalidToken, missingToken } from '../errors.js';

/** Larger tokens are refused before any base64 or JSON work is spent on them. */
export const MAX_TOKEN_BYTES = 8 * 1024;

// RFC 6750 b64token; JWS compact serialisation uses a subset of it.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export function bearerToken(authorization: string | undefined): string {
  if (authorization === undefined || authorization.trim() === '') throw missingToken();
  if (authorization.length > MAX_TOKEN_BYTES + 64) throw invalidToken('the token is too large', 'too_large');
  const match = BEARER.exec(authorization);
  if (!match) throw invalidToken('the Authorization header must be "Bearer <token>"', 'not_bearer');
  const token = match[1] as string;
  if (token.length > MAX_TOKEN_BYTES) throw invalidToken('the token is too large', 'too_large');
  return token;
}
