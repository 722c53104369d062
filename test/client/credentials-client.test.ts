/**
 * The browser client's cache: when it fetches, when it refreshes, what it hands out while a refresh
 * fails, and what it never hands out. Fake timers drive the clock; a scripted endpoint answers.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createStsClient, StsClientError, UnauthorizedError, type StsClientOptions, type TokenRequest } from '../../client/index.js';
import { answer, deferred, ENDPOINT, fakeEndpoint, type FakeEndpoint, fakeJwt, hang, issue, networkDown, settle, T0 } from './credentials-client.fakes.js';

const S = 1000;

function clientFor(endpoint: FakeEndpoint, options: Partial<StsClientOptions> = {}) {
  return createStsClient({ endpoint: ENDPOINT, getToken: () => 'fake-login-token', fetch: endpoint.fetch, random: () => 0.5, ...options });
}

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the first call', () => {
  it('POSTs to the endpoint with the Bearer token, no cookies and no body, and resolves with the credentials', async () => {
    const endpoint = fakeEndpoint();
    const credentials = await clientFor(endpoint).getCredentials();
    expect(endpoint.calls).toHaveLength(1);
    const [call] = endpoint.calls;
    expect(call).toMatchObject({ url: ENDPOINT, method: 'POST', credentials: 'omit', body: undefined });
    expect(call!.headers).toEqual({ Authorization: 'Bearer fake-login-token' });
    expect(credentials).toEqual({
      provider: 'aliyun',
      accessKeyId: expect.stringMatching(/^STS\.fake-id-/),
      accessKeySecret: expect.stringMatching(/^fake-secret-/),
      securityToken: expect.stringMatching(/^fake-security-token-/),
      expiration: '2026-03-01T00:15:00Z',
      startTime: T0 / S,
      expiredTime: T0 / S + 900,
      bucket: 'media',
      region: 'cn-hangzhou',
      prefix: 'users/alice/',
      actions: ['put'],
    });
  });

  it('hands out a frozen copy with only the contract fields, so no caller can alter what others get', async () => {
    const endpoint = fakeEndpoint(issue({ body: { extra: 'field' } }));
    const credentials = await clientFor(endpoint).getCredentials();
    expect(credentials).not.toHaveProperty('extra');
    expect(Object.isFrozen(credentials)).toBe(true);
    expect(Object.isFrozen(credentials.actions)).toBe(true);
  });
});

describe('refresh point', () => {
  it('serves the cached set until less than half its lifetime remains (the default), then fetches once', async () => {
    const endpoint = fakeEndpoint();
    const client = clientFor(endpoint);
    const first = await client.getCredentials();
    expect(client.refreshAt()).toBe(T0 + 450 * S);

    await vi.advanceTimersByTimeAsync(450 * S - 1);
    expect(await client.getCredentials()).toBe(first);
    expect(endpoint.calls).toHaveLength(1);

    await vi.advanceTimersByTimeAsync(1);
    const second = await client.getCredentials();
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    expect(endpoint.calls).toHaveLength(2);
    expect(client.refreshAt()).toBe(T0 + 900 * S);
  });

  it.each([
    [0.2, 720],
    [0.8, 180],
  ])('with refreshWhenRemaining %s, refreshes a fresh 900 s set after %s s', async (share, seconds) => {
    const endpoint = fakeEndpoint();
    const client = clientFor(endpoint, { refreshWhenRemaining: share });
    await client.getCredentials();
    expect(client.refreshAt()).toBe(T0 + seconds * S);
    await vi.advanceTimersByTimeAsync(seconds * S - 1);
    await client.getCredentials();
    expect(endpoint.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await client.getCredentials();
    expect(endpoint.calls).toHaveLength(2);
  });

  it('does not refetch in a loop when the endpoint hands back a set already past the refresh point', async () => {
    // The endpoint's own cache answers with a set that has 400 of its 900 s left: past the 450 s point.
    const endpoint = fakeEndpoint(issue({ remainingSeconds: 400 }));
    const client = clientFor(endpoint);
    await client.getCredentials();
    // Kept for half of what remained on arrival.
    expect(client.refreshAt()).toBe(T0 + 200 * S);
    for (let i = 0; i < 10; i += 1) await client.getCredentials();
    await vi.advanceTimersByTimeAsync(200 * S - 1);
    await client.getCredentials();
    expect(endpoint.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await client.getCredentials();
    expect(endpoint.calls).toHaveLength(2);
  });
});

describe('clock skew', () => {
  it('judges expiry by the server clock from the Date header when the phone is an hour fast', async () => {
    const endpoint = fakeEndpoint(issue({ serverAheadMs: -3600 * S }));
    const client = clientFor(endpoint);
    // Read on the phone's clock, these keys expired an hour ago; they are in fact fresh.
    const credentials = await client.getCredentials();
    expect(credentials.expiredTime * S).toBeLessThan(Date.now());
    expect(client.refreshAt()).toBe(T0 + 450 * S);
    await vi.advanceTimersByTimeAsync(449 * S);
    await client.getCredentials();
    expect(endpoint.calls).toHaveLength(1);
  });

  it('refreshes in time when the phone is an hour slow, instead of an hour late', async () => {
    const endpoint = fakeEndpoint(issue({ serverAheadMs: 3600 * S }));
    const client = clientFor(endpoint);
    await client.getCredentials();
    expect(client.refreshAt()).toBe(T0 + 450 * S);
    await vi.advanceTimersByTimeAsync(450 * S);
    await client.getCredentials();
    expect(endpoint.calls).toHaveLength(2);
  });

  it.each([
    ['missing', false],
    ['unparseable', 'not a date'],
  ] as const)('assumes no skew when the Date header is %s', async (_, date) => {
    const endpoint = fakeEndpoint(issue({ serverAheadMs: 100 * S, date }));
    const client = clientFor(endpoint);
    const credentials = await client.getCredentials();
    expect(client.refreshAt()).toBe(credentials.expiredTime * S - 450 * S);
  });

  it('refetches when the device clock has been set back since the set arrived', async () => {
    const endpoint = fakeEndpoint();
    const client = clientFor(endpoint);
    await client.getCredentials();
    vi.setSystemTime(T0 - 3600 * S);
    await client.getCredentials();
    expect(endpoint.calls).toHaveLength(2);
  });
});

describe('one request for concurrent callers', () => {
  it('shares one request among 20 concurrent callers, who all get the same set', async () => {
    const endpoint = fakeEndpoint();
    const client = clientFor(endpoint);
    const all = await Promise.all(Array.from({ length: 20 }, () => client.getCredentials()));
    expect(endpoint.calls).toHaveLength(1);
    expect(new Set(all).size).toBe(1);
  });

  it('shares one refresh among concurrent callers at the refresh point', async () => {
    const endpoint = fakeEndpoint();
    const client = clientFor(endpoint);
    await client.getCredentials();
    await vi.advanceTimersByTimeAsync(450 * S);
    const all = await Promise.all(Array.from({ length: 20 }, () => client.getCredentials()));
    expect(endpoint.calls).toHaveLength(2);
    expect(new Set(all.map((c) => c.accessKeyId)).size).toBe(1);
  });

  it('shares one request among callers who wait through its retries', async () => {
    const endpoint = fakeEndpoint();
    endpoint.next(answer(503, 'temporarily_unavailable'));
    const client = clientFor(endpoint);
    const first = settle(client.getCredentials());
    await vi.advanceTimersByTimeAsync(50);
    const second = settle(client.getCredentials());
    await vi.advanceTimersByTimeAsync(100);
    expect(first().settled && second().settled).toBe(true);
    expect(first().value).toBe(second().value);
    expect(endpoint.calls).toHaveLength(2);
  });

  it('lets forceRefresh join a request in flight instead of starting a second', async () => {
    const endpoint = fakeEndpoint();
    const reply = deferred();
    endpoint.next(reply.responder);
    const client = clientFor(endpoint);
    const plain = client.getCredentials();
    const forced = client.getCredentials(undefined, { forceRefresh: true });
    reply.resolve(issue()({} as never));
    expect(await forced).toBe(await plain);
    expect(endpoint.calls).toHaveLength(1);
  });

  it('fetches a new set on forceRefresh even while the cached one is fresh', async () => {
    const endpoint = fakeEndpoint();
    const client = clientFor(endpoint);
    const first = await client.getCredentials();
    const forced = await client.getCredentials(undefined, { forceRefresh: true });
    expect(forced.accessKeyId).not.toBe(first.accessKeyId);
    expect(await client.getCredentials()).toBe(forced);
    expect(endpoint.calls).toHaveLength(2);
  });

  it('starts a new request after a failed one instead of repeating its failure', async () => {
    const endpoint = fakeEndpoint();
    endpoint.next(answer(403, 'insufficient_scope'));
    const client = clientFor(endpoint);
    await expect(client.getCredentials()).rejects.toMatchObject({ status: 403 });
    await expect(client.getCredentials()).resolves.toMatchObject({ provider: 'aliyun' });
    expect(endpoint.calls).toHaveLength(2);
  });
});

describe('when a refresh fails', () => {
  async function pastRefreshPoint(options: Partial<StsClientOptions> = {}) {
    const endpoint = fakeEndpoint();
    const client = clientFor(endpoint, { maxAttempts: 2, ...options });
    const cached = await client.getCredentials();
    await vi.advanceTimersByTimeAsync(500 * S);
    return { endpoint, client, cached };
  }

  it.each([
    ['503', answer(503, 'temporarily_unavailable')],
    ['500', answer(500)],
    ['429', answer(429, 'rate_limited')],
    ['a network error', networkDown()],
  ])('serves the still-valid cached set after %s on every attempt', async (_, failure) => {
    const { endpoint, client, cached } = await pastRefreshPoint();
    endpoint.next(failure, failure);
    const result = settle(client.getCredentials());
    await vi.advanceTimersByTimeAsync(10 * S);
    expect(result().value).toBe(cached);
    expect(endpoint.calls).toHaveLength(3);
    // The next call tries again rather than trusting the failed refresh.
    await client.getCredentials();
    expect(endpoint.calls).toHaveLength(4);
  });

  it('serves the still-valid cached set after timeouts', async () => {
    const { endpoint, client, cached } = await pastRefreshPoint({ timeoutMs: 1000 });
    endpoint.next(hang(), hang());
    const result = settle(client.getCredentials());
    await vi.advanceTimersByTimeAsync(3 * S);
    expect(result().value).toBe(cached);
  });

  it.each([
    [400, 'invalid_request'],
    [403, 'insufficient_scope'],
  ])('rejects on %s rather than hiding a refusal behind the cached set', async (status, error) => {
    const { endpoint, client } = await pastRefreshPoint();
    endpoint.next(answer(status, error));
    await expect(client.getCredentials()).rejects.toMatchObject({ code: 'http_error', status, error });
    expect(client.refreshAt()).toBeDefined();
  });

  it('rejects on 401 and forgets the cached set: the endpoint no longer vouches for this user', async () => {
    const { endpoint, client } = await pastRefreshPoint();
    endpoint.next(answer(401, 'invalid_token'));
    const error = await client.getCredentials().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error).toMatchObject({ code: 'unauthorized', status: 401, error: 'invalid_token' });
    expect(client.refreshAt()).toBeUndefined();
  });

  it('rejects a failed forceRefresh instead of falling back to the set its caller distrusts', async () => {
    const endpoint = fakeEndpoint();
    const client = clientFor(endpoint, { maxAttempts: 1 });
    await client.getCredentials();
    endpoint.next(answer(503, 'temporarily_unavailable'));
    await expect(client.getCredentials(undefined, { forceRefresh: true })).rejects.toMatchObject({ code: 'http_error', status: 503 });
  });
});

describe('never expired credentials', () => {
  it('rejects instead of serving a set within 30 s of expiry when the endpoint fails', async () => {
    const endpoint = fakeEndpoint();
    const client = clientFor(endpoint, { maxAttempts: 1 });
    const cached = await client.getCredentials();
    endpoint.next(answer(503, 'temporarily_unavailable'), answer(503, 'temporarily_unavailable'));
    await vi.advanceTimersByTimeAsync(869 * S);
    expect(await client.getCredentials()).toBe(cached);
    await vi.advanceTimersByTimeAsync(1 * S);
    await expect(client.getCredentials()).rejects.toMatchObject({ code: 'http_error', status: 503 });
    expect(client.refreshAt()).toBeUndefined();
  });

  it('rejects long after expiry, with the endpoint unreachable', async () => {
    const endpoint = fakeEndpoint();
    const client = clientFor(endpoint, { maxAttempts: 1 });
    await client.getCredentials();
    await vi.advanceTimersByTimeAsync(3600 * S);
    endpoint.next(networkDown());
    await expect(client.getCredentials()).rejects.toMatchObject({ code: 'network_error' });
  });

  it('uses a tenth of the lifetime as the margin for short-lived sets', async () => {
    const endpoint = fakeEndpoint(issue({ lifetimeSeconds: 60 }));
    const client = clientFor(endpoint, { maxAttempts: 1 });
    const cached = await client.getCredentials();
    endpoint.next(networkDown(), networkDown());
    await vi.advanceTimersByTimeAsync(53 * S);
    expect(await client.getCredentials()).toBe(cached);
    await vi.advanceTimersByTimeAsync(1 * S);
    await expect(client.getCredentials()).rejects.toMatchObject({ code: 'network_error' });
  });

  it.each([
    ['already expired', -10],
    ['within the safety margin', 20],
  ])('rejects a set that is %s on arrival as invalid_response, without retrying', async (_, remainingSeconds) => {
    const endpoint = fakeEndpoint(issue({ remainingSeconds }));
    const client = clientFor(endpoint);
    const error = await client.getCredentials().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StsClientError);
    expect(error).toMatchObject({ code: 'invalid_response' });
    expect(endpoint.calls).toHaveLength(1);
    expect(client.refreshAt()).toBeUndefined();
  });
});

describe('per-call bodies', () => {
  it('caches equivalent bodies together and sends the canonical JSON', async () => {
    const endpoint = fakeEndpoint();
    const client = clientFor(endpoint);
    const a = await client.getCredentials({ actions: ['put', 'get'], prefix: 'users/alice/photos/' });
    const b = await client.getCredentials({ prefix: 'users/alice/photos/', actions: ['get', 'put', 'get'] });
    expect(b).toBe(a);
    expect(endpoint.calls).toHaveLength(1);
    expect(endpoint.calls[0]!.body).toBe('{"actions":["get","put"],"prefix":"users/alice/photos/"}');
    expect(endpoint.calls[0]!.headers['Content-Type']).toBe('application/json');
  });

  it('caches different bodies separately, each with its own refresh point', async () => {
    const endpoint = fakeEndpoint();
    const client = clientFor(endpoint);
    const whole = await client.getCredentials();
    await vi.advanceTimersByTimeAsync(100 * S);
    const narrow = await client.getCredentials({ actions: ['get'] });
    expect(narrow.accessKeyId).not.toBe(whole.accessKeyId);
    expect(endpoint.calls.map((c) => c.body)).toEqual([undefined, '{"actions":["get"]}']);
    expect(client.refreshAt()).toBe(T0 + 450 * S);
    expect(client.refreshAt({ actions: ['get'] })).toBe(T0 + 550 * S);
  });

  it('sends the default body when a call gives none, and a call’s own {} asks for the whole grant', async () => {
    const endpoint = fakeEndpoint();
    const client = clientFor(endpoint, { request: { durationSeconds: 1800 } });
    await client.getCredentials();
    await client.getCredentials({ durationSeconds: 1800 });
    await client.getCredentials({});
    expect(endpoint.calls.map((c) => c.body)).toEqual(['{"durationSeconds":1800}', undefined]);
  });

  it('rejects a malformed body with a TypeError, without a request', async () => {
    const endpoint = fakeEndpoint();
    const client = clientFor(endpoint);
    await expect(client.getCredentials({ actions: 'put' } as unknown as TokenRequest)).rejects.toThrow(new TypeError('request.actions must be an array of strings'));
    await expect(client.getCredentials({ durationSeconds: Number.NaN })).rejects.toThrow(TypeError);
    await expect(client.getCredentials({ prefix: 7 } as unknown as TokenRequest)).rejects.toThrow(TypeError);
    expect(endpoint.calls).toHaveLength(0);
  });
});

describe('clear()', () => {
  it('forgets everything without an argument', async () => {
    const endpoint = fakeEndpoint();
    const client = clientFor(endpoint);
    await client.getCredentials();
    await client.getCredentials({ actions: ['get'] });
    client.clear();
    expect(client.refreshAt()).toBeUndefined();
    expect(client.refreshAt({ actions: ['get'] })).toBeUndefined();
    await client.getCredentials();
    expect(endpoint.calls).toHaveLength(3);
  });

  it('forgets only the given request', async () => {
    const endpoint = fakeEndpoint();
    const client = clientFor(endpoint);
    await client.getCredentials();
    await client.getCredentials({ actions: ['get'] });
    client.clear({ actions: ['get', 'get'] });
    expect(client.refreshAt()).toBeDefined();
    expect(client.refreshAt({ actions: ['get'] })).toBeUndefined();
  });

  // clear() without an argument is sign-out: a request in flight for the user who left answers no one
  // (it used to still answer its own callers; the next user's code could then act on the old keys).
  it('does not let a request in flight before clear() fill the cache, nor answer anyone', async () => {
    const endpoint = fakeEndpoint();
    const before = deferred();
    endpoint.next(before.responder);
    let token = 'token-of-alice';
    const client = clientFor(endpoint, { getToken: () => token });
    const early = settle(client.getCredentials());
    await vi.advanceTimersByTimeAsync(0);
    client.clear();
    token = 'token-of-bob';
    const late = client.getCredentials();
    before.resolve(issue()({} as never));
    const lateResult = await late;
    await vi.advanceTimersByTimeAsync(0);
    expect(early().error).toMatchObject({ code: 'identity_changed' });
    expect(endpoint.calls.map((c) => c.headers.Authorization)).toEqual(['Bearer token-of-alice', 'Bearer token-of-bob']);
    expect(await client.getCredentials()).toBe(lateResult);
  });

  it('does not serve a set forgotten by clear() when the refresh that replaced it fails', async () => {
    const endpoint = fakeEndpoint();
    const client = clientFor(endpoint, { maxAttempts: 1 });
    await client.getCredentials();
    await vi.advanceTimersByTimeAsync(500 * S);
    const reply = deferred();
    endpoint.next(reply.responder);
    const pending = client.getCredentials();
    await vi.advanceTimersByTimeAsync(0);
    client.clear();
    reply.resolve(answer(503, 'temporarily_unavailable')({} as never));
    // Refused as a request of the user who signed out (it was a 503 before sign-out became a clear()).
    await expect(pending).rejects.toMatchObject({ code: 'identity_changed' });
  });
});

describe('the login token', () => {
  it('is asked for on every attempt, so a token the app refreshed meanwhile is used', async () => {
    const endpoint = fakeEndpoint();
    endpoint.next(answer(503, 'temporarily_unavailable'));
    // The same user's token, refreshed by the app between the attempts (opaque tokens were used here
    // before; a changed opaque token now counts as another user).
    const tokens = [fakeJwt({ sub: 'alice', iat: 1 }), fakeJwt({ sub: 'alice', iat: 2 })];
    const client = clientFor(endpoint, { getToken: async () => tokens[Math.min(endpoint.calls.length, 1)] });
    const result = settle(client.getCredentials());
    await vi.advanceTimersByTimeAsync(1 * S);
    expect(result().settled).toBe(true);
    expect(result().value).toBeDefined();
    expect(endpoint.calls.map((c) => c.headers.Authorization)).toEqual(tokens.map((token) => `Bearer ${token}`));
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['missing', undefined],
  ])('when %s, rejects with UnauthorizedError without a request', async (_, token) => {
    const endpoint = fakeEndpoint();
    const client = clientFor(endpoint, { getToken: () => token as string });
    const error = await client.getCredentials().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error).toMatchObject({ code: 'unauthorized' });
    expect(endpoint.calls).toHaveLength(0);
  });

  it('when it cannot go into a header, rejects without quoting it', async () => {
    const endpoint = fakeEndpoint();
    const client = clientFor(endpoint, { getToken: () => 'secret-part\nsecond-line' });
    const error = (await client.getCredentials().catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error.message).not.toContain('secret-part');
    expect(endpoint.calls).toHaveLength(0);
  });

  it('when getToken throws, rejects with that very error, once, without a request', async () => {
    const endpoint = fakeEndpoint();
    const thrown = new Error('session store unavailable');
    const getToken = vi.fn(() => Promise.reject(thrown));
    const client = clientFor(endpoint, { getToken });
    await expect(client.getCredentials()).rejects.toBe(thrown);
    expect(getToken).toHaveBeenCalledTimes(1);
    expect(endpoint.calls).toHaveLength(0);
  });
});
