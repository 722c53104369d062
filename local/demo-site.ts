/**
 * The demo page of `npm start` (`examples/web/`), served on a listener of its own. Being on another
 * port makes it another origin than the token endpoints, so the browser treats every token request as
 * cross-origin and runs real CORS preflights against the functions, as it would for an app on its own
 * domain.
 *
 * Only a fixed list of files is served, looked up by exact path: nothing is ever mapped from the URL to
 * the file system, so no path (`/../`, `%2e%2e`, `/local/server.ts`) can reach another file.
 *
 * Two small same-origin routes stand in for what an app's own backend would offer:
 * - {@link LOGIN_PATH}: the development login, so that the token service's `/dev/token` needs no CORS
 *   at all (no other web page can read a token from either: neither answer carries
 *   `Access-Control-Allow-Origin`);
 * - {@link CORS_CHECK_PATH}: whether the token service refused this page's origin in a preflight. A
 *   browser reports a CORS refusal to scripts exactly like a network fault; the token service saw the
 *   refused preflight, so the page can ask and tell the two apart.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listen } from './http-edges.js';
import type { PreflightRecord } from './preflight-log.js';

/** The page's development login (`GET …?sub=`), same-origin. */
export const LOGIN_PATH = '/dev-login';
/** `GET …?path=/aliyun`: what the token service answered this page's origin's last preflight to that route. */
export const CORS_CHECK_PATH = '/cors-check';

/** A development JWT is minted for subjects up to this length; the token service refuses odd ones itself. */
const MAX_SUBJECT_LENGTH = 256;

/** What the page needs to know about the token service; handed to it in the HTML (see {@link renderIndex}). */
export interface DemoPageConfig {
  /** The token service's origin, e.g. `http://127.0.0.1:8787`: the only other origin the page may connect to. */
  readonly tokenService: string;
  /** Same-origin path of the development login; undefined when JWTs come from the environment's `JWT_*`. */
  readonly loginPath: string | undefined;
  /** Same-origin path of the CORS check ({@link CORS_CHECK_PATH}). */
  readonly corsCheckPath: string;
  /** The token functions, in display order; `emulated`: their keys come from a local STS emulator. */
  readonly functions: readonly { readonly provider: 'aliyun' | 'tencent' | 'huawei'; readonly path: string; readonly emulated: boolean }[];
}

/** What the demo site asks of the token service beside it (same process). */
export interface DemoSiteServices {
  /** Mints a development JWT for `subject`; undefined when there is no development login. */
  readonly mintDevToken: ((subject: string) => Promise<string>) | undefined;
  /** The preflights the token service's functions have answered, oldest first. */
  readonly preflights: () => readonly PreflightRecord[];
  /** The origins of the emulated buckets, which the page's uploads and downloads go to. */
  readonly storageOrigins?: () => readonly string[];
}

/** The answer of {@link CORS_CHECK_PATH}. */
export interface CorsCheck {
  /** The page's origin, as the browser sends it in preflights. */
  readonly origin: string;
  /** The token service's answer to this origin's most recent preflight to the route; `none` before any. */
  readonly preflight: 'allowed' | 'refused' | 'none';
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
  ...['app.js', 'card.js', 'cors-check.js', 'format.js', 'login.js', 'uploads.js'].map((name): [string, ServedFile] => [`/${name}`, { file: new URL(`examples/web/${name}`, REPO), contentType: 'text/javascript; charset=utf-8' }]),
  ['/styles.css', { file: new URL('examples/web/styles.css', REPO), contentType: 'text/css; charset=utf-8' }],
  // The browser client exactly as `npm run build` builds the package, so the page runs the code an app would.
  ['/client/index.js', { file: new URL('client/dist/index.js', REPO), contentType: 'text/javascript; charset=utf-8' }],
  ['/client/index.js.map', { file: new URL('client/dist/index.js.map', REPO), contentType: 'application/json' }],
]);

/** The empty configuration tag in `index.html` that {@link renderIndex} fills in. */
const CONFIG_TAG = '<meta name="stsgate-demo-config" content="">';

/**
 * The page's Content-Security-Policy: scripts and styles from its own origin only (no inline code), and
 * network access to its own origin (login, CORS check), the token service and the emulated buckets
 * alone, so the page can do nothing but log in, ask for keys and signatures, and upload and download
 * through them.
 */
export function contentSecurityPolicy(tokenService: string, storageOrigins: readonly string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    'img-src data:',
    `connect-src 'self' ${[tokenService, ...storageOrigins].join(' ')}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * `index.html` with the configuration in its meta tag, as JSON: there when the page's first script runs,
 * with no request to wait for.
 */
export function renderIndex(html: string, config: DemoPageConfig): string {
  if (!html.includes(CONFIG_TAG)) throw new Error(`examples/web/index.html lacks ${CONFIG_TAG}`);
  return html.replace(CONFIG_TAG, `<meta name="stsgate-demo-config" content="${escapeAttribute(JSON.stringify(config))}">`);
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Starts the demo site on `port` (0 for any free one); a port it cannot use is a LocalStartupError naming DEMO_PORT. */
export async function startDemoSite(port: number, host: string, config: DemoPageConfig, services: DemoSiteServices): Promise<DemoSite> {
  const server = createServer((req, res) => {
    serve(req, res, config, services).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('internal error\n');
    });
  });
  await listen(server, port, host, 'DEMO_PORT');
  return {
    url: `http://${host}:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function serve(req: IncomingMessage, res: ServerResponse, config: DemoPageConfig, services: DemoSiteServices): Promise<void> {
  // The raw path, undecoded and unnormalised: only an exact match with the list is served.
  const [path = '', query = ''] = (req.url ?? '').split('?', 2);
  const route = path === LOGIN_PATH ? 'login' : path === CORS_CHECK_PATH ? 'cors-check' : FILES.get(path);
  if (!route || (route === 'login' && !services.mintDevToken)) return sendText(res, 404, 'not found\n');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return sendText(res, 405, 'method not allowed\n');
  }
  const params = new URLSearchParams(query);
  if (route === 'login') return serveLogin(res, params.get('sub'), services.mintDevToken);
  if (route === 'cors-check') return serveCorsCheck(req, res, params.get('path'), config, services);

  let content: Buffer | string;
  try {
    content = await readFile(route.file);
  } catch {
    // client/dist is missing until `npm run build` (which `npm start` runs first).
    return sendText(res, 404, 'not found (run `npm run build`)\n');
  }
  const headers: Record<string, string> = {
    'content-type': route.contentType,
    // A development page: always the files as they are now.
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
  if (route === INDEX) {
    content = renderIndex(content.toString('utf8'), config);
    headers['content-security-policy'] = contentSecurityPolicy(config.tokenService, services.storageOrigins?.() ?? []);
  }
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : content);
}

/** A development JWT as text. No `Access-Control-Allow-Origin`: only the page itself can read it. */
async function serveLogin(res: ServerResponse, subject: string | null, mint: DemoSiteServices['mintDevToken']): Promise<void> {
  if (!mint) return sendText(res, 404, 'not found\n');
  if (!subject || subject.length > MAX_SUBJECT_LENGTH) return sendText(res, 400, `sub must be 1 to ${MAX_SUBJECT_LENGTH} characters\n`);
  const token = await mint(subject);
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(token);
}

/**
 * What the token service answered the latest preflight from the page's own origin (`http://` + the
 * `Host` it was reached at, which is what the browser put in `Origin`) to one function route.
 */
function serveCorsCheck(req: IncomingMessage, res: ServerResponse, route: string | null, config: DemoPageConfig, services: DemoSiteServices): void {
  if (!config.functions.some((fn) => fn.path === route)) return sendText(res, 400, `path must be one of ${config.functions.map((fn) => fn.path).join(', ')}\n`);
  const origin = `http://${req.headers.host ?? ''}`;
  const last = services
    .preflights()
    .filter((record) => record.path === route && record.origin === origin)
    .at(-1);
  const answer: CorsCheck = { origin, preflight: !last ? 'none' : last.allowOrigin === undefined ? 'refused' : 'allowed' };
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(JSON.stringify(answer));
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(text);
}
