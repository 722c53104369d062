/**
 * The demo page of `npm start` (`examples/web/`), served on a listener of its own. Being on another
 * port makes it another origin than the token endpoints, so the browser treats every token request as
 * cross-origin and runs real CORS preflights against the functions, as it would for an app on its own
 * domain.
 *
 * Only a fixed list of files is served, looked up by exact path: nothing is ever mapped from the URL to
 * the file system, so no path (`/../`, `%2e%2e`, `/local/server.ts`) can reach another file.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the page needs to know about the token service; handed to it in the HTML (see {@link renderIndex}). */
export interface DemoPageConfig {
  /** The token service's origin, e.g. `http://127.0.0.1:8787`: the only origin the page may connect to. */
  readonly tokenService: string;
  /** Path of the development login (`GET …?sub=`) on the token service; undefined when JWTs come from the environment's `JWT_*`. */
  readonly devTokenPath: string | undefined;
  /** The token functions, in display order. */
  readonly functions: readonly { readonly provider: 'aliyun' | 'tencent' | 'huawei'; readonly path: string }[];
}

export interface DemoSite {
  /** The page's origin, e.g. `http://127.0.0.1:8788`. */
  readonly url: string;
  close(): Promise<void>;
}

interface ServedFile {
  readonly file: URL;
  readonly contentType: string;
}

const REPO = new URL('../', import.meta.url);
const INDEX: ServedFile = { file: new URL('examples/web/index.html', REPO), contentType: 'text/html; charset=utf-8' };

/** Every path the demo site answers; anything else is a 404. */
const FILES: ReadonlyMap<string, ServedFile> = new Map([
  ['/', INDEX],
  ['/index.html', INDEX],
  ...['app.js', 'card.js', 'format.js', 'login.js'].map((name): [string, ServedFile] => [`/${name}`, { file: new URL(`examples/web/${name}`, REPO), contentType: 'text/javascript; charset=utf-8' }]),
  ['/styles.css', { file: new URL('examples/web/styles.css', REPO), contentType: 'text/css; charset=utf-8' }],
  // The browser client exactly as `npm run build` builds the package, so the page runs the code an app would.
  ['/client/index.js', { file: new URL('client/dist/index.js', REPO), contentType: 'text/javascript; charset=utf-8' }],
  ['/client/index.js.map', { file: new URL('client/dist/index.js.map', REPO), contentType: 'application/json' }],
]);

/** The empty configuration tag in `index.html` that {@link renderIndex} fills in. */
const CONFIG_TAG = '<meta name="stsgate-demo-config" content="">';

/**
 * The page's Content-Security-Policy: scripts and styles from its own origin only (no inline code), and
 * network access to the token service alone, so the page can do nothing but log in and ask for keys.
 */
export function contentSecurityPolicy(tokenService: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    'img-src data:',
    `connect-src ${tokenService}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * `index.html` with the configuration in its meta tag, as JSON. A tag rather than a fetched
 * `/config.json` keeps the policy's connect-src to the token service alone.
 */
export function renderIndex(html: string, config: DemoPageConfig): string {
  if (!html.includes(CONFIG_TAG)) throw new Error(`examples/web/index.html lacks ${CONFIG_TAG}`);
  return html.replace(CONFIG_TAG, `<meta name="stsgate-demo-config" content="${escapeAttribute(JSON.stringify(config))}">`);
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Starts the demo site on `port` (0 for any free one). */
export async function startDemoSite(port: number, host: string, config: DemoPageConfig): Promise<DemoSite> {
  const server = createServer((req, res) => {
    serve(req, res, config).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('internal error\n');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    url: `http://${host}:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function serve(req: IncomingMessage, res: ServerResponse, config: DemoPageConfig): Promise<void> {
  // The raw path, undecoded and unnormalised: only an exact match with the list is served.
  const path = (req.url ?? '').split('?')[0] ?? '';
  const served = FILES.get(path);
  if (!served) return sendText(res, 404, 'not found\n');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return sendText(res, 405, 'method not allowed\n');
  }
  let content: Buffer | string;
  try {
    content = await readFile(served.file);
  } catch {
    // client/dist is missing until `npm run build` (which `npm start` runs first).
    return sendText(res, 404, 'not found (run `npm run build`)\n');
  }
  const headers: Record<string, string> = {
    'content-type': served.contentType,
    // A development page: always the files as they are now.
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
  if (served === INDEX) {
    content = renderIndex(content.toString('utf8'), config);
    headers['content-security-policy'] = contentSecurityPolicy(config.tokenService);
  }
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : content);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(text);
}
