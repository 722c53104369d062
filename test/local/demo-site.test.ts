/**
 * The demo page's static server (local/demo-site.ts): it serves its fixed list of files with the right
 * types and a strict CSP, and nothing else, however the path is spelled. Requests are sent raw
 * (node:http), since `fetch` would normalise `..` away before it left the test.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoPageConfig, type DemoSite, startDemoSite } from '../../local/demo-site.js';

const config: DemoPageConfig = {
  tokenService: 'http://127.0.0.1:8787',
  devTokenPath: '/dev/token',
  functions: [
    { provider: 'aliyun', path: '/aliyun' },
    { provider: 'tencent', path: '/tencent' },
    { provider: 'huawei', path: '/huawei' },
  ],
};

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request with `path` exactly as written, unnormalised. */
function raw(site: DemoSite, path: string, method = 'GET'): Promise<RawResponse> {
  const { hostname, port } = new URL(site.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

let site: DemoSite;
beforeAll(async () => {
  site = await startDemoSite(0, '127.0.0.1', config);
});
afterAll(() => site.close());

describe('the demo site', () => {
  it('serves the page with its configuration and a CSP that lets it connect to the token service only', async () => {
    const page = await raw(site, '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain('connect-src http://127.0.0.1:8787;');
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    const content = /<meta name="stsgate-demo-config" content="([^"]*)">/.exec(page.body)?.[1] ?? '';
    expect(JSON.parse(content.replace(/&quot;/g, '"').replace(/&amp;/g, '&'))).toEqual(config);
    expect((await raw(site, '/index.html')).body).toBe(page.body);
  });

  it('serves the page scripts and the built browser client as JavaScript', async () => {
    for (const path of ['/app.js', '/card.js', '/format.js', '/login.js', '/client/index.js']) {
      const res = await raw(site, path);
      expect(res.status, path).toBe(200);
      expect(res.headers['content-type'], path).toBe('text/javascript; charset=utf-8');
      expect(res.headers['x-content-type-options'], path).toBe('nosniff');
    }
    expect((await raw(site, '/client/index.js')).body).toContain('createStsClient');
    expect((await raw(site, '/styles.css')).headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it.each([
    '/../package.json',
    '/%2e%2e/package.json',
    '/..%2fpackage.json',
    '/client/../../package.json',
    '/client/%2e%2e/%2e%2e/local/server.ts',
    '//etc/passwd',
    '/examples/web/app.js',
    '/local/demo-site.ts',
    '/dist/client/index.js',
    '/client/dist/index.js',
    '/.env',
    '/app.js/',
    '/APP.JS',
    '/favicon.ico',
  ])('refuses %s with a 404 that reveals nothing', async (path) => {
    const res = await raw(site, path);
    expect(res.status).toBe(404);
    expect(res.body).toBe('not found\n');
  });

  it('answers only GET and HEAD', async () => {
    const post = await raw(site, '/app.js', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    const head = await raw(site, '/app.js', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });
});
