/**
 * The demo page's static server (local/demo-site.ts): it serves its fixed list of files with the right
 * types and a strict CSP, and nothing else, however the path is spelled. Requests are sent raw
 * (node:http), since `fetch` would normalise `..` away before it left the test.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoPageConfig, type DemoSite, type DemoSiteServices, startDemoSite } from '../../local/demo-site.js';
import type { PreflightRecord } from '../../local/preflight-log.js';

const config: DemoPageConfig = {
  tokenService: 'http://127.0.0.1:8787',
  loginPath: '/dev-login',
  corsCheckPath: '/cors-check',
  functions: [
    { provider: 'aliyun', path: '/aliyun', emulated: true },
    { provider: 'tencent', path: '/tencent', emulated: true },
    { provider: 'huawei', path: '/huawei', emulated: false },
  ],
};

/** What the token service beside the site would have recorded; tests set it. */
let preflights: PreflightRecord[] = [];
const minted: string[] = [];
const services: DemoSiteServices = {
  mintDevToken: async (subject) => {
    minted.push(subject);
    return `header.${Buffer.from(JSON.stringify({ sub: subject })).toString('base64url')}.signature`;
  },
  preflights: () => preflights,
};

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request with `path` exactly as written, unnormalised. */
function raw(site: DemoSite, path: string, method = 'GET', headers: Record<string, string> = {}): Promise<RawResponse> {
  const { hostname, port } = new URL(site.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method, headers }, (res) => {
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
  site = await startDemoSite(0, '127.0.0.1', config, services);
});
afterAll(() => site.close());

describe('the demo site', () => {
  it('serves the page with its configuration and a CSP that lets it connect to the token service only', async () => {
    const page = await raw(site, '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("connect-src 'self' http://127.0.0.1:8787;");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    const content = /<meta name="stsgate-demo-config" content="([^"]*)">/.exec(page.body)?.[1] ?? '';
    expect(JSON.parse(content.replace(/&quot;/g, '"').replace(/&amp;/g, '&'))).toEqual(config);
    expect((await raw(site, '/index.html')).body).toBe(page.body);
  });

  it('serves the page scripts and the built browser client as JavaScript', async () => {
    for (const path of ['/app.js', '/card.js', '/cors-check.js', '/format.js', '/login.js', '/client/index.js']) {
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

describe('the demo site’s development login', () => {
  it('mints a token for the subject, readable by the page alone (no CORS header)', async () => {
    const res = await raw(site, '/dev-login?sub=al%C3%ADce', 'GET', { Origin: 'http://evil.example' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(minted.at(-1)).toBe('alíce');
    expect(res.body.split('.')).toHaveLength(3);
  });

  it.each([
    ['no subject', '/dev-login'],
    ['an empty subject', '/dev-login?sub='],
    ['a subject of 257 characters', `/dev-login?sub=${'a'.repeat(257)}`],
  ])('refuses %s with a 400 and mints nothing', async (_, path) => {
    const before = minted.length;
    const res = await raw(site, path);
    expect(res.status).toBe(400);
    expect(res.body).toBe('sub must be 1 to 256 characters\n');
    expect(minted).toHaveLength(before);
  });

  it('does not exist when the token service has no development login', async () => {
    const withoutLogin = await startDemoSite(0, '127.0.0.1', { ...config, loginPath: undefined }, { ...services, mintDevToken: undefined });
    try {
      expect((await raw(withoutLogin, '/dev-login?sub=alice')).status).toBe(404);
    } finally {
      await withoutLogin.close();
    }
  });

  it('answers only GET and HEAD', async () => {
    expect((await raw(site, '/dev-login?sub=alice', 'POST')).status).toBe(405);
  });
});

describe('the demo site’s CORS check', () => {
  const record = (path: string, origin: string, allowOrigin: string | undefined): PreflightRecord => ({
    path,
    origin,
    requestMethod: 'POST',
    requestHeaders: 'authorization',
    status: 204,
    allowOrigin,
  });
  const check = async (path: string, host?: string) => {
    const res = await raw(site, `/cors-check?path=${encodeURIComponent(path)}`, 'GET', host ? { Host: host } : {});
    return { status: res.status, body: res.status === 200 ? (JSON.parse(res.body) as unknown) : res.body };
  };

  it('reports the token service’s answer to the latest preflight from the page’s own origin to that route', async () => {
    const own = new URL(site.url).origin;
    preflights = [
      record('/aliyun', own, own),
      record('/aliyun', own, undefined),
      record('/tencent', own, undefined),
      record('/tencent', own, own),
      record('/huawei', 'http://other.example', undefined),
    ];
    expect(await check('/aliyun')).toEqual({ status: 200, body: { origin: own, preflight: 'refused' } });
    expect(await check('/tencent')).toEqual({ status: 200, body: { origin: own, preflight: 'allowed' } });
    // Another origin's refusal says nothing about this page.
    expect(await check('/huawei')).toEqual({ status: 200, body: { origin: own, preflight: 'none' } });
  });

  it('takes the page’s origin from the name it was opened by', async () => {
    const { port } = new URL(site.url);
    preflights = [record('/aliyun', `http://localhost:${port}`, undefined)];
    expect(await check('/aliyun', `localhost:${port}`)).toEqual({ status: 200, body: { origin: `http://localhost:${port}`, preflight: 'refused' } });
    expect(await check('/aliyun')).toMatchObject({ body: { preflight: 'none' } });
  });

  it('answers for the token routes only', async () => {
    expect(await check('/dev/token')).toEqual({ status: 400, body: 'path must be one of /aliyun, /tencent, /huawei\n' });
    expect((await raw(site, '/cors-check')).status).toBe(400);
  });
});
