/**
 * The attack list every cloud's function must pass: each request ends in its 4xx and makes no STS call.
 * Built against a development identity provider, so the same list runs against every bundle. A refused
 * token also names the `reason` its request's log line must carry (the documented reason codes).
 */
import { SignJWT } from 'jose';
import type { IdentityProvider } from '../../emulators/identity-provider.js';

export interface AttackRequest {
  headers?: Record<string, string>;
  body?: string;
}

export interface AttackCase {
  name: string;
  build: () => Promise<AttackRequest>;
  status: number;
  code: string;
  /** The log line's `reason` for a refused token. */
  reason?: string;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

export function attackCases(idp: IdentityProvider & { jwksUrl: string }): AttackCase[] {
  const claims = () => ({ sub: 'alice', iss: idp.issuer, aud: idp.audience, exp: Math.floor(Date.now() / 1000) + 300 });
  const alice = async (body?: string): Promise<AttackRequest> => ({ headers: bearer(await idp.mint({ sub: 'alice' })), ...(body === undefined ? {} : { body }) });
  return [
    { name: 'no Authorization header', build: async () => ({}), status: 401, code: 'invalid_token', reason: 'missing' },
    { name: 'another scheme', build: async () => ({ headers: { Authorization: 'Basic YWxpY2U6c2VjcmV0' } }), status: 401, code: 'invalid_token', reason: 'not_bearer' },
    { name: 'not a JWT', build: async () => ({ headers: bearer('a.b.c') }), status: 401, code: 'invalid_token', reason: 'malformed' },
    { name: 'alg: none', build: async () => ({ headers: bearer(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`) }), status: 401, code: 'invalid_token', reason: 'alg_not_allowed' },
    {
      name: 'HS256 signed with the public key',
      build: async () => {
        const jwk = JSON.stringify(((await (await fetch(idp.jwksUrl)).json()) as { keys: unknown[] }).keys[0]);
        const token = await new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'HS256' }).setIssuer(idp.issuer).setAudience(idp.audience).setExpirationTime('5m').sign(new TextEncoder().encode(jwk));
        return { headers: bearer(token) };
      },
      status: 401,
      code: 'invalid_token',
      reason: 'alg_not_allowed',
    },
    { name: 'expired', build: async () => ({ headers: bearer(await idp.mint({ sub: 'alice' }, { expiresIn: -120 })) }), status: 401, code: 'invalid_token', reason: 'expired' },
    { name: 'nbf in the future', build: async () => ({ headers: bearer(await idp.mint({ sub: 'alice' }, { notBefore: Math.floor(Date.now() / 1000) + 600 })) }), status: 401, code: 'invalid_token', reason: 'not_yet_valid' },
    { name: 'wrong issuer', build: async () => ({ headers: bearer(await idp.mint({ sub: 'alice' }, { issuer: 'https://evil.example.com/' })) }), status: 401, code: 'invalid_token', reason: 'wrong_issuer' },
    { name: 'wrong audience', build: async () => ({ headers: bearer(await idp.mint({ sub: 'alice' }, { audience: 'other-app' })) }), status: 401, code: 'invalid_token', reason: 'wrong_audience' },
    { name: 'no exp', build: async () => ({ headers: bearer(await idp.mint({ sub: 'alice' }, { noExp: true })) }), status: 401, code: 'invalid_token', reason: 'missing_claim' },
    { name: 'exp not a number', build: async () => ({ headers: bearer(await idp.mint({ sub: 'alice', exp: 'tomorrow' as unknown as number }, { noExp: true })) }), status: 401, code: 'invalid_token', reason: 'invalid_claim' },
    { name: 'no sub', build: async () => ({ headers: bearer(await idp.mint({})) }), status: 401, code: 'invalid_token', reason: 'missing_claim' },
    { name: 'sub = ""', build: async () => ({ headers: bearer(await idp.mint({ sub: '' })) }), status: 401, code: 'invalid_token', reason: 'invalid_claim' },
    { name: 'sub not a string', build: async () => ({ headers: bearer(await idp.mint({ sub: 42 as unknown as string })) }), status: 401, code: 'invalid_token', reason: 'invalid_claim' },
    { name: 'unknown kid', build: async () => ({ headers: bearer(await idp.mint({ sub: 'alice' }, { kid: 'not-a-known-kid' })) }), status: 401, code: 'invalid_token', reason: 'unknown_kid' },
    {
      name: 'tampered payload',
      build: async () => {
        const [header, , signature] = (await idp.mint({ sub: 'alice' })).split('.');
        return { headers: bearer(`${header}.${b64({ ...claims(), sub: 'bob' })}.${signature}`) };
      },
      status: 401,
      code: 'invalid_token',
      reason: 'bad_signature',
    },
    { name: 'a 9 KiB token', build: async () => ({ headers: bearer(await idp.mint({ sub: 'alice', pad: 'x'.repeat(9 * 1024) })) }), status: 401, code: 'invalid_token', reason: 'too_large' },
    { name: 'sub = *', build: async () => ({ headers: bearer(await idp.mint({ sub: '*' })) }), status: 403, code: 'insufficient_scope' },
    { name: 'sub = ..', build: async () => ({ headers: bearer(await idp.mint({ sub: '..' })) }), status: 403, code: 'insufficient_scope' },
    { name: 'sub = a/b', build: async () => ({ headers: bearer(await idp.mint({ sub: 'a/b' })) }), status: 403, code: 'insufficient_scope' },
    { name: 'a wider prefix', build: () => alice('{"prefix":"users/"}'), status: 403, code: 'insufficient_scope' },
    { name: 'another user’s prefix', build: () => alice('{"prefix":"users/alice2/"}'), status: 403, code: 'insufficient_scope' },
    // A wildcard is not a prefix at all: malformed (400), whatever it would match.
    { name: 'a wildcard prefix', build: () => alice('{"prefix":"users/alice/*"}'), status: 400, code: 'invalid_request' },
    { name: 'a wider action', build: () => alice('{"actions":["delete"]}'), status: 403, code: 'insufficient_scope' },
    { name: 'a longer duration', build: () => alice('{"durationSeconds":3600}'), status: 403, code: 'insufficient_scope' },
    { name: 'malformed JSON', build: () => alice('{"actions":'), status: 400, code: 'invalid_request' },
    { name: 'an unknown field', build: () => alice('{"bucket":"other"}'), status: 400, code: 'invalid_request' },
  ];
}
