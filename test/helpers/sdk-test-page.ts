/**
 * A page on loopback with the three storage SDKs' browser builds (from node_modules, exactly what an app
 * would load) and the built browser client (`client/dist/index.js`, exposed as `window.stsgate`). Served
 * from its own origin, so every call to the token endpoint and to the storage stand-ins is cross-origin
 * and goes through CORS, as it does for a real app.
 *
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { launchChromium } from './chromium.js';

const FILES: Record<string, { path: string; type: string }> = {
  '/sdk/ali-oss.js': { path: 'node_modules/ali-oss/dist/aliyun-oss-sdk.min.js', type: 'text/javascript' },
  '/sdk/cos.js': { path: 'node_modules/cos-js-sdk-v5/dist/cos-js-sdk-v5.min.js', type: 'text/javascript' },
  '/sdk/obs.js': { path: 'node_modules/esdk-obs-browserjs/dist/@cloud/esdk-obs-browserjs-without-polyfill.3.25.6.min.js', type: 'text/javascript' },
  '/client/index.js': { path: 'client/dist/index.js', type: 'text/javascript' },
};

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>stsgate adapters</title>
<script src="/sdk/ali-oss.js"></script>
<script src="/sdk/cos.js"></script>
<script src="/sdk/obs.js"></script>
<script type="module">
  import * as stsgate from '/client/index.js';
  window.stsgate = stsgate;
</script>`;

export interface SdkTestPage {
  readonly url: string;
  close(): Promise<void>;
}

export async function startSdkTestPage(): Promise<SdkTestPage> {
  if (!existsSync('client/dist/index.js')) throw new Error('client/dist/index.js is missing: run `npm run build` first');
  const server = createServer((req, res) => {
    const file = FILES[req.url ?? ''];
    if (req.url === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE);
    } else if (file) {
      res.writeHead(200, { 'Content-Type': file.type }).end(readFileSync(file.path));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface SdkPageSuite {
  /** A new tab on the test page, with the SDKs and the client loaded; closed after the test. */
  openPage(): Promise<Page>;
  /** Runs `cleanup` after the current test (the last registered first). */
  defer(cleanup: () => Promise<unknown> | unknown): void;
}

/**
 * Registers the hooks of a browser test file: one Chromium and one test page for the file, and the
 * cleanups each test deferred, run after it.
 */
export function useSdkTestPage(): SdkPageSuite {
  let browser: Browser;
  let site: SdkTestPage;
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  beforeAll(async () => {
    browser = await launchChromium();
    site = await startSdkTestPage();
    // Starting a browser on a loaded machine can take far longer than the default hook timeout.
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const defer = (cleanup: () => Promise<unknown> | unknown) => void cleanups.push(cleanup);
  return {
    defer,
    async openPage() {
      const page = await browser.newPage();
      defer(() => page.close());
      // Page errors would otherwise vanish; the secret guard checks what reaches the console.
      page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
      await page.goto(site.url);
      await page.waitForFunction(() => 'stsgate' in window);
      return page;
    },
  };
}
