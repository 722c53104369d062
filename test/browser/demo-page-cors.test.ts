/**
 * The demo page in Chromium when the token service does not allow its origin: the browser refuses every
 * token request after the preflight and tells the page only that the request failed, as it would for a
 * network fault. The page must say what is really wrong (the origin is not in CORS_ALLOWED_ORIGINS), and
 * must not retry what no retry can cure; a real network fault is still retried and reported as one.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoSite } from '../../local/demo-site.js';
import { type LocalTokenService, startLocalTokenService } from '../../local/server.js';
import { launchChromium } from '../helpers/chromium.js';
import { cleanStsgateEnv } from '../helpers/local-service.js';

const PROVIDERS = ['aliyun', 'tencent', 'huawei'] as const;

let restoreEnv: () => void;
let service: LocalTokenService;
let browser: Browser;
let page: Page;
let tokenRequests = 0;

beforeAll(async () => {
  // An app's origin, not the demo page's: the functions refuse the page.
  restoreEnv = cleanStsgateEnv({ CORS_ALLOWED_ORIGINS: 'https://app.example.com' });
  service = await startLocalTokenService(0);
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('request', (request) => {
    if (new URL(request.url()).origin === service.url && request.method() === 'POST') tokenRequests += 1;
  });
  await page.goto(`${service.demoUrl}/`);
});

afterAll(async () => {
  await browser?.close();
  await service?.close();
  restoreEnv?.();
});

describe('the demo page refused by CORS', () => {
  it('says the token service refused this origin and what to set, on every card', async () => {
    await page.waitForFunction(() => document.querySelectorAll('article.card[data-state="error"]').length === 3, undefined, { timeout: 15_000 });
    const demoOrigin = new URL(service.demoUrl).origin;
    for (const provider of PROVIDERS) {
      expect(await page.getByTestId(`${provider}-status`).textContent()).toBe('Failed: cors_refused');
      expect(await page.getByTestId(`${provider}-error`).textContent()).toBe(
        `The token service refused this origin (${demoOrigin}): add it to CORS_ALLOWED_ORIGINS and restart npm start.`,
      );
    }
  });

  it('does not retry: one preflight per function, refused, and no token request gets through', async () => {
    await page.waitForFunction(() => document.querySelectorAll('article.card[data-state="error"]').length === 3, undefined, { timeout: 15_000 });
    // Long enough for the retries the page used to make (three attempts with backoff) to have shown up.
    await page.waitForTimeout(1500);
    const demoOrigin = new URL(service.demoUrl).origin;
    for (const provider of PROVIDERS) {
      const preflights = service.preflights().filter((p) => p.path === `/${provider}` && p.origin === demoOrigin);
      expect(preflights, provider).toHaveLength(1);
      expect(preflights[0]?.allowOrigin, provider).toBeUndefined();
    }
    expect(tokenRequests).toBe(3);
  });
});

describe('the demo page when the token service is unreachable', () => {
  it('retries, then reports a network error (not a CORS refusal)', async () => {
    // A port that was free a moment ago: nothing answers there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const deadPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const tokenService = `http://127.0.0.1:${deadPort}`;
    const site = await startDemoSite(
      0,
      '127.0.0.1',
      { tokenService, loginPath: '/dev-login', corsCheckPath: '/cors-check', functions: PROVIDERS.map((provider) => ({ provider, path: `/${provider}`, emulated: true })) },
      { mintDevToken: async (sub) => `e30.${Buffer.from(JSON.stringify({ sub })).toString('base64url')}.c2ln`, preflights: () => [] },
    );
    const unreachable = await browser.newPage();
    let attempts = 0;
    unreachable.on('request', (request) => {
      if (new URL(request.url()).origin === tokenService) attempts += 1;
    });
    try {
      await unreachable.goto(`${site.url}/`);
      await unreachable.waitForFunction(() => document.querySelectorAll('article.card[data-state="error"]').length === 3, undefined, { timeout: 15_000 });
      for (const provider of PROVIDERS) {
        expect(await unreachable.getByTestId(`${provider}-status`).textContent()).toBe('Failed: network_error');
        expect(await unreachable.getByTestId(`${provider}-error`).textContent()).toBe('the token endpoint could not be reached');
      }
      // The page's three attempts per function.
      expect(attempts).toBe(9);
    } finally {
      await unreachable.close();
      await site.close();
    }
  });
});
