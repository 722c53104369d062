/**
 * The adapters against the real storage SDKs, in real Chromium: each SDK's browser build from
 * node_modules and the built client (`client/dist/index.js`) run in a page on loopback, configured only
 * through the adapters, and talk to a token endpoint that issues keys living a few seconds and to a
 * stand-in of their storage service (emulators/storage/) that checks signature, security token and expiry.
 *
 * For each SDK: the first request carries key #1 and token #1 in the service's security-token header; a
 * request after the client's refresh point carries key #2 and token #2; requests made together at that
 * moment cost one token request; and a failing token endpoint surfaces in a way the app can act on.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it, vi } from 'vitest';
import { startCosStandIn } from '../../emulators/storage/cos.js';
import { startObsStandIn } from '../../emulators/storage/obs.js';
import { startOssStandIn } from '../../emulators/storage/oss.js';
import type { StorageStandIn } from '../../emulators/storage/storage-stand-in.js';
import { useSdkTestPage } from '../helpers/sdk-test-page.js';
import { startTestTokenEndpoint, type TestTokenEndpoint, type TestTokenEndpointOptions } from '../helpers/test-token-endpoint.js';

const LOGIN_TOKEN = 'login-session-of-alice';

const suite = useSdkTestPage();

/** A stand-in, a token endpoint whose keys it accepts, and a fresh page with the SDKs and the client. */
async function setUp(
  startStandIn: () => Promise<StorageStandIn>,
  endpointOptions: Omit<TestTokenEndpointOptions, 'loginToken' | 'onIssue' | 'bucket'>,
): Promise<{ standIn: StorageStandIn; tokens: TestTokenEndpoint; page: Page }> {
  const standIn = await startStandIn();
  suite.defer(() => standIn.close());
  const tokens = await startTestTokenEndpoint({ ...endpointOptions, bucket: standIn.bucket, loginToken: LOGIN_TOKEN, onIssue: (key) => standIn.issueKey(key) });
  suite.defer(() => tokens.close());
  return { standIn, tokens, page: await suite.openPage() };
}

/** Waits (on the Node side) until `ms` have passed, plus a little for timers in the page. */
const waitPast = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms) + 150));

/** What the stand-in saw, as (serial of the key, serial in the token) pairs: both must match. */
const keysUsed = (standIn: StorageStandIn, method = 'PUT') =>
  standIn.calls.filter((call) => call.method === method).map((call) => [serialOf(call.accessKeyId), serialOf(call.securityToken)]);
const serialOf = (value: string) => Number(/^(?:STS\.key|token)-(\d+)/.exec(value)?.[1] ?? NaN);

describe('ali-oss through aliOssOptions', () => {
  const standIn = () => startOssStandIn({ bucket: 'media' });
  const endpoint = { provider: 'aliyun', region: 'cn-hangzhou', lifetimeSeconds: 6 } as const;

  it('signs with key #1 and token #1, then with key #2 after the refresh point, fetching once for concurrent uploads', async () => {
    const { standIn: oss, tokens, page } = await setUp(standIn, endpoint);
    const first = await page.evaluate(
      async ({ tokenUrl, ossUrl, login }) => {
        const w = window as unknown as PageWindow;
        const client = w.stsgate.createStsClient({ endpoint: tokenUrl, getToken: () => login });
        const options = await w.stsgate.aliOssOptions(client);
        const oss = new w.OSS({ ...options, endpoint: ossUrl, secure: false });
        w.put = (key, body) => oss.put(key, new Blob([body]));
        await w.put('users/alice/1.txt', 'one');
        return { region: options.region, bucket: options.bucket, interval: options.refreshSTSTokenInterval, untilRefresh: client.refreshAt()! - Date.now() };
      },
      { tokenUrl: tokens.url, ossUrl: oss.url, login: LOGIN_TOKEN },
    );
    expect(first).toMatchObject({ region: 'oss-cn-hangzhou', bucket: 'media', interval: 1000 });
    expect(keysUsed(oss)).toEqual([[1, 1]]);
    expect(oss.calls[0]!.headers['x-oss-security-token']).toBe(tokens.issued[0]!.securityToken);

    await waitPast(first.untilRefresh);
    await page.evaluate(async () => {
      const w = window as unknown as PageWindow;
      await Promise.all([w.put('users/alice/2.txt', 'two'), w.put('users/alice/3.txt', 'three'), w.put('users/alice/4.txt', 'four')]);
      await w.put('users/alice/5.txt', 'five');
    });

    expect(tokens.requestCount()).toBe(2);
    const used = keysUsed(oss);
    // ali-oss lets requests that start while its refresh is awaited go out with the previous keys
    // (ali-sdk/ali-oss#1363); they are still valid then, and the stand-in would have refused them otherwise.
    expect(used.slice(1, 4).every(([key]) => key === 1 || key === 2)).toBe(true);
    expect(used.slice(1, 4)).toContainEqual([2, 2]);
    expect(used[4]).toEqual([2, 2]);
    expect(oss.rejections).toEqual([]);
    expect(oss.object('users/alice/5.txt')?.toString()).toBe('five');
  });

  it('fails an upload with the client UnauthorizedError when the token endpoint answers 401 at refresh', async () => {
    const { standIn: oss, tokens, page } = await setUp(standIn, endpoint);
    const untilRefresh = await page.evaluate(
      async ({ tokenUrl, ossUrl, login }) => {
        const w = window as unknown as PageWindow;
        const client = w.stsgate.createStsClient({ endpoint: tokenUrl, getToken: () => login });
        const oss = new w.OSS({ ...(await w.stsgate.aliOssOptions(client)), endpoint: ossUrl, secure: false });
        w.put = (key, body) => oss.put(key, new Blob([body]));
        await w.put('users/alice/1.txt', 'one');
        return client.refreshAt()! - Date.now();
      },
      { tokenUrl: tokens.url, ossUrl: oss.url, login: LOGIN_TOKEN },
    );
    tokens.failNext(1, 401);
    await waitPast(untilRefresh);

    const failure = await page.evaluate(async () => {
      const w = window as unknown as PageWindow;
      try {
        await w.put('users/alice/2.txt', 'two');
        return undefined;
      } catch (error) {
        return { name: (error as Error).name, code: (error as { code?: string }).code, isUnauthorized: error instanceof w.stsgate.UnauthorizedError };
      }
    });
    expect(failure).toEqual({ name: 'UnauthorizedError', code: 'unauthorized', isUnauthorized: true });
    expect(keysUsed(oss)).toEqual([[1, 1]]);
  });
});

describe('cos-js-sdk-v5 through cosGetAuthorization', () => {
  const standIn = () => startCosStandIn({ bucket: 'media-1250000000' });
  // 120 s keys refreshed when 97 % remain: a refresh point 3.6 s in, and an expiry far enough away that
  // COS itself would keep the keys for minutes; so this shows the adapter moving COS's refresh.
  const endpoint = { provider: 'tencent', region: 'ap-guangzhou', lifetimeSeconds: 120 } as const;

  it('signs with key #1 and token #1, keeps them until the refresh point, then moves all concurrent uploads to key #2 with one fetch', async () => {
    const { standIn: cos, tokens, page } = await setUp(standIn, endpoint);
    const first = await page.evaluate(
      async ({ tokenUrl, cosHost, login, bucket }) => {
        const w = window as unknown as PageWindow;
        const client = w.stsgate.createStsClient({ endpoint: tokenUrl, getToken: () => login, refreshWhenRemaining: 0.97 });
        const getAuthorization = w.stsgate.cosGetAuthorization(client);
        w.asked = 0;
        const cos = new w.COS({
          getAuthorization: (options: unknown, callback: unknown) => {
            w.asked += 1;
            (getAuthorization as (o: unknown, c: unknown) => void)(options, callback);
          },
          Domain: cosHost,
          Protocol: 'http:',
        });
        w.put = (key, body) =>
          new Promise((resolve, reject) =>
            cos.putObject({ Bucket: bucket, Region: 'ap-guangzhou', Key: key, Body: body }, (error: unknown, data: unknown) => (error ? reject(error) : resolve(data))),
          );
        await w.put('users/alice/1.txt', 'one');
        await w.put('users/alice/2.txt', 'two');
        return { asked: w.asked, untilRefresh: client.refreshAt()! - Date.now() };
      },
      { tokenUrl: tokens.url, cosHost: cos.host, login: LOGIN_TOKEN, bucket: cos.bucket },
    );
    // COS asked once and signed the second upload from its own cache.
    expect(first.asked).toBe(1);
    expect(keysUsed(cos)).toEqual([
      [1, 1],
      [1, 1],
    ]);
    expect(cos.calls[0]!.headers['x-cos-security-token']).toBe(tokens.issued[0]!.securityToken);

    await waitPast(first.untilRefresh);
    const asked = await page.evaluate(async () => {
      const w = window as unknown as PageWindow;
      await Promise.all([w.put('users/alice/3.txt', 'three'), w.put('users/alice/4.txt', 'four'), w.put('users/alice/5.txt', 'five')]);
      await w.put('users/alice/6.txt', 'six');
      return w.asked;
    });

    expect(tokens.requestCount()).toBe(2);
    expect(keysUsed(cos).slice(2)).toEqual([
      [2, 2],
      [2, 2],
      [2, 2],
      [2, 2],
    ]);
    // Each of the three concurrent uploads asked (COS has no single flight); the fourth used COS's cache.
    expect(asked).toBe(4);
    expect(cos.rejections).toEqual([]);
  });

  it('fails the COS call at once, before any storage request, and hands the UnauthorizedError to onError', async () => {
    const { standIn: cos, tokens, page } = await setUp(standIn, endpoint);
    tokens.failNext(1, 401);
    const outcome = await page.evaluate(
      async ({ tokenUrl, cosHost, login, bucket }) => {
        const w = window as unknown as PageWindow;
        const client = w.stsgate.createStsClient({ endpoint: tokenUrl, getToken: () => login });
        const seen: unknown[] = [];
        const cos = new w.COS({ getAuthorization: w.stsgate.cosGetAuthorization(client, { onError: (error) => seen.push(error) }), Domain: cosHost, Protocol: 'http:' });
        const sdkError = await new Promise<{ message?: string } | null>((resolve) =>
          cos.putObject({ Bucket: bucket, Region: 'ap-guangzhou', Key: 'users/alice/1.txt', Body: 'one' }, (error: { message?: string } | null) => resolve(error)),
        );
        return {
          sdkMessage: sdkError?.message,
          seen: seen.map((error) => ({ name: (error as Error).name, code: (error as { code?: string }).code, isUnauthorized: error instanceof w.stsgate.UnauthorizedError })),
        };
      },
      { tokenUrl: tokens.url, cosHost: cos.host, login: LOGIN_TOKEN, bucket: cos.bucket },
    );
    expect(outcome.seen).toEqual([{ name: 'UnauthorizedError', code: 'unauthorized', isUnauthorized: true }]);
    expect(outcome.sdkMessage).toContain('TmpSecretId');
    expect(cos.calls).toEqual([]);
    expect(cos.rejections).toEqual([]);
  });
});

describe('esdk-obs-browserjs through obsClientOptions and keepObsClientFresh', () => {
  const standIn = () => startObsStandIn({ bucket: 'media' });
  const endpoint = { provider: 'huawei', region: 'cn-north-4', lifetimeSeconds: 6 } as const;

  /** Builds the ObsClient in the page; `server` uses `localhost`, which Chromium resolves to loopback for `media.localhost` too. */
  async function startObs(page: Page, tokens: TestTokenEndpoint, obs: StorageStandIn, retryDelayMs?: number): Promise<number> {
    return page.evaluate(
      async ({ tokenUrl, server, login, bucket, retryDelayMs }) => {
        const w = window as unknown as PageWindow;
        const client = w.stsgate.createStsClient({ endpoint: tokenUrl, getToken: () => login });
        const credentials = await client.getCredentials();
        const obsClient = new w.ObsClient(w.stsgate.obsClientOptions(credentials, { server }));
        // Counts the keys handed to the ObsClient: new keys issued by the endpoint reach the page a moment later.
        const refresh = obsClient.refresh.bind(obsClient);
        w.obsRefreshes = 0;
        obsClient.refresh = (ak, sk, token) => {
          refresh(ak, sk, token);
          w.obsRefreshes += 1;
        };
        w.errors = [];
        w.freshness = w.stsgate.keepObsClientFresh(obsClient, client, {
          ...(retryDelayMs === undefined ? {} : { retryDelayMs }),
          onError: (error) => w.errors.push({ name: (error as Error).name, code: (error as { code?: string }).code }),
        });
        w.put = async (key, body) => {
          const result = await obsClient.putObject({ Bucket: bucket, Key: key, Body: body });
          if (result.CommonMsg.Status >= 300) throw new Error(`OBS answered ${result.CommonMsg.Status} ${result.CommonMsg.Code} ${result.CommonMsg.Message}`);
          return result;
        };
        await w.put('users/alice/1.txt', 'one');
        return client.refreshAt()! - Date.now();
      },
      { tokenUrl: tokens.url, server: `http://localhost:${obs.host.split(':')[1]}`, login: LOGIN_TOKEN, bucket: obs.bucket, retryDelayMs },
    );
  }

  it('signs with key #1 and token #1, then with key #2 once the refresher has run, fetching once', async () => {
    const { standIn: obs, tokens, page } = await setUp(standIn, endpoint);
    const untilRefresh = await startObs(page, tokens, obs);
    expect(keysUsed(obs)).toEqual([[1, 1]]);
    expect(obs.calls.find((call) => call.method === 'PUT')!.headers['x-obs-security-token']).toBe(tokens.issued[0]!.securityToken);
    expect(obs.calls.find((call) => call.method === 'PUT')!.host).toMatch(/^media\.localhost:/);

    await waitPast(untilRefresh);
    await vi.waitFor(() => expect(tokens.issued).toHaveLength(2), { timeout: 2000 });
    await page.waitForFunction(() => (window as unknown as PageWindow).obsRefreshes === 1, undefined, { timeout: 10_000 });
    await page.evaluate(async () => {
      const w = window as unknown as PageWindow;
      await Promise.all([w.put('users/alice/2.txt', 'two'), w.put('users/alice/3.txt', 'three'), w.put('users/alice/4.txt', 'four')]);
      w.freshness.stop();
    });

    expect(tokens.requestCount()).toBe(2);
    expect(keysUsed(obs)).toEqual([
      [1, 1],
      [2, 2],
      [2, 2],
      [2, 2],
    ]);
    expect(obs.rejections).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as PageWindow).errors)).toEqual([]);
  });

  it('retries a refresh that failed, reporting the error, and then moves the ObsClient to key #2', async () => {
    const { standIn: obs, tokens, page } = await setUp(standIn, endpoint);
    const untilRefresh = await startObs(page, tokens, obs, 200);
    tokens.failNext(1, 401);

    await waitPast(untilRefresh);
    await vi.waitFor(() => expect(tokens.issued).toHaveLength(2), { timeout: 3000 });
    await page.waitForFunction(() => (window as unknown as PageWindow).obsRefreshes === 1, undefined, { timeout: 10_000 });
    const errors = await page.evaluate(async () => {
      const w = window as unknown as PageWindow;
      await w.put('users/alice/2.txt', 'two');
      w.freshness.stop();
      return w.errors;
    });

    expect(errors).toEqual([{ name: 'UnauthorizedError', code: 'unauthorized' }]);
    expect(tokens.requestCount()).toBe(3);
    expect(keysUsed(obs)).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(obs.rejections).toEqual([]);
  });
});

describe('the storage stand-ins', () => {
  // What makes the tests above worth something: requests the real SDKs sign with a wrong secret, with
  // another key's token, or with an expired key are refused, as the services refuse them.
  it('refuse a wrong secret, a foreign security token and an expired key, for each SDK', async () => {
    const page = await suite.openPage();
    const oss = await startOssStandIn({ bucket: 'media' });
    const cos = await startCosStandIn({ bucket: 'media-1250000000' });
    const obs = await startObsStandIn({ bucket: 'media' });
    suite.defer(() => Promise.all([oss.close(), cos.close(), obs.close()]));
    for (const standIn of [oss, cos, obs]) {
      standIn.issueKey({ accessKeyId: 'STS.valid', accessKeySecret: 'right-secret', securityToken: 'token-valid', expiresAt: Date.now() + 600_000 });
      standIn.issueKey({ accessKeyId: 'STS.other', accessKeySecret: 'other-secret', securityToken: 'token-other', expiresAt: Date.now() + 600_000 });
      standIn.issueKey({ accessKeyId: 'STS.expired', accessKeySecret: 'old-secret', securityToken: 'token-expired', expiresAt: Date.now() - 1_000 });
    }
    const attempts = [
      { id: 'STS.valid', secret: 'wrong-secret', token: 'token-valid' },
      { id: 'STS.valid', secret: 'right-secret', token: 'token-other' },
      { id: 'STS.expired', secret: 'old-secret', token: 'token-expired' },
      { id: 'STS.valid', secret: 'right-secret', token: 'token-valid' },
    ];

    const statuses = await page.evaluate(
      async ({ attempts, ossUrl, cosHost, obsServer }) => {
        const w = window as unknown as PageWindow;
        const results: Record<string, number[]> = { oss: [], cos: [], obs: [] };
        for (const { id, secret, token } of attempts) {
          const ossClient = new w.OSS({ accessKeyId: id, accessKeySecret: secret, stsToken: token, bucket: 'media', endpoint: ossUrl, secure: false });
          results.oss!.push(await ossClient.put('users/alice/x.txt', new Blob(['x'])).then(() => 200, (error: { status: number }) => error.status));
          const cosClient = new w.COS({ SecretId: id, SecretKey: secret, SecurityToken: token, Domain: cosHost, Protocol: 'http:' });
          results.cos!.push(
            await new Promise<number>((resolve) =>
              cosClient.putObject({ Bucket: 'media-1250000000', Region: 'ap-guangzhou', Key: 'users/alice/x.txt', Body: 'x' }, (error: { statusCode?: number } | null) =>
                resolve(error ? (error.statusCode ?? 0) : 200),
              ),
            ),
          );
          const obsClient = new w.ObsClient({ access_key_id: id, secret_access_key: secret, security_token: token, server: obsServer });
          results.obs!.push((await obsClient.putObject({ Bucket: 'media', Key: 'users/alice/x.txt', Body: 'x' })).CommonMsg.Status);
        }
        return results;
      },
      { attempts, ossUrl: oss.url, cosHost: cos.host, obsServer: `http://localhost:${obs.host.split(':')[1]}` },
    );

    expect(statuses).toEqual({ oss: [403, 403, 403, 200], cos: [403, 403, 403, 200], obs: [403, 403, 403, 200] });
    for (const standIn of [oss, cos, obs]) {
      expect(standIn.rejections.map((rejection) => rejection.code)).toEqual(['SignatureDoesNotMatch', 'InvalidSecurityToken', 'SecurityTokenExpired']);
      expect(standIn.calls.filter((call) => call.method === 'PUT').map((call) => call.accessKeyId)).toEqual(['STS.valid']);
    }
  });
});

/** The page's globals: the SDKs' browser builds and the client module, plus what the tests keep there. */
interface PageWindow {
  stsgate: typeof import('../../client/index.js');
  OSS: new (options: object) => { put(key: string, body: Blob): Promise<unknown> };
  COS: new (options: object) => { putObject(params: object, callback: (error: never, data: unknown) => void): void };
  ObsClient: new (options: object) => { putObject(params: object): Promise<{ CommonMsg: { Status: number; Code?: string; Message?: string } }>; refresh(ak: string, sk: string, token: string): void };
  put: (key: string, body: string) => Promise<unknown>;
  asked: number;
  errors: unknown[];
  freshness: { stop(): void };
  obsRefreshes: number;
}
