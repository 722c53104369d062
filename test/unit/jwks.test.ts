/**
 * The remote JWKS (lib/auth/jwks.ts) against a loopback issuer: caching and its maximum age, the
 * refetch on an unknown `kid` and its cooldown, one fetch shared by concurrent verifications, the
 * outage errors (JwksUnavailableError, never a token error), the last good set standing in for a failed
 * refresh, and the invocation's deadline cutting a fetch short.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errors, exportJWK, generateKeyPair, type JWK, jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRemoteJwks, JwksUnavailableError, type RemoteJwksOptions } from '../../lib/auth/jwks.js';

type Mode = 'ok' | 'http-500' | 'garbage' | 'not-a-set' | 'redirect' | 'hang' | 'huge';

let server: Server;
let url: URL;
let mode: Mode = 'ok';
let keys: JWK[] = [];
let fetches = 0;
/** Delay before answering, so concurrent verifications overlap one fetch. */
let delayMs = 0;

const signers: Record<string, CryptoKey> = {};

async function addKey(kid: string): Promise<void> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  signers[kid] = privateKey;
  keys.push({ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' });
}

const token = (kid: string, sub = 'alice') =>
  new SignJWT({ sub }).setProtectedHeader({ alg: 'ES256', kid }).setIssuedAt().setExpirationTime('5m').sign(signers[kid]!);

beforeAll(async () => {
  server = createServer((_req, res) => {
    fetches++;
    const answer = () => {
      switch (mode) {
        case 'ok':
          return void res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify({ keys }));
        case 'http-500':
          return void res.writeHead(500).end('internal error');
        case 'garbage':
          return void res.writeHead(200).end('{"keys": [tru');
        case 'not-a-set':
          return void res.writeHead(200).end('{"keys": [1, 2]}');
        case 'redirect':
          return void res.writeHead(302, { location: 'http://127.0.0.1:1/jwks.json' }).end();
        case 'huge':
          return void res.writeHead(200).end(JSON.stringify({ keys, padding: 'x'.repeat(600 * 1024) }));
        case 'hang':
          return;
      }
    };
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`);
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(async () => {
  mode = 'ok';
  keys = [];
  fetches = 0;
  delayMs = 0;
  await addKey('k1');
});

/** Verifies `jwt` with the set as the token function does; `deadlineMs` is the invocation's deadline. */
function verifierOf(options: RemoteJwksOptions = {}) {
  const jwks = createRemoteJwks(url, options);
  return (jwt: string, deadlineMs?: number) => jwtVerify(jwt, (header, jws) => jwks(deadlineMs, header, jws), { algorithms: ['ES256'] });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('createRemoteJwks', () => {
  it('fetches the set once and verifies every later token from the cache', async () => {
    const verify = verifierOf();
    for (const sub of ['a', 'b', 'c']) expect((await verify(await token('k1', sub))).payload.sub).toBe(sub);
    expect(fetches).toBe(1);
  });

  it('fetches again once the set is older than its maximum age', async () => {
    const verify = verifierOf({ cacheMaxAgeMs: 100 });
    await verify(await token('k1'));
    await sleep(120);
    await verify(await token('k1'));
    expect(fetches).toBe(2);
  });

  it('shares one fetch between verifications that need it at the same time', async () => {
    delayMs = 50;
    const verify = verifierOf();
    const results = await Promise.all(['a', 'b', 'c', 'd'].map(async (sub) => verify(await token('k1', sub))));
    expect(results.map((r) => r.payload.sub)).toEqual(['a', 'b', 'c', 'd']);
    expect(fetches).toBe(1);
  });

  it('refetches for an unknown kid (a key rotation) once the cooldown has passed', async () => {
    const verify = verifierOf({ cooldownMs: 50 });
    await verify(await token('k1'));
    await addKey('k2');
    await sleep(60);
    expect((await verify(await token('k2'))).payload.sub).toBe('alice');
    expect(fetches).toBe(2);
  });

  it('does not refetch for an unknown kid during the cooldown: the token is refused as a token', async () => {
    const verify = verifierOf({ cooldownMs: 60_000 });
    await verify(await token('k1'));
    await addKey('k2');
    for (let i = 0; i < 3; i++) expect(await rejection(verify(await token('k2')))).toBeInstanceOf(errors.JWKSNoMatchingKey);
    expect(fetches).toBe(1);
  });

  it('refuses a kid the fresh set does not have either as a token error, not an outage', async () => {
    const verify = verifierOf({ cooldownMs: 0 });
    await verify(await token('k1'));
    await addKey('k9');
    keys = keys.filter((k) => k.kid !== 'k9');
    expect(await rejection(verify(await token('k9')))).toBeInstanceOf(errors.JWKSNoMatchingKey);
    expect(fetches).toBe(2);
  });

  it.each(['http-500', 'garbage', 'not-a-set', 'redirect', 'huge'] as const)('reports %s on a cold instance as JwksUnavailableError', async (m) => {
    mode = m;
    const error = await rejection(verifierOf()(await token('k1')));
    expect(error).toBeInstanceOf(JwksUnavailableError);
    expect(fetches).toBe(1);
  });

  it('reports an issuer that is down as JwksUnavailableError', async () => {
    const jwks = createRemoteJwks(new URL('http://127.0.0.1:1/jwks.json'));
    const jwt = await token('k1');
    expect(await rejection(jwtVerify(jwt, (h, t) => jwks(undefined, h, t)))).toBeInstanceOf(JwksUnavailableError);
  });

  it('gives up on a hanging issuer after its timeout', async () => {
    mode = 'hang';
    const started = Date.now();
    const error = await rejection(verifierOf({ timeoutMs: 150 })(await token('k1')));
    expect(error).toBeInstanceOf(JwksUnavailableError);
    expect((error as Error).message).toContain('timeout');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('stops a fetch at the invocation deadline when that comes before the timeout', async () => {
    mode = 'hang';
    const started = Date.now();
    const error = await rejection(verifierOf({ timeoutMs: 5000 })(await token('k1'), Date.now() + 150));
    expect(error).toBeInstanceOf(JwksUnavailableError);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('serves the last good set when a refresh fails, says so, and counts it fresh for another period', async () => {
    const stale: string[] = [];
    // A period long enough that a loaded machine still verifies carol within it; tokens signed beforehand.
    const verify = verifierOf({ cacheMaxAgeMs: 1000, onStale: (reason) => stale.push(reason) });
    const [alice, bob, carol] = await Promise.all([token('k1'), token('k1', 'bob'), token('k1', 'carol')]);
    await verify(alice);
    mode = 'http-500';
    await sleep(1100);
    expect((await verify(bob)).payload.sub).toBe('bob');
    expect(stale).toEqual(['HTTP 500']);
    await verify(carol);
    expect(fetches).toBe(2);
  });

  it('stops serving the last good set once it is older than the stale limit', async () => {
    const verify = verifierOf({ cacheMaxAgeMs: 20, staleIfErrorMs: 250 });
    await verify(await token('k1'));
    mode = 'garbage';
    await sleep(30);
    await verify(await token('k1'));
    await sleep(260);
    expect(await rejection(verify(await token('k1')))).toBeInstanceOf(JwksUnavailableError);
  });

  it('does not cache a failure: the next verification fetches again and succeeds', async () => {
    mode = 'http-500';
    const verify = verifierOf();
    expect(await rejection(verify(await token('k1')))).toBeInstanceOf(JwksUnavailableError);
    mode = 'ok';
    expect((await verify(await token('k1'))).payload.sub).toBe('alice');
    expect(fetches).toBe(2);
  });
});
