/**
 * Signed uploads end to end in real Chromium, against `npm start` as a developer runs it: the BUILT
 * bundles behind the local token service, each emulated cloud's storage stand-in (which accepts the keys
 * that cloud's STS emulator issues and checks every form and URL with its own code), and the demo page
 * with its upload box.
 *
 * For each cloud: a real file goes up through the page's upload box as a POST form and as a presigned PUT,
 * with progress shown, and comes back through the page's download button (a presigned GET); the browser
 * preflights the signing routes and the functions answer. Then the cases where the bundle's own answer is
 * what matters, through `@stsgate/client` in the same page: the rule's size and type limits refused by the
 * function before anything is signed, a body over the signed size refused by the bucket itself, the PUT a
 * Huawei rule with maxSize cannot have, and a signature the bucket finds expired, re-signed once.
 */
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalTokenService, startLocalTokenService } from '../../local/server.js';
import { launchChromium, throttleUplink } from '../helpers/chromium.js';

type Provider = 'aliyun' | 'tencent' | 'huawei';
const PROVIDERS: readonly Provider[] = ['aliyun', 'tencent', 'huawei'];
const AVATAR_LIMIT = 100 * 1024;
const RULES = {
  rules: [
    { name: 'own', prefix: 'users/${sub}/', actions: ['get', 'put', 'list'] },
    { name: 'avatars', prefix: 'avatars/${sub}/', actions: ['put'], maxSize: AVATAR_LIMIT, contentTypes: ['image/png'] },
  ],
};
const FILE_SIZE = 300 * 1024;
const file = Buffer.from(Array.from({ length: FILE_SIZE }, (_, i) => (i * 13 + 7) % 256));

/** Environment that would switch the service away from its emulated defaults. */
const SETTINGS = /^(JWT_|TOKEN_|CORS_|ALIYUN_|ALIBABA_CLOUD_|TENCENT|HUAWEI|STSGATE_|UPLOAD_|STORAGE_|REDIS_)/;
const savedEnv = { ...process.env };
let service: LocalTokenService;
let browser: Browser;
let page: Page;
/** The signing requests the page made, by route path. */
const signingRequests: string[] = [];

interface ProgressRecord {
  readonly provider: string;
  readonly value: number;
  readonly max: number;
}

interface PageOutcome {
  readonly status?: number;
  readonly error?: string;
  readonly code?: string;
  readonly description?: string;
  readonly attempts?: number;
  readonly key?: string;
}

beforeAll(async () => {
  for (const name of Object.keys(process.env)) if (SETTINGS.test(name)) delete process.env[name];
  process.env.TOKEN_RULES = JSON.stringify(RULES);
  service = await startLocalTokenService(0);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (request.method() === 'POST' && /\/(uploads|downloads)$/.test(path)) signingRequests.push(path);
  });
  await page.goto(`${service.demoUrl}/`);
  await page.waitForFunction(() => document.querySelectorAll('article.card[data-state="ok"]').length === 3, undefined, { timeout: 20_000 });
  // The page's own copy of the client, for the cases below that call it directly (a string, so the test
  // runner leaves the dynamic import alone).
  await page.evaluate(`import('${service.demoUrl}/client/index.js').then((client) => { window.stsgateClient = client; })`);
  // Every change of an upload's progress bar, as the person watching it sees it.
  await page.evaluate(() => {
    const seen: { provider: string; value: number; max: number }[] = [];
    (window as unknown as { progressSeen: typeof seen }).progressSeen = seen;
    new MutationObserver((mutations) => {
      for (const mutation of mutations) {
        const bar = mutation.target as HTMLProgressElement;
        if (bar.tagName !== 'PROGRESS' || mutation.attributeName !== 'value') continue;
        seen.push({ provider: (bar.closest('li') as HTMLElement).dataset.provider ?? '', value: bar.value, max: bar.max });
      }
    }).observe(document.getElementById('upload-list') as HTMLElement, { subtree: true, attributes: true, attributeFilter: ['value'] });
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await service?.close();
  for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
  Object.assign(process.env, savedEnv);
});

/** Uploads the test file through the page's upload box; resolves with each cloud's list entry once all three settle. */
async function uploadThroughThePage(method: 'post' | 'put', round: number): Promise<Record<Provider, { state: string; key: string; status: string }>> {
  await page.evaluate(() => ((window as unknown as { progressSeen: unknown[] }).progressSeen.length = 0));
  if (method === 'put') await page.getByTestId('upload-method-put').check();
  else await page.locator('input[name="method"][value="post"]').check();
  await page.getByTestId('upload-file').setInputFiles({ name: 'holiday photo.jpg', mimeType: 'image/jpeg', buffer: file });
  await page.getByTestId('upload-button').click();
  const entries = PROVIDERS.map((provider) => page.getByTestId(`upload-${provider}-${round}`));
  for (const entry of entries) await expect.poll(() => entry.getAttribute('data-state'), { timeout: 30_000 }).not.toBe('sending');
  const settled = await Promise.all(
    entries.map(async (entry) => ({
      state: (await entry.getAttribute('data-state')) ?? '',
      key: (await entry.getAttribute('data-key')) ?? '',
      status: (await entry.locator('[data-field="status"]').textContent()) ?? '',
    })),
  );
  return { aliyun: settled[0]!, tencent: settled[1]!, huawei: settled[2]! };
}

/** Progress as the page showed it for one cloud: several steps, growing, ending full. */
async function expectProgressShown(provider: Provider): Promise<void> {
  const seen = await page.evaluate(() => (window as unknown as { progressSeen: ProgressRecord[] }).progressSeen);
  const steps = seen.filter((record) => record.provider === provider);
  expect(steps.length, `${provider} progress steps`).toBeGreaterThanOrEqual(3);
  for (let i = 1; i < steps.length; i += 1) expect(steps[i]!.value).toBeGreaterThanOrEqual(steps[i - 1]!.value);
  expect(steps.at(-1)!.value).toBe(steps.at(-1)!.max);
  expect(steps.at(-1)!.max).toBeGreaterThanOrEqual(FILE_SIZE);
}

describe('the demo page uploads through the signing routes of npm start', () => {
  it.each([
    ['post', 1],
    ['put', 2],
  ] as const)('sends a real file to every cloud as a %s, with progress, and downloads it back', async (method, round) => {
    await throttleUplink(page);
    const entries = await uploadThroughThePage(method, round);
    for (const provider of PROVIDERS) {
      const entry = entries[provider];
      expect(entry, provider).toMatchObject({ state: 'stored', status: `Stored: ${FILE_SIZE} bytes` });
      expect(entry.key).toMatch(/^users\/alice\/[0-9a-f]{16}-holiday_photo\.jpg$/);
      await expectProgressShown(provider);
      const standIn = service.storage()[provider]!.standIn;
      expect(standIn.object(entry.key)?.equals(file), `${provider}: the bucket holds the bytes`).toBe(true);
      expect(standIn.calls.find((call) => call.objectKey === entry.key)?.by).toBe(method === 'post' ? 'form' : 'query');

      // The download button signs a GET and follows it: the file arrives as an attachment under its name.
      const [download] = await Promise.all([page.waitForEvent('download', { timeout: 20_000 }), page.getByTestId(`upload-${provider}-${round}`).getByRole('button', { name: 'Download' }).click()]);
      expect(download.suggestedFilename()).toBe('holiday photo.jpg');
      expect((await readFile(await download.path())).equals(file), `${provider}: the downloaded bytes`).toBe(true);
    }

    // The browser preflighted each signing route from the page's origin, and each function allowed it.
    const demoOrigin = new URL(service.demoUrl).origin;
    for (const provider of PROVIDERS) {
      for (const route of ['uploads', 'downloads']) {
        const preflight = service.preflights().find((p) => p.path === `/${provider}/${route}` && p.origin === demoOrigin);
        expect(preflight, `${provider} ${route}`).toMatchObject({ requestMethod: 'POST', status: 204, allowOrigin: demoOrigin });
      }
    }
    await throttleUplink(page, -1);
  });

  it('shows no signature, policy or security token on the page', async () => {
    const html = await page.content();
    for (const marker of ['x-oss-signature', 'q-signature', 'x-cos-security-token', 'x-obs-security-token', 'Signature=', 'policy']) {
      expect(html.includes(marker), marker).toBe(false);
    }
  });
});

/** Runs `@stsgate/client` in the demo page, signed in as alice, against one cloud's function. */
function inPage(provider: Provider, action: string, args: Record<string, unknown> = {}): Promise<PageOutcome> {
  return page.evaluate(
    async ({ provider, action, args, tokenService }) => {
      const client = (window as unknown as { stsgateClient: typeof import('../../client/index.js') }).stsgateClient;
      const login = await (await fetch('/dev-login?sub=alice')).text();
      const sts = client.createStsClient({ endpoint: `${tokenService}/${provider}`, getToken: () => login, maxAttempts: 1 });
      const blob = (size: number, type: string) => new File([new Uint8Array(size)], 'me.png', { type });
      const refusal = (error: unknown) =>
        error instanceof client.StsClientError ? { status: error.status, error: error.error ?? error.code, code: error.code, description: error.description } : { error: String(error) };
      /** Sends a signed upload as the browser would, with another body than was declared. */
      const send = async (signed: Awaited<ReturnType<typeof client.signUpload>>, body: Blob) => {
        if (signed.method === 'PUT') return fetch(signed.url, { method: 'PUT', headers: signed.headers, body });
        const form = new FormData();
        for (const [name, value] of Object.entries(signed.fields)) form.append(name, value);
        form.append('file', body, 'me.png');
        return fetch(signed.url, { method: 'POST', body: form });
      };
      try {
        if (action === 'upload') {
          const result = await client.upload(sts, blob(args.size as number, args.type as string), { rule: args.rule as string, method: args.method as 'post' | 'put' });
          return { attempts: result.attempts, key: result.key };
        }
        if (action === 'sign-then-send') {
          const signed = await client.signUpload(sts, { name: 'me.png', type: 'image/png', size: args.declared as number }, { rule: 'avatars', method: args.method as 'post' | 'put' });
          const answer = await send(signed, blob(args.sent as number, 'image/png'));
          return { status: answer.status, code: /<Code>([^<]*)<\/Code>/.exec(await answer.text())?.[1] };
        }
      } catch (error) {
        return refusal(error);
      }
      return { error: `unknown action ${action}` };
    },
    { provider, action, args, tokenService: service.url },
  );
}

describe.each(PROVIDERS)('%s through its bundle', (provider) => {
  it('refuses an upload beyond the rule\'s size or type before signing anything', async () => {
    const before = service.stsRequestCount()[provider];
    expect(await inPage(provider, 'upload', { rule: 'avatars', size: AVATAR_LIMIT + 1, type: 'image/png' })).toMatchObject({
      status: 403,
      error: 'insufficient_scope',
      description: `size is over the ${AVATAR_LIMIT}-byte limit of rule "avatars"`,
    });
    expect(await inPage(provider, 'upload', { rule: 'avatars', size: 1000, type: 'image/gif' })).toMatchObject({
      status: 403,
      error: 'insufficient_scope',
      description: 'contentType must be one of image/png for rule "avatars"',
    });
    // Refused before the signing role's keys were needed: no STS call.
    expect(service.stsRequestCount()[provider]).toBe(before);
  });

  it('has the bucket refuse a body over the size it signed', async () => {
    // The form carries the rule's maxSize as its content-length-range, whatever size was declared.
    expect(await inPage(provider, 'sign-then-send', { method: 'post', declared: 1000, sent: AVATAR_LIMIT + 1 })).toEqual({ status: 400, code: 'EntityTooLarge' });
    // Within that range the bucket stores it (the declared size is what the function judged the rule by).
    expect((await inPage(provider, 'sign-then-send', { method: 'post', declared: 1000, sent: 2000 })).status).toBeLessThan(300);
    if (provider === 'huawei') {
      // OBS cannot bind a size into a PUT URL, so a rule with maxSize offers no PUT there.
      expect(await inPage(provider, 'sign-then-send', { method: 'put', declared: 1000, sent: 1000 })).toMatchObject({ status: 403, error: 'insufficient_scope' });
    } else {
      // A PUT is signed for the exact size declared.
      expect(await inPage(provider, 'sign-then-send', { method: 'put', declared: 1000, sent: 1001 })).toEqual({ status: 403, code: 'SignatureDoesNotMatch' });
      expect((await inPage(provider, 'sign-then-send', { method: 'put', declared: 1000, sent: 1000 })).status).toBe(200);
    }
  });

  it('has an expired signature refused by the bucket, signed once more by the function, and the upload refused again', async () => {
    const storage = service.storage()[provider]!;
    const signed = signingRequests.length;
    // The bucket's clock past the signature's 300 s, but within the signing keys' lifetime.
    storage.setClockOffset(400_000);
    try {
      expect(await inPage(provider, 'upload', { size: 1000, type: 'image/png' })).toMatchObject({ code: 'upload_refused', status: 403, error: 'AccessDenied', description: expect.stringMatching(/expired/) });
      expect(signingRequests.slice(signed)).toEqual([`/${provider}/uploads`, `/${provider}/uploads`]);
    } finally {
      storage.setClockOffset(0);
    }
    expect(await inPage(provider, 'upload', { size: 1000, type: 'image/png' })).toMatchObject({ attempts: 1, key: expect.stringMatching(/^users\/alice\//) });
  });
});
