/**
 * The browser client across sign-ins: keys belong to the identity in the login token (issuer and
 * subject), are asked for with the current token on every call, and are never handed to the next user,
 * not from the cache and not from a request still in flight. Fake timers drive the clock; a scripted
 * endpoint answers, issuing keys under the prefix of whoever's token it was sent.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createStsClient, StsClientError, UnauthorizedError, type StsClientOptions } from '../../client/index.js';
import { answer, deferred, ENDPOINT, fakeEndpoint, type FakeEndpoint, fakeJwt, issue, type RecordedCall, settle, T0 } from './credentials-client.fakes.js';

const S = 1000;
const ALICE = fakeJwt({ sub: 'alice' });
const BOB = fakeJwt({ sub: 'bob' });

/** The subject a recorded call's Bearer token names (what the endpoint would verify and issue for). */
function subjectOf(call: RecordedCall): string {
  const token = call.headers.Authorization?.replace(/^Bearer /, '') ?? '';
  try {
    return String((JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub?: unknown }).sub);
  } catch {
    return 'unreadable';
  }
}

/** Issues keys for the subject of the token it was sent, as the real endpoint does. */
function perSubjectEndpoint(): FakeEndpoint {
  return fakeEndpoint((call) => issue({ body: { prefix: `users/${subjectOf(call)}/` } })(call));
}

/** A client whose getToken returns whatever `session.token` holds now, as an app's session store would. */
function signedInClient(endpoint: FakeEndpoint, session: { token: string | undefined }, options: Partial<StsClientOptions> = {}) {
  const getToken = vi.fn(() => session.token);
  const client = createStsClient({ endpoint: ENDPOINT, getToken, fetch: endpoint.fetch, random: () => 0.5, ...options });
  return { client, getToken };
}

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the login token on every call', () => {
  it('is asked for on every getCredentials, cache hits included', async () => {
    const endpoint = perSubjectEndpoint();
    const { client, getToken } = signedInClient(endpoint, { token: ALICE });
    const first = await client.getCredentials();
    expect(await client.getCredentials()).toBe(first);
    expect(await client.getCredentials()).toBe(first);
    expect(getToken).toHaveBeenCalledTimes(3);
    expect(endpoint.calls).toHaveLength(1);
  });

  it('keeps serving the cache when the app refreshes the same user’s token', async () => {
    const endpoint = perSubjectEndpoint();
    const session = { token: fakeJwt({ sub: 'alice', iat: 1 }) as string | undefined };
    const { client } = signedInClient(endpoint, session);
    const first = await client.getCredentials();
    session.token = fakeJwt({ sub: 'alice', iat: 2, exp: 9_999_999_999 });
    expect(await client.getCredentials()).toBe(first);
    expect(endpoint.calls).toHaveLength(1);
    expect(client.identityGeneration).toBe(0);
  });

  it('reads a subject written in UTF-8, so a refreshed token of josé is still josé', async () => {
    const endpoint = perSubjectEndpoint();
    const session = { token: fakeJwt({ sub: 'josé', iat: 1 }) as string | undefined };
    const { client } = signedInClient(endpoint, session);
    const first = await client.getCredentials();
    session.token = fakeJwt({ sub: 'josé', iat: 2 });
    expect(await client.getCredentials()).toBe(first);
    session.token = fakeJwt({ sub: 'jose', iat: 3 });
    expect(await client.getCredentials()).not.toBe(first);
    expect(endpoint.calls).toHaveLength(2);
  });
});

describe('another user signs in', () => {
  it('alice → bob: bob gets his own keys from a new request, never alice’s cached ones', async () => {
    const endpoint = perSubjectEndpoint();
    const session = { token: ALICE as string | undefined };
    const { client } = signedInClient(endpoint, session);
    const alices = await client.getCredentials();
    expect(alices.prefix).toBe('users/alice/');

    // No clear(): the app forgot it. The token alone tells the client the user changed.
    session.token = BOB;
    const bobs = await client.getCredentials();
    expect(bobs.prefix).toBe('users/bob/');
    expect(bobs.accessKeyId).not.toBe(alices.accessKeyId);
    expect(endpoint.calls.map(subjectOf)).toEqual(['alice', 'bob']);
    expect(client.identityGeneration).toBe(1);

    // And back: alice's keys were dropped, not kept aside.
    session.token = ALICE;
    const again = await client.getCredentials();
    expect(again.accessKeyId).not.toBe(alices.accessKeyId);
    expect(endpoint.calls.map(subjectOf)).toEqual(['alice', 'bob', 'alice']);
  });

  it('drops the keys of every request body of the previous user', async () => {
    const endpoint = perSubjectEndpoint();
    const session = { token: ALICE as string | undefined };
    const { client } = signedInClient(endpoint, session);
    await client.getCredentials({ actions: ['get'] });
    session.token = BOB;
    expect(client.refreshAt({ actions: ['get'] })).toBeDefined();
    await client.getCredentials();
    expect(client.refreshAt({ actions: ['get'] })).toBeUndefined();
    expect((await client.getCredentials({ actions: ['get'] })).prefix).toBe('users/bob/');
    expect(endpoint.calls.map(subjectOf)).toEqual(['alice', 'bob', 'bob']);
  });

  it('tells apart the same subject at two issuers', async () => {
    const endpoint = perSubjectEndpoint();
    const session = { token: fakeJwt({ sub: 'alice', iss: 'https://a.example/' }) as string | undefined };
    const { client } = signedInClient(endpoint, session);
    const first = await client.getCredentials();
    session.token = fakeJwt({ sub: 'alice', iss: 'https://b.example/' });
    expect(await client.getCredentials()).not.toBe(first);
    expect(endpoint.calls).toHaveLength(2);
  });

  it('does not answer bob with alice’s request still in flight, and refuses it to alice’s callers', async () => {
    const endpoint = perSubjectEndpoint();
    const alicesReply = deferred();
    endpoint.next(alicesReply.responder);
    const session = { token: ALICE as string | undefined };
    const { client } = signedInClient(endpoint, session);
    const alicesCall = settle(client.getCredentials());
    await vi.advanceTimersByTimeAsync(0);

    session.token = BOB;
    const bobsCall = settle(client.getCredentials());
    await vi.advanceTimersByTimeAsync(0);
    // Bob did not join alice's request: he has one of his own.
    expect(endpoint.calls.map(subjectOf)).toEqual(['alice', 'bob']);

    alicesReply.resolve(issue({ body: { prefix: 'users/alice/' } })({} as never));
    await vi.advanceTimersByTimeAsync(0);
    expect(bobsCall().value?.prefix).toBe('users/bob/');
    expect(alicesCall().error).toBeInstanceOf(StsClientError);
    expect(alicesCall().error).toMatchObject({ code: 'identity_changed' });
    // Alice's late answer was not cached either.
    expect(await client.getCredentials()).toBe(bobsCall().value);
    expect(endpoint.calls).toHaveLength(2);
  });

  it('stops alice’s retries when bob signs in meanwhile, without sending bob’s token for them', async () => {
    const endpoint = perSubjectEndpoint();
    endpoint.next(answer(503, 'temporarily_unavailable'));
    const session = { token: ALICE as string | undefined };
    const { client } = signedInClient(endpoint, session);
    const alicesCall = settle(client.getCredentials());
    await vi.advanceTimersByTimeAsync(0);
    session.token = BOB;
    await vi.advanceTimersByTimeAsync(10 * S);
    expect(alicesCall().error).toMatchObject({ code: 'identity_changed' });
    expect(endpoint.calls.map(subjectOf)).toEqual(['alice']);
    expect(client.identityGeneration).toBe(1);
  });
});

describe('sign-out', () => {
  it('getToken giving no token drops everything: nothing is served, and the next user starts afresh', async () => {
    const endpoint = perSubjectEndpoint();
    const session = { token: ALICE as string | undefined };
    const { client } = signedInClient(endpoint, session);
    const changes = vi.fn();
    client.onIdentityChange(changes);
    const alices = await client.getCredentials();

    session.token = undefined;
    await expect(client.getCredentials()).rejects.toBeInstanceOf(UnauthorizedError);
    expect(client.refreshAt()).toBeUndefined();
    expect(changes).toHaveBeenCalledTimes(1);
    expect(client.identityGeneration).toBe(1);

    session.token = ALICE;
    expect((await client.getCredentials()).accessKeyId).not.toBe(alices.accessKeyId);
    expect(endpoint.calls).toHaveLength(2);
    // Signing in after a sign-out is not another change: nothing was left to drop.
    expect(changes).toHaveBeenCalledTimes(1);
  });

  it('clear() without argument is a sign-out: listeners run and the generation moves on', async () => {
    const endpoint = perSubjectEndpoint();
    const { client } = signedInClient(endpoint, { token: ALICE });
    const changes = vi.fn();
    const unsubscribe = client.onIdentityChange(changes);
    client.clear();
    expect(changes).not.toHaveBeenCalled(); // nobody was signed in yet
    await client.getCredentials();
    client.clear();
    expect(changes).toHaveBeenCalledTimes(1);
    expect(client.identityGeneration).toBe(1);
    unsubscribe();
    await client.getCredentials();
    client.clear();
    expect(changes).toHaveBeenCalledTimes(1);
    expect(client.identityGeneration).toBe(2);
  });

  it('clear(request) forgets one set and is not a sign-out', async () => {
    const endpoint = perSubjectEndpoint();
    const { client } = signedInClient(endpoint, { token: ALICE });
    const changes = vi.fn();
    client.onIdentityChange(changes);
    await client.getCredentials();
    client.clear({ actions: ['get'] });
    client.clear({});
    expect(changes).not.toHaveBeenCalled();
    expect(client.identityGeneration).toBe(0);
    expect(client.refreshAt()).toBeUndefined();
  });

  it('refuses a listener that is not a function', () => {
    const { client } = signedInClient(perSubjectEndpoint(), { token: ALICE });
    expect(() => client.onIdentityChange('nope' as unknown as () => void)).toThrow(TypeError);
  });
});

describe('tokens that cannot be read', () => {
  it.each([
    ['opaque', 'session-abc', 'session-xyz'],
    ['without sub', fakeJwt({ sub: undefined }), fakeJwt({ sub: undefined, iat: 5 })],
    ['with an empty sub', fakeJwt({ sub: '' }), fakeJwt({ sub: '', iat: 5 })],
    ['with a numeric sub', fakeJwt({ sub: 7 }), fakeJwt({ sub: 7, iat: 5 })],
    ['with a payload that is not base64url', 'aGVhZA.*&^%.c2ln', 'aGVhZA.$$$$.c2ln'],
    ['with a payload that is not JSON', 'aGVhZA.bm90IGpzb24.c2ln', 'aGVhZA.bm90IGpzb24h.c2ln'],
    ['with a payload that is an array', `aGVhZA.${Buffer.from('["alice"]').toString('base64url')}.c2ln`, `aGVhZA.${Buffer.from('["bob"]').toString('base64url')}.c2ln`],
    ['with invalid UTF-8', `aGVhZA.${Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url')}.c2ln`, `aGVhZA.${Buffer.from([0x7b, 0xfe, 0x7d]).toString('base64url')}.c2ln`],
  ])('%s: each token is an identity of its own, so keys go to that very token only', async (_, first, second) => {
    const endpoint = perSubjectEndpoint();
    const session = { token: first as string | undefined };
    const { client } = signedInClient(endpoint, session);
    const keys = await client.getCredentials();
    expect(await client.getCredentials()).toBe(keys);
    session.token = second;
    expect(await client.getCredentials()).not.toBe(keys);
    expect(endpoint.calls).toHaveLength(2);
  });

  it('an unreadable token after alice is never served alice’s keys', async () => {
    const endpoint = perSubjectEndpoint();
    const session = { token: ALICE as string | undefined };
    const { client } = signedInClient(endpoint, session);
    const alices = await client.getCredentials();
    session.token = 'not-a-jwt';
    expect(await client.getCredentials()).not.toBe(alices);
    expect(endpoint.calls).toHaveLength(2);
  });

  it('a huge payload is not decoded, and is an identity of its own', async () => {
    const endpoint = perSubjectEndpoint();
    const padding = 'x'.repeat(20_000);
    const session = { token: fakeJwt({ sub: 'alice', padding }) as string | undefined };
    const { client } = signedInClient(endpoint, session);
    const keys = await client.getCredentials();
    session.token = fakeJwt({ sub: 'alice', padding, iat: 9 });
    expect(await client.getCredentials()).not.toBe(keys);
  });
});

describe('time does not blur identities', () => {
  it('a refresh for alice after her refresh point never serves bob', async () => {
    const endpoint = perSubjectEndpoint();
    const session = { token: ALICE as string | undefined };
    const { client } = signedInClient(endpoint, session, { maxAttempts: 1 });
    await client.getCredentials();
    await vi.advanceTimersByTimeAsync(500 * S);
    session.token = BOB;
    // The endpoint fails bob's request: the fallback to still-valid cached keys must not pick alice's.
    endpoint.next(answer(503, 'temporarily_unavailable'));
    await expect(client.getCredentials()).rejects.toMatchObject({ code: 'http_error', status: 503 });
  });
});
