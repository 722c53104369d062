/**
 * The demo page in a real browser: Debian's Chromium (headless, through playwright-core) opens the page
 * from the local token service's demo origin. The page logs in, and the browser client asks all three
 * functions for keys across origins, so Chromium runs real CORS preflights against the bundles' own
 * CORS handling. The test checks what a person sees: the grant of each cloud, keys masked with no part
 * of a secret on the page, a live countdown, and an error a person can act on.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalTokenService, startLocalTokenService } from '../../local/server.js';
import { launchChromium } from '../helpers/chromium.js';

type Provider = 'aliyun' | 'tencent' | 'huawei';
const PROVIDERS: readonly Provider[] = ['aliyun', 'tencent', 'huawei'];

/** The emulated setup's defaults (docs/local.md, "Emulated mode"). */
const EXPECTED: Record<Provider, { bucket: string; region: string }> = {
  aliyun: { bucket: 'stsgate-local', region: 'cn-hangzhou' },
  tencent: { bucket: 'stsgate-local-1250000000', region: 'ap-guangzhou' },
  huawei: { bucket: 'stsgate-local', region: 'cn-north-4' },
};

interface IssuedCredentials {
  provider: Provider;
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  expiration: string;
  startTime: number;
  expiredTime: number;
  actions: string[];
}

interface TokenResponse {
  provider: Provider;
  status: number;
  allowOrigin: string | undefined;
  body: unknown;
}

/** Environment that would switch the service away from its emulated defaults. */
const STSGATE_SETTINGS = /^(JWT_|TOKEN_|CORS_|ALIYUN_|ALIBABA_CLOUD_|TENCENT|HUAWEI|STSGATE_)/;

const savedEnv = { ...process.env };
let service: LocalTokenService;
let browser: Browser;
let page: Page;
/** Every token-endpoint answer the page received, read from the browser's side; never printed. */
const tokenResponses: TokenResponse[] = [];

const field = (provider: Provider, name: string) => page.getByTestId(`${provider}-${name}`);
const text = async (provider: Provider, name: string) => (await field(provider, name).textContent())?.trim() ?? '';
const secondsLeft = async (provider: Provider) => Number(/\((\d+) s\)/.exec(await text(provider, 'countdown'))?.[1] ?? Number.NaN);

/** The first credentials the browser received from `provider`'s endpoint (read by playwright, which may lag the page a little). */
async function issuedTo(provider: Provider): Promise<IssuedCredentials> {
  await expect.poll(() => tokenResponses.some((r) => r.provider === provider && r.status === 200), { timeout: 5000 }).toBe(true);
  return tokenResponses.find((r) => r.provider === provider && r.status === 200)?.body as IssuedCredentials;
}

/** Waits until every card has left the requesting state, then returns their states. */
async function settledStates(): Promise<Record<Provider, string | null>> {
  await page.waitForFunction(() => document.querySelectorAll('article.card[data-state="ok"], article.card[data-state="error"]').length === 3, undefined, { timeout: 10_000 });
  const states = await Promise.all(PROVIDERS.map((p) => page.getByTestId(`${p}-card`).getAttribute('data-state')));
  return { aliyun: states[0] ?? null, tencent: states[1] ?? null, huawei: states[2] ?? null };
}

beforeAll(async () => {
  for (const name of Object.keys(process.env)) if (STSGATE_SETTINGS.test(name)) delete process.env[name];
  service = await startLocalTokenService(0);
  browser = await launchChromium();
  // A common laptop width, where three cards sit side by side.
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('response', (response) => {
    const request = response.request();
    const url = new URL(response.url());
    const provider = PROVIDERS.find((p) => url.pathname === `/${p}`);
    if (!provider || url.origin !== service.url || request.method() !== 'POST') return;
    void response.json().then(
      (body: unknown) => tokenResponses.push({ provider, status: response.status(), allowOrigin: response.headers()['access-control-allow-origin'], body }),
      () => tokenResponses.push({ provider, status: response.status(), allowOrigin: response.headers()['access-control-allow-origin'], body: undefined }),
    );
  });
  await page.goto(`${service.demoUrl}/`);
  // Starting a browser on a loaded machine can take far longer than the default hook timeout.
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await service?.close();
  for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
  Object.assign(process.env, savedEnv);
});

describe('the demo page in Chromium', () => {
  it('shows credentials from all three functions, obtained through real CORS preflights', async () => {
    expect(await settledStates()).toEqual({ aliyun: 'ok', tencent: 'ok', huawei: 'ok' });

    for (const provider of PROVIDERS) {
      expect(await text(provider, 'provider')).toBe(provider);
      expect(await text(provider, 'bucket')).toBe(EXPECTED[provider].bucket);
      expect(await text(provider, 'region')).toBe(EXPECTED[provider].region);
      expect(await text(provider, 'prefix')).toBe('users/alice/');
      expect(await text(provider, 'actions')).toBe('get, put, list');
    }

    // Chromium preflighted each function from the demo origin (a POST with Authorization), and the
    // function's own CORS answered it; then the POST itself carried Access-Control-Allow-Origin.
    const demoOrigin = new URL(service.demoUrl).origin;
    expect(demoOrigin).not.toBe(new URL(service.url).origin);
    for (const provider of PROVIDERS) {
      const preflights = service.preflights().filter((p) => p.path === `/${provider}` && p.origin === demoOrigin);
      expect(preflights.length, `preflights to /${provider}`).toBeGreaterThanOrEqual(1);
      // The demo origin itself, not `*`: under npm start it is the only origin the functions allow.
      expect(preflights[0]).toMatchObject({ requestMethod: 'POST', status: 204, allowOrigin: demoOrigin });
      expect(preflights[0]?.requestHeaders?.split(',').map((h) => h.trim())).toContain('authorization');
      await issuedTo(provider);
      expect(tokenResponses.find((r) => r.provider === provider)).toMatchObject({ status: 200, allowOrigin: demoOrigin });
    }
  });

  it('says the keys come from local emulators, on the page and on each card', async () => {
    await settledStates();
    const notice = page.getByTestId('emulated-notice');
    expect(await notice.isVisible()).toBe(true);
    expect(await notice.textContent()).toBe('All keys on this page come from local STS emulators on this machine: they look like real keys, but no cloud account or bucket stands behind them.');
    for (const provider of PROVIDERS) expect(await text(provider, 'source')).toBe('Local emulator: not real keys');
  });

  it('lays the cards out evenly: same height, rows in line, every value (the expiry time too) on one line', async () => {
    await settledStates();
    // Tencent's default bucket is the longest value here; it used to wrap and push its card's rows down.
    const layout = await page.evaluate((providers) => {
      const box = (testId: string) => {
        const element = document.querySelector(`[data-testid="${testId}"]`) as HTMLElement;
        const rect = element.getBoundingClientRect();
        return { top: rect.top, height: rect.height, overflows: element.scrollWidth > element.clientWidth };
      };
      return providers.map((provider) => {
        const card = box(`${provider}-card`);
        const lineHeight = box(`${provider}-provider`).height;
        return {
          provider,
          cardHeight: card.height,
          expirationTop: box(`${provider}-expiration`).top - card.top,
          expirationLines: Math.round(box(`${provider}-expiration`).height / lineHeight),
          bucketLines: Math.round(box(`${provider}-bucket`).height / lineHeight),
          expirationCut: box(`${provider}-expiration`).overflows,
        };
      });
    }, PROVIDERS);
    for (const card of layout) {
      expect(card, card.provider).toMatchObject({ cardHeight: layout[0]?.cardHeight, expirationTop: layout[0]?.expirationTop, expirationLines: 1, bucketLines: 1, expirationCut: false });
    }
    // A value too long for its card is cut short on screen but readable in full as the field's title.
    expect(await field('tencent', 'bucket').getAttribute('title')).toBe(EXPECTED.tencent.bucket);
  });

  it('never puts a secret, a security token or a whole access key id on the page', async () => {
    await settledStates();
    const html = await page.content();
    const visible = await page.locator('body').innerText();
    for (const provider of PROVIDERS) {
      const issued = await issuedTo(provider);
      for (const [name, value] of [
        ['accessKeySecret', issued.accessKeySecret],
        ['securityToken', issued.securityToken],
      ] as const) {
        // Assert on booleans: a failure message must not print the value itself.
        expect(value.length, `${provider} ${name} length`).toBeGreaterThan(8);
        expect(html.includes(value), `${provider} ${name} in the HTML`).toBe(false);
        expect(html.includes(value.slice(0, 8)) || html.includes(value.slice(-8)), `part of ${provider} ${name} in the HTML`).toBe(false);
        expect(visible.includes(value.slice(0, 8)), `part of ${provider} ${name} on screen`).toBe(false);
      }
      expect(html.includes(issued.accessKeyId), `${provider} whole accessKeyId in the HTML`).toBe(false);
      expect(await text(provider, 'access-key-id')).toBe(`${issued.accessKeyId.slice(0, 4)}…${issued.accessKeyId.slice(-2)}`);
      expect(await text(provider, 'access-key-secret')).toBe(`•••• (${issued.accessKeySecret.length} chars)`);
      expect(await text(provider, 'security-token')).toBe(`•••• (${issued.securityToken.length} chars)`);
      expect(await text(provider, 'expiration')).toBe(issued.expiration);
    }
  });

  it('counts down the time left, every second, within the credentials lifetime', async () => {
    await settledStates();
    const startedAt = Date.now();
    const before = await Promise.all(PROVIDERS.map(secondsLeft));
    // The page ticks once a second; on a loaded CI machine a timer can fire late, so wait for the
    // tick (up to 5 s) rather than for a fixed time, then check the clock did not run away.
    for (const [i, provider] of PROVIDERS.entries()) {
      await expect.poll(() => secondsLeft(provider), { timeout: 5000, interval: 100 }).toBeLessThan(before[i] as number);
    }
    const after = await Promise.all(PROVIDERS.map(secondsLeft));
    const elapsedSeconds = Math.ceil((Date.now() - startedAt) / 1000);
    for (const [i, provider] of PROVIDERS.entries()) {
      const issued = await issuedTo(provider);
      const lifetime = issued.expiredTime - issued.startTime;
      expect(before[i], `${provider} before`).toBeGreaterThan(0);
      expect(before[i], `${provider} before`).toBeLessThanOrEqual(lifetime);
      expect(after[i], `${provider} after`).toBeLessThan(before[i] as number);
      // Not a runaway clock: it went down by no more than the time that passed (plus one for rounding).
      expect(after[i], `${provider} after`).toBeGreaterThanOrEqual((before[i] as number) - elapsedSeconds - 1);
    }
  });

  it('shows each endpoint refusing a subject that cannot be a path segment, then the next user’s own keys', async () => {
    await settledStates();
    await page.getByLabel(/Subject/).fill('*');
    await page.getByRole('button', { name: 'Get credentials' }).click();
    expect(await settledStates()).toEqual({ aliyun: 'error', tencent: 'error', huawei: 'error' });
    for (const provider of PROVIDERS) {
      expect(await text(provider, 'status')).toBe('Failed: 403 insufficient_scope');
      expect(await field(provider, 'error').isVisible()).toBe(true);
      // No stale keys of the previous user beside the error.
      expect(await text(provider, 'prefix')).toBe('—');
      expect(await text(provider, 'access-key-id')).toBe('—');
    }

    // Another user logs in: new keys under their own prefix, not the cached ones of the first user.
    await page.getByLabel(/Subject/).fill('bob');
    await page.getByRole('button', { name: 'Get credentials' }).click();
    expect(await settledStates()).toEqual({ aliyun: 'ok', tencent: 'ok', huawei: 'ok' });
    for (const provider of PROVIDERS) expect(await text(provider, 'prefix')).toBe('users/bob/');
  });
});
