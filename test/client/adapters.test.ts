/**
 * The adapters' own logic, on a fake clock: how each maps credentials to its SDK's shape and decides when
 * the SDK gets new keys. They run against the real client (`createStsClient`) with an injected `fetch`
 * standing in for the token endpoint, so "one fetch" and "cached" mean what they mean in an app.
 */
import type COS from 'cos-js-sdk-v5';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  aliOssOptions,
  cosGetAuthorization,
  createStsClient,
  keepObsClientFresh,
  obsClientOptions,
  UnauthorizedError,
  type CosCredentials,
  type StsClient,
  type StsCredentials,
} from '../../client/index.js';
import { secretGuard } from '../helpers/secret-guard.js';
import { fakeJwt } from './credentials-client.fakes.js';

const T0 = Date.UTC(2026, 10, 22, 8, 0, 0);

interface FakeEndpoint {
  readonly fetch: typeof fetch;
  /** Token requests made so far. */
  readonly calls: () => number;
  /** The next `count` requests get `status` instead of keys. */
  failNext(count: number, status: number): void;
}

/** Issues key #1, #2, … with `lifetimeSeconds`, starting now on the (fake) clock. */
function fakeEndpoint(provider: StsCredentials['provider'], lifetimeSeconds: number, region = 'cn-north-4'): FakeEndpoint {
  let calls = 0;
  let issued = 0;
  const secrets: string[] = [];
  const failures: number[] = [];
  secretGuard.issued(() => secrets);
  const fetchImpl = async (): Promise<Response> => {
    calls += 1;
    const failure = failures.shift();
    if (failure !== undefined) return new Response(JSON.stringify({ error: failure === 401 ? 'invalid_token' : 'temporarily_unavailable' }), { status: failure });
    issued += 1;
    const startTime = Math.floor(Date.now() / 1000);
    secrets.push(`secret-${issued}-x`, `token-${issued}-x`);
    const body = {
      provider,
      accessKeyId: `STS.key-${issued}`,
      accessKeySecret: `secret-${issued}-x`,
      securityToken: `token-${issued}-x`,
      expiration: new Date((startTime + lifetimeSeconds) * 1000).toISOString(),
      startTime,
      expiredTime: startTime + lifetimeSeconds,
      bucket: 'media',
      region,
      prefix: 'users/alice/',
      actions: ['put'],
    };
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json', date: new Date(Date.now()).toUTCString() } });
  };
  return { fetch: fetchImpl as typeof fetch, calls: () => calls, failNext: (count, status) => failures.push(...Array<number>(count).fill(status)) };
}

/** `session.token` is what the app's session store holds now: the login token, or nothing after sign-out. */
function clientFor(endpoint: FakeEndpoint, session: { token: string | undefined } = { token: 'login' }): StsClient {
  return createStsClient({ endpoint: 'https://tokens.example/sts', getToken: () => session.token, fetch: endpoint.fetch, baseBackoffMs: 10, maxBackoffMs: 10, random: () => 0.5 });
}

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('aliOssOptions', () => {
  it('gives ali-oss the keys, its region form, the bucket, and a polling interval of a tenth of the lifetime', async () => {
    const options = await aliOssOptions(clientFor(fakeEndpoint('aliyun', 900, 'cn-hangzhou')));
    expect(options).toMatchObject({
      region: 'oss-cn-hangzhou',
      bucket: 'media',
      accessKeyId: 'STS.key-1',
      accessKeySecret: 'secret-1-x',
      stsToken: 'token-1-x',
      refreshSTSTokenInterval: 60_000,
    });
    expect((await aliOssOptions(clientFor(fakeEndpoint('aliyun', 300)))).refreshSTSTokenInterval).toBe(30_000);
    // Never polled more than once a second, however short the keys live.
    expect((await aliOssOptions(clientFor(fakeEndpoint('aliyun', 6)))).refreshSTSTokenInterval).toBe(1_000);
  });

  it('polls within half of what is left at the refresh point when the client refreshes late', async () => {
    // Refresh when 10% (30 s) of a 300 s lifetime remains: ali-oss must ask at least every 15 s, or it
    // could keep the old keys past their expiry.
    const endpoint = fakeEndpoint('aliyun', 300);
    const lateClient = createStsClient({ endpoint: 'https://tokens.example/sts', getToken: () => 'login', fetch: endpoint.fetch, refreshWhenRemaining: 0.1 });
    expect(lateClient.refreshWhenRemaining).toBe(0.1);
    expect((await aliOssOptions(lateClient)).refreshSTSTokenInterval).toBe(15_000);
  });

  it('answers refreshSTSToken from the client cache until the refresh point, then with new keys from one fetch', async () => {
    const endpoint = fakeEndpoint('aliyun', 900);
    const { refreshSTSToken } = await aliOssOptions(clientFor(endpoint));

    await vi.advanceTimersByTimeAsync(60_000);
    expect(await refreshSTSToken()).toEqual({ accessKeyId: 'STS.key-1', accessKeySecret: 'secret-1-x', stsToken: 'token-1-x' });
    expect(endpoint.calls()).toBe(1);

    await vi.advanceTimersByTimeAsync(400_000); // past half the lifetime
    const refreshed = await Promise.all([refreshSTSToken(), refreshSTSToken(), refreshSTSToken()]);
    expect(refreshed.map((keys) => keys.accessKeyId)).toEqual(['STS.key-2', 'STS.key-2', 'STS.key-2']);
    expect(refreshed[0]).toEqual({ accessKeyId: 'STS.key-2', accessKeySecret: 'secret-2-x', stsToken: 'token-2-x' });
    expect(endpoint.calls()).toBe(2);
  });

  it('rejects with UnauthorizedError when the endpoint answers 401, first or at refresh', async () => {
    const endpoint = fakeEndpoint('aliyun', 900);
    endpoint.failNext(1, 401);
    await expect(aliOssOptions(clientFor(endpoint))).rejects.toBeInstanceOf(UnauthorizedError);

    const { refreshSTSToken } = await aliOssOptions(clientFor(endpoint));
    endpoint.failNext(1, 401);
    await vi.advanceTimersByTimeAsync(451_000);
    await expect(refreshSTSToken()).rejects.toMatchObject({ name: 'UnauthorizedError', code: 'unauthorized' });
  });

  it('refuses keys issued for another cloud, naming the clouds and no key', async () => {
    const error = await aliOssOptions(clientFor(fakeEndpoint('tencent', 900))).then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    expect(error).toBeInstanceOf(Error);
    if (!error) return;
    expect(error.message).toContain('"tencent"');
    expect(error.message).toContain('"aliyun"');
    expect(error.message).not.toMatch(/STS\.key|secret-|token-1/);
  });
});

describe('cosGetAuthorization', () => {
  it("fits cos-js-sdk-v5's own typings as is", async () => {
    // A compile-time check as much as a run-time one: `npm run typecheck` fails if the shapes drift apart.
    const options: ConstructorParameters<typeof COS>[0] = { getAuthorization: cosGetAuthorization(clientFor(fakeEndpoint('tencent', 900))) };
    expect(typeof options.getAuthorization).toBe('function');
  });

  /** Calls the adapter as COS does and resolves with what it called back. */
  const ask = (getAuthorization: ReturnType<typeof cosGetAuthorization>, systemClockOffset = 0) =>
    new Promise<CosCredentials>((resolve) => getAuthorization({ SystemClockOffset: systemClockOffset }, resolve));
  const seconds = (ms: number) => Math.floor(ms / 1000);

  it("calls back with the keys, the server's StartTime, and an ExpiredTime 60 s past the refresh point", async () => {
    const credentials = await ask(cosGetAuthorization(clientFor(fakeEndpoint('tencent', 900))));
    expect(credentials).toEqual({
      TmpSecretId: 'STS.key-1',
      TmpSecretKey: 'secret-1-x',
      SecurityToken: 'token-1-x',
      StartTime: seconds(T0),
      // COS reuses keys while more than 60 s remain before ExpiredTime: so it asks again at 450 s.
      ExpiredTime: seconds(T0) + 450 + 60,
    });
  });

  it("puts ExpiredTime on COS's clock when COS has corrected for a skewed device clock", async () => {
    const credentials = await ask(cosGetAuthorization(clientFor(fakeEndpoint('tencent', 900))), -120_000);
    expect(credentials.ExpiredTime).toBe(seconds(T0) - 120 + 450 + 60);
  });

  it('never gives an ExpiredTime past the real expiry (short-lived keys: COS asks on every request)', async () => {
    const credentials = await ask(cosGetAuthorization(clientFor(fakeEndpoint('tencent', 60))));
    expect(credentials.ExpiredTime).toBe(seconds(T0) + 60);
  });

  it('answers from the client cache until the refresh point, then fetches once for concurrent requests', async () => {
    const endpoint = fakeEndpoint('tencent', 900);
    const getAuthorization = cosGetAuthorization(clientFor(endpoint));
    await ask(getAuthorization);
    await vi.advanceTimersByTimeAsync(449_000);
    expect((await ask(getAuthorization)).TmpSecretId).toBe('STS.key-1');

    await vi.advanceTimersByTimeAsync(2_000);
    const answers = await Promise.all([ask(getAuthorization), ask(getAuthorization), ask(getAuthorization)]);
    expect(answers.map((answer) => answer.TmpSecretId)).toEqual(['STS.key-2', 'STS.key-2', 'STS.key-2']);
    expect(endpoint.calls()).toBe(2);
  });

  it('keeps signatures valid while the client falls back on keys past their refresh point', async () => {
    const endpoint = fakeEndpoint('tencent', 900);
    const getAuthorization = cosGetAuthorization(clientFor(endpoint));
    await ask(getAuthorization);
    await vi.advanceTimersByTimeAsync(600_000); // 150 s past the refresh point
    endpoint.failNext(3, 503);
    const askedAt = Date.now();
    const pending = ask(getAuthorization);
    await vi.advanceTimersByTimeAsync(1_000); // the client's retries
    const credentials = await pending;
    expect(credentials.TmpSecretId).toBe('STS.key-1');
    // 60 s from now: COS asks again on the next request, and its q-sign-time still ends in the future.
    expect(credentials.ExpiredTime).toBe(seconds(askedAt) + 60);
  });

  it('on failure, calls back with no credentials (so COS fails the call) and hands the error to onError', async () => {
    const endpoint = fakeEndpoint('tencent', 900);
    endpoint.failNext(1, 401);
    const errors: unknown[] = [];
    const credentials = await ask(cosGetAuthorization(clientFor(endpoint), { onError: (error) => errors.push(error) }));
    expect(credentials.TmpSecretId).toBe('');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(UnauthorizedError);
  });

  it('still calls back when there is no onError, so the COS call never hangs', async () => {
    const endpoint = fakeEndpoint('tencent', 900);
    endpoint.failNext(1, 401);
    expect((await ask(cosGetAuthorization(clientFor(endpoint)))).TmpSecretId).toBe('');
  });

  it('refuses keys issued for another cloud through onError', async () => {
    const errors: Error[] = [];
    const credentials = await ask(cosGetAuthorization(clientFor(fakeEndpoint('huawei', 900)), { onError: (error) => errors.push(error as Error) }));
    expect(credentials.TmpSecretId).toBe('');
    expect(errors[0]?.message).toContain('"huawei"');
  });
});

describe('obsClientOptions', () => {
  it("maps the keys to the SDK's option names, with the region's public endpoint as the default server", async () => {
    const credentials = await clientFor(fakeEndpoint('huawei', 900, 'cn-north-4')).getCredentials();
    expect(obsClientOptions(credentials)).toEqual({
      access_key_id: 'STS.key-1',
      secret_access_key: 'secret-1-x',
      security_token: 'token-1-x',
      server: 'https://obs.cn-north-4.myhuaweicloud.com',
    });
    expect(obsClientOptions(credentials, { server: 'https://obs.example.com' }).server).toBe('https://obs.example.com');
  });

  it('refuses keys issued for another cloud', async () => {
    const credentials = await clientFor(fakeEndpoint('aliyun', 900)).getCredentials();
    expect(() => obsClientOptions(credentials)).toThrow(/"aliyun".*"huawei"/);
  });
});

describe('keepObsClientFresh', () => {
  /** Records what the refresher handed to the ObsClient. */
  const fakeObsClient = () => {
    const refreshed: string[] = [];
    return { refreshed, refresh: (accessKeyId: string, _secret: string, token: string) => refreshed.push(`${accessKeyId}/${token}`) };
  };

  it('swaps in new keys at the refresh point, and again at the next one', async () => {
    const endpoint = fakeEndpoint('huawei', 900);
    const client = clientFor(endpoint);
    await client.getCredentials();
    const obs = fakeObsClient();
    const freshness = keepObsClientFresh(obs, client);

    await vi.advanceTimersByTimeAsync(449_000);
    expect(obs.refreshed).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(obs.refreshed).toEqual(['STS.key-2/token-2-x']);
    await vi.advanceTimersByTimeAsync(450_000);
    expect(obs.refreshed).toEqual(['STS.key-2/token-2-x', 'STS.key-3/token-3-x']);
    expect(endpoint.calls()).toBe(3);
    freshness.stop();
  });

  it('fetches at once when the client has nothing cached', async () => {
    const endpoint = fakeEndpoint('huawei', 900);
    const obs = fakeObsClient();
    const freshness = keepObsClientFresh(obs, clientFor(endpoint));
    await vi.advanceTimersByTimeAsync(0);
    expect(obs.refreshed).toEqual(['STS.key-1/token-1-x']);
    freshness.stop();
  });

  it('reports a failed refresh and retries with a doubling delay, capped, until it succeeds', async () => {
    const endpoint = fakeEndpoint('huawei', 900);
    const client = clientFor(endpoint);
    await client.getCredentials();
    const obs = fakeObsClient();
    const errors: unknown[] = [];
    const freshness = keepObsClientFresh(obs, client, { retryDelayMs: 1_000, maxRetryDelayMs: 3_000, onError: (error) => errors.push(error) });

    endpoint.failNext(4, 401);
    await vi.advanceTimersByTimeAsync(450_000); // attempt 1 fails
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(UnauthorizedError);
    await vi.advanceTimersByTimeAsync(1_000); // attempt 2, after 1 s
    await vi.advanceTimersByTimeAsync(1_999);
    expect(errors).toHaveLength(2); // attempt 3 waits 2 s
    await vi.advanceTimersByTimeAsync(1);
    expect(errors).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(3_000); // attempt 4: 4 s capped to 3 s
    expect(errors).toHaveLength(4);
    expect(obs.refreshed).toEqual([]);
    await vi.advanceTimersByTimeAsync(3_000); // attempt 5 succeeds
    expect(obs.refreshed).toEqual(['STS.key-2/token-2-x']);
    expect(endpoint.calls()).toBe(6);

    // Success resets the backoff: the next refresh is at the new keys' refresh point, not 3 s later.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(endpoint.calls()).toBe(6);
    freshness.stop();
  });

  it('asks again soon when the client could only hand back the old keys because its endpoint failed', async () => {
    const endpoint = fakeEndpoint('huawei', 900);
    const client = clientFor(endpoint);
    await client.getCredentials();
    const obs = fakeObsClient();
    const errors: unknown[] = [];
    const freshness = keepObsClientFresh(obs, client, { retryDelayMs: 1_000, onError: (error) => errors.push(error) });

    endpoint.failNext(3, 503); // all three of the client's attempts
    await vi.advanceTimersByTimeAsync(450_100);
    expect(obs.refreshed).toEqual(['STS.key-1/token-1-x']); // still valid, kept
    expect(endpoint.calls()).toBe(4);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(obs.refreshed.at(-1)).toBe('STS.key-2/token-2-x');
    expect(errors).toEqual([]);
    freshness.stop();
  });

  it('stops: no timer left and no refresh after stop(), even when stopped during a fetch', async () => {
    const endpoint = fakeEndpoint('huawei', 900);
    const client = clientFor(endpoint);
    await client.getCredentials();
    const obs = fakeObsClient();
    keepObsClientFresh(obs, client).stop();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(2_000_000);
    expect(obs.refreshed).toEqual([]);

    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slowClient = createStsClient({
      endpoint: 'https://tokens.example/sts',
      getToken: () => 'login',
      fetch: (async (...args: Parameters<typeof fetch>) => {
        await gate;
        return endpoint.fetch(...args);
      }) as typeof fetch,
    });
    const freshness = keepObsClientFresh(obs, slowClient); // nothing cached: fetches at once
    await vi.advanceTimersByTimeAsync(0);
    expect(endpoint.calls()).toBe(1); // the fetch has not reached the endpoint yet
    freshness.stop();
    release();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(endpoint.calls()).toBe(2);
    expect(obs.refreshed).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('the adapters across sign-out and another sign-in', () => {
  const ALICE = fakeJwt({ sub: 'alice' });
  const BOB = fakeJwt({ sub: 'bob' });

  describe('aliOssOptions', () => {
    it('refuses the OSS instance any keys after sign-out, without asking the endpoint', async () => {
      const endpoint = fakeEndpoint('aliyun', 900);
      const client = clientFor(endpoint, { token: ALICE });
      const { refreshSTSToken } = await aliOssOptions(client);
      client.clear();
      await expect(refreshSTSToken()).rejects.toMatchObject({ name: 'StsClientError', code: 'identity_changed' });
      expect(endpoint.calls()).toBe(1);
    });

    it('refuses the OSS instance built for alice the keys of bob, who signed in without a clear()', async () => {
      const endpoint = fakeEndpoint('aliyun', 900);
      const session = { token: ALICE as string | undefined };
      const client = clientFor(endpoint, session);
      const { refreshSTSToken } = await aliOssOptions(client);
      expect((await refreshSTSToken()).accessKeyId).toBe('STS.key-1');
      session.token = BOB;
      await expect(refreshSTSToken()).rejects.toMatchObject({ code: 'identity_changed' });
      // A new instance for bob works.
      expect((await aliOssOptions(client)).accessKeyId).toBe('STS.key-2');
    });
  });

  describe('cosGetAuthorization', () => {
    const ask = (getAuthorization: ReturnType<typeof cosGetAuthorization>) => new Promise<CosCredentials>((resolve) => getAuthorization({}, resolve));

    it('answers with no credentials and reports identity_changed after sign-out', async () => {
      const endpoint = fakeEndpoint('tencent', 900);
      const client = clientFor(endpoint, { token: ALICE });
      const errors: unknown[] = [];
      const getAuthorization = cosGetAuthorization(client, { onError: (error) => errors.push(error) });
      expect((await ask(getAuthorization)).TmpSecretId).toBe('STS.key-1');
      client.clear();
      expect((await ask(getAuthorization)).TmpSecretId).toBe('');
      expect(errors).toEqual([expect.objectContaining({ code: 'identity_changed' })]);
      expect(endpoint.calls()).toBe(1);
    });

    it('never hands alice’s COS instance bob’s keys, nor alice’s to bob', async () => {
      const endpoint = fakeEndpoint('tencent', 900);
      const session = { token: ALICE as string | undefined };
      const client = clientFor(endpoint, session);
      const errors: unknown[] = [];
      const alicesCos = cosGetAuthorization(client, { onError: (error) => errors.push(error) });
      expect((await ask(alicesCos)).TmpSecretId).toBe('STS.key-1');
      session.token = BOB;
      expect((await ask(alicesCos)).TmpSecretId).toBe('');
      expect(errors).toEqual([expect.objectContaining({ code: 'identity_changed' })]);
      // Bob's own instance gets bob's keys: new ones, not alice's cached set.
      expect((await ask(cosGetAuthorization(client))).TmpSecretId).toBe('STS.key-2');
    });

    it('works for the first user when made before anyone signed in', async () => {
      const session = { token: undefined as string | undefined };
      const client = clientFor(fakeEndpoint('tencent', 900), session);
      const getAuthorization = cosGetAuthorization(client);
      session.token = ALICE;
      expect((await ask(getAuthorization)).TmpSecretId).toBe('STS.key-1');
    });
  });

  describe('keepObsClientFresh', () => {
    const recordingObsClient = () => {
      const refreshed: string[] = [];
      return { refreshed, refresh: (accessKeyId: string) => refreshed.push(accessKeyId) };
    };

    it('stops at once on clear(): no timer left, nothing refreshed later, identity_changed reported once', async () => {
      const endpoint = fakeEndpoint('huawei', 900);
      const client = clientFor(endpoint, { token: ALICE });
      await client.getCredentials();
      const obs = recordingObsClient();
      const errors: unknown[] = [];
      keepObsClientFresh(obs, client, { onError: (error) => errors.push(error) });
      expect(vi.getTimerCount()).toBe(1);
      client.clear();
      expect(vi.getTimerCount()).toBe(0);
      client.clear();
      await vi.advanceTimersByTimeAsync(2_000_000);
      expect(obs.refreshed).toEqual([]);
      expect(endpoint.calls()).toBe(1);
      expect(errors).toEqual([expect.objectContaining({ code: 'identity_changed' })]);
    });

    it('stops at the refresh point when the user signed out (getToken gives nothing): no keys, no more timers', async () => {
      const endpoint = fakeEndpoint('huawei', 900);
      const session = { token: ALICE as string | undefined };
      const client = clientFor(endpoint, session);
      await client.getCredentials();
      const obs = recordingObsClient();
      const errors: unknown[] = [];
      keepObsClientFresh(obs, client, { onError: (error) => errors.push(error) });
      session.token = undefined;
      await vi.advanceTimersByTimeAsync(450_000);
      expect(obs.refreshed).toEqual([]);
      expect(vi.getTimerCount()).toBe(0);
      expect(errors).toEqual([expect.objectContaining({ code: 'identity_changed' })]);
    });

    it('never refreshes alice’s ObsClient with bob’s keys when bob signs in', async () => {
      const endpoint = fakeEndpoint('huawei', 900);
      const session = { token: ALICE as string | undefined };
      const client = clientFor(endpoint, session);
      await client.getCredentials();
      const obs = recordingObsClient();
      keepObsClientFresh(obs, client);
      session.token = BOB;
      await vi.advanceTimersByTimeAsync(2_000_000);
      expect(obs.refreshed).toEqual([]);
      expect(endpoint.calls()).toBe(2); // the refresh that revealed bob, for bob's own cache
      expect(vi.getTimerCount()).toBe(0);
    });

    it('stop() unsubscribes: a later sign-out reports nothing', async () => {
      const client = clientFor(fakeEndpoint('huawei', 900), { token: ALICE });
      await client.getCredentials();
      const errors: unknown[] = [];
      keepObsClientFresh(recordingObsClient(), client, { onError: (error) => errors.push(error) }).stop();
      client.clear();
      expect(errors).toEqual([]);
    });
  });
});
