/**
 * The attack list every cloud's function must pass: each request ends in its 4xx and makes no STS call.
 * Built against a development identity provider, so the same list runs against every bundle.
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
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

export function attackCases(idp: IdentityProvider & { jwksUrl: string }): AttackCase[] {
  const claims = () => ({ sub: 'alice', iss: idp.issuer, aud: idp.audience, exp: Math.floor(Date.now() / 1000) + 300 });
  const alice = async (body?: string): Promise<AttackRequest> => ({ headers: bearer(await idp.mint({ sub: 'alice' })), ...(body === undefined ? {} : { body }) });
  return [
    { name: 'no Authorization header', build: async () => ({}), status: 401, code: 'invalid_token' },
    { name: 'alg: none', build: async () => ({ headers: bearer(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`) }), status: 401, code: 'invalid_token' },
    {
      name: 'HS256 signed with the public key',
      build: async () => {
        const jwk = JSON.stringify(((await (await fetch(idp.jwksUrl)).json()) as { keys: unknown[] }).keys[0]);
        const token = await new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'HS256' }).setIssuer(idp.issuer).setAudience(idp.audience).setExpirationTime('5m').sign(new TextEncoder().encode(jwk));
        return { headers: bearer(token) };
      },
      status: 401,
      code: 'invalid_token',
    },
    { name: 'expired', build: async () => ({ headers: bearer(await idp.mint({ sub: 'alice' }, { expiresIn: -120 })) }), status: 401, code: 'invalid_token' },
    { name: 'nbf in the future', build: async () => ({ headers: bearer(await idp.mint({ sub: 'alice' }, { notBefore: Math.floor(Date.now() / 1000) + 600 })) }), status: 401, code: 'invalid_token' },
    { name: 'wrong issuer', build: async () => ({ headers: bearer(await idp.mint({ sub: 'alice' }, { issuer: 'https://evil.example.com/' })) }), status: 401, code: 'invalid_token' },
    { name: 'wrong audience', build: async () => ({ headers: bearer(await idp.mint({ sub: 'alice' }, { audience: 'other-app' })) }), status: 401, code: 'invalid_token' },
    { name: 'no exp', build: async () => ({ headers: bearer(await idp.mint({ sub: 'alice' }, { noExp: true })) }), status: 401, code: 'invalid_token' },
    { name: 'no sub', build: async () => ({ headers: bearer(await idp.mint({})) }), status: 401, code: 'invalid_token' },
    { name: 'unknown kid', build: async () => ({ headers: bearer(await idp.mint({ sub: 'alice' }, { kid: 'not-a-known-kid' })) }), status: 401, code: 'invalid_token' },
    {
      name: 'tampered payload',
      build: async () => {
        const [header, , signature] = (await idp.mint({ sub: 'alice' })).split('.');
        return { headers: bearer(`${header}.${b64({ ...claims(), sub: 'bob' })}.${signature}`) };
      },
      status: 401,
      code: 'invalid_token',
    },
    { name: 'a 9 KiB token', build: async () => ({ headers: bearer(await idp.mint({ sub: 'alice', pad: 'x'.repeat(9 * 1024) })) }), status: 401, code: 'invalid_token' },
    { name: 'sub = *', build: async () => ({ headers: bearer(await idp.mint({ sub: '*' })) }), status: 403, code: 'insufficient_scope' },
    { name: 'sub = ..', build: async () => ({ headers: bearer(await idp.mint({ sub: '..' })) }), status: 403, code: 'insufficient_scope' },
    { name: 'sub = a/b', build: async () => ({ headers: bearer(await idp.mint({ sub: 'a/b' })) }), status: 403, code: 'insufficient_scope' },
    { name: 'a wider prefix', build: () => alice('{"prefix":"users/"}'), status: 403, code: 'insufficient_scope' },
    { name: 'another user’s prefix', build: () => alice('{"prefix":"users/alice2/"}'), status: 403, code: 'insufficient_scope' },
    { name: 'a wildcard prefix', build: () => alice('{"prefix":"users/alice/*"}'), status: 403, code: 'insufficient_scope' },
    { name: 'a wider action', build: () => alice('{"actions":["delete"]}'), status: 403, code: 'insufficient_scope' },
    { name: 'a longer duration', build: () => alice('{"durationSeconds":3600}'), status: 403, code: 'insufficient_scope' },
    { name: 'malformed JSON', build: () => alice('{"actions":'), status: 400, code: 'invalid_request' },
    { name: 'an unknown field', build: () => alice('{"bucket":"other"}'), status: 400, code: 'invalid_request' },
  ];
}
