import { describe, expect, it } from 'vitest';
import { bearerToken } from '../../lib/auth/bearer.js';
import { StsgateError } from '../../lib/errors.js';
import { sessionNameFor } from '../../lib/scope/session-name.js';

describe('session names', () => {
  it('uses a subject that already fits as is', () => {
    expect(sessionNameFor('alice@example.com')).toBe('alice@example.com');
    expect(sessionNameFor('user-42')).toBe('user-42');
  });

  it.each(['a', 'a b', 'ünïcödé', 'x'.repeat(65), '*', 'a/b', '', 'auth0|123456'])('derives a valid, unique name from %j', (subject) => {
    const name = sessionNameFor(subject);
    expect(name).toMatch(/^[A-Za-z0-9.@_-]{2,64}$/);
    expect(name).not.toBe(sessionNameFor(`${subject}x`));
  });

  it('keeps a readable head of the subject', () => {
    expect(sessionNameFor('auth0|123456')).toMatch(/^auth0_123456-[0-9a-f]{16}$/);
  });
});

describe('bearer tokens', () => {
  const status = (header: string | undefined) => {
    try {
      bearerToken(header);
      return 200;
    } catch (error) {
      return (error as StsgateError).status;
    }
  };

  it('extracts a token with a case-insensitive scheme', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer abc.def.ghi')).toBe('abc.def.ghi');
  });

  it('answers 401 with a bare challenge when there is no header', () => {
    try {
      bearerToken(undefined);
    } catch (error) {
      expect((error as StsgateError).headers['WWW-Authenticate']).toBe('Bearer');
    }
  });

  it.each(['Basic abc', 'Bearer', 'Bearer a b', 'Bearer a,Bearer b', 'Bearer a\u0000b', `Bearer ${'a'.repeat(9 * 1024)}`])(
    'refuses %j',
    (header) => {
      expect(status(header)).toBe(401);
    },
  );
});
