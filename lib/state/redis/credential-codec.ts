/**
 * Issued credentials as the plaintext of a stored value, and back. What comes back out of Redis is checked
 * field by field: a value that decrypts but does not parse is treated as missing, never trusted.
 *
 * @module
 */
import * as z from 'zod/mini';
import { lazy } from '../../lazy.js';
import type { IssuedCredentials } from '../../sts/types.js';

const storedCredentials = lazy(() =>
  z.object({
    accessKeyId: z.string().check(z.minLength(1)),
    accessKeySecret: z.string().check(z.minLength(1)),
    securityToken: z.string().check(z.minLength(1)),
    expiresAt: z.number().check(z.int(), z.positive()),
    issuedAt: z.number().check(z.int(), z.positive()),
  }),
);

export const encodeCredentials = (credentials: IssuedCredentials): Buffer =>
  Buffer.from(
    JSON.stringify({
      accessKeyId: credentials.accessKeyId,
      accessKeySecret: credentials.accessKeySecret,
      securityToken: credentials.securityToken,
      expiresAt: credentials.expiresAt.getTime(),
      issuedAt: credentials.issuedAt.getTime(),
    }),
  );

export function decodeCredentials(plaintext: Buffer): IssuedCredentials | undefined {
  let json: unknown;
  try {
    json = JSON.parse(plaintext.toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = z.safeParse(storedCredentials(), json);
  if (!parsed.success || parsed.data.expiresAt <= parsed.data.issuedAt) return undefined;
  return { ...parsed.data, expiresAt: new Date(parsed.data.expiresAt), issuedAt: new Date(parsed.data.issuedAt) };
}
