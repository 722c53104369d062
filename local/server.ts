/**
 * `npm start`: the local token service. A real HTTP server that feeds platform-shaped invocations into
 * the built bundles, exactly as each platform would (see `local/cloud-functions.ts`).
 *
 * With no cloud keys in the environment it runs a complete, clearly labelled emulated setup: a
 * development identity provider (JWKS + `/dev/token?sub=…`), STS emulators that check request
 * signatures independently of the signers under test, and a storage stand-in per cloud that accepts the
 * keys those emulators issue and checks every signed upload and download (`local/storage.ts`). A cloud whose keys are set (see docs/local.md) is
 * called for real instead, and then a real login is required: the development login, which mints a
 * token for any subject, never runs beside a real cloud (see `local/real-mode.ts`).
 *
 * Beside it, on a port of its own (another origin, so the browser runs real CORS preflights), the demo
 * page `examples/web/`: it logs in, asks all three functions for keys through the browser client and
 * shows them masked, and uploads a chosen file to each cloud's bucket through the signing routes (see
 * `local/demo-site.ts`). Unless CORS_ALLOWED_ORIGINS says otherwise, the demo
 * page's origin is the only one the functions allow.
 *
 * Each bundle reads its configuration at cold start, so each is loaded with its own environment, made
 * from the one the service was started with plus that cloud's local defaults.
 *
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createIdentityProvider, type IdentityProvider } from '../emulators/identity-provider.js';
import { banner, problemSummary } from './banner.js';
import { loadSharedStateConfig, redisLocation } from '../lib/state/config.js';
import { type Env, type LocalFunction, startLocalFunction } from './cloud-functions.js';
import { CORS_CHECK_PATH, type DemoSite, LOGIN_PATH, startDemoSite } from './demo-site.js';
import { answerUnparseableRequest, listen, MAX_HEADER_BYTES, readBody } from './http-edges.js';
import { createPreflightLog, type PreflightRecord } from './preflight-log.js';
import { CLOUDS, type Cloud, hasRealIssuer, realClouds, requireRealIssuer } from './real-mode.js';
import { LocalStartupError } from './startup-error.js';
import type { LocalStorage } from './storage.js';

export interface LocalTokenService {
  readonly url: string;
  /** The demo page's origin (`examples/web/`), another port than {@link url}. */
  readonly demoUrl: string;
  /** What to print for a person: the mode of each cloud, the routes and a ready-to-paste curl. */
  readonly banner: string;
  /**
   * What to print after everything else when a function failed its cold start (a configuration error):
   * the broken routes and the variables to fix. Undefined when all started cleanly.
   */
  readonly problems: string | undefined;
  /**
   * Read-only, for the load test (`npm run test:load`): how many requests each cloud's STS emulator (for
   * Huawei, its IAM and STS emulators together) has received so far, every attempt counted, refused or not.
   * `undefined` for a cloud called for real, where nothing local sees the calls.
   */
  stsRequestCount(): Readonly<Record<Cloud, number | undefined>>;
  /** Each emulated cloud's bucket (its storage stand-in), for tests; undefined for a cloud called for real. */
  storage(): Readonly<Record<Cloud, LocalStorage | undefined>>;
  /** The CORS preflights the functions have answered, oldest first (the last 100): proof a browser ran them. */
  preflights(): readonly PreflightRecord[];
  close(): Promise<void>;
}

export interface LocalTokenServiceOptions {
  /** The demo page's port; default the service's port + 1 (8788 beside 8787), or any free one when `port` is 0. */
  demoPort?: number;
}

/**
 * Starts the service on `port` (0 for any free one), and the demo page beside it. Rejects with a
 * LocalStartupError, before anything listens, when a real cloud has no real issuer, and when a port
 * cannot be used; nothing is left listening then.
 */
export async function startLocalTokenService(port: number, host = '127.0.0.1', options: LocalTokenServiceOptions = {}): Promise<LocalTokenService> {
  const original: Env = { ...process.env };
  const real = realClouds(original);
  requireRealIssuer(original, real);

  // Everything started so far, closed in reverse order on close() or when a later step fails.
  const closers: (() => Promise<unknown>)[] = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) await close();
  };
  try {
    let route: (req: IncomingMessage, res: ServerResponse, body: Buffer) => Promise<void> = async (_req, res) => {
      res.writeHead(503).end();
    };
    const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => {
      // The bundles answer every failure themselves; anything escaping here is a broken connection.
      readBody(req)
        .then((body) => route(req, res, body))
        .catch(() => res.destroy());
    });
    server.on('clientError', answerUnparseableRequest);
    await listen(server, port, host, 'PORT');
    closers.push(() => closeServer(server));
    const origin = `http://${host}:${(server.address() as AddressInfo).port}`;

    // Only with every cloud emulated and no issuer of the developer's own (real mode requires one).
    const idp: IdentityProvider | undefined =
      real.size === 0 && !hasRealIssuer(original) ? await createIdentityProvider({ issuer: `${origin}/dev`, audience: 'stsgate-local' }) : undefined;
    const preflights = createPreflightLog();

    const functions: LocalFunction[] = [];
    const demoPort = options.demoPort ?? (port === 0 ? 0 : port + 1);
    const demo: DemoSite = await startDemoSite(
      demoPort,
      host,
      {
        tokenService: origin,
        loginPath: idp ? LOGIN_PATH : undefined,
        corsCheckPath: CORS_CHECK_PATH,
        functions: CLOUDS.map((cloud) => ({ provider: cloud, path: `/${cloud}`, emulated: !real.has(cloud) })),
      },
      {
        mintDevToken: idp ? (sub) => idp.mint({ sub }) : undefined,
        preflights: () => preflights.entries(),
        // The emulated buckets start with the functions, after the page (whose origin the functions allow).
        storageOrigins: () => functions.flatMap((fn) => (fn.storage ? [fn.storage.origin] : [])),
      },
    );
    closers.push(() => demo.close());

    const base: Env = { ...original };
    if (idp) Object.assign(base, { JWT_JWKS_URL: `${origin}${idp.jwksPath}`, JWT_ISSUER: idp.issuer, JWT_AUDIENCE: idp.audience });
    // Read and write by default, so the demo can upload and download; a rules document of the developer's own stands alone.
    if (!RULES_DOCUMENTS.some((name) => base[name])) base.TOKEN_ACTIONS ??= 'get,put,list';
    base.CORS_ALLOWED_ORIGINS ??= demoOrigins(demo.url).join(',');

    for (const cloud of CLOUDS) {
      const fn = await startLocalFunction(cloud, base, real.has(cloud));
      functions.push(fn);
      closers.push(() => fn.close());
    }

    route = async (req, res, body) => {
      const path = new URL(req.url ?? '/', origin).pathname;
      if (idp?.handle(req, res)) return;
      // Everything under a function's path is that function's, as on its platform: it reads the route
      // (keys, `…/uploads`, `…/downloads`) from the path's last segment itself.
      const fn = functions.find((f) => path === f.route || path.startsWith(`${f.route}/`));
      if (fn) {
        const result = await fn.invoke(req, body);
        if (req.method === 'OPTIONS') preflights.record(path, req, result.statusCode, result.headers ?? {});
        res.writeHead(result.statusCode, result.headers ?? {});
        res.end(result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : (result.body ?? ''));
        return;
      }
      if (path === '/' && req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
        return;
      }
      sendJson(res, 404, { error: 'not_found', error_description: `try POST ${functions.map((f) => f.route).join(' or ')}` });
    };

    const text = banner({ origin, demoUrl: demo.url, functions, devTokenPath: idp?.tokenPath, sharedState: sharedStateLocation(base) });
    const byCloud = (cloud: Cloud) => functions.find((f) => f.provider === cloud)?.emulatorRequests();
    return {
      url: origin,
      demoUrl: demo.url,
      banner: text,
      problems: problemSummary(origin, functions),
      stsRequestCount: () => ({ aliyun: byCloud('aliyun'), tencent: byCloud('tencent'), huawei: byCloud('huawei') }),
      storage: () => Object.fromEntries(CLOUDS.map((cloud) => [cloud, functions.find((f) => f.provider === cloud)?.storage])) as Record<Cloud, LocalStorage | undefined>,
      preflights: () => preflights.entries(),
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** The variables that give a whole rules document, which TOKEN_ACTIONS must not be combined with. */
const RULES_DOCUMENTS = ['TOKEN_RULES', 'TOKEN_RULES_FILE', 'TOKEN_ACCESS'] as const;

/** REDIS_URL as the banner may show it (no user, no password); a bad value is reported by the functions themselves. */
function sharedStateLocation(env: Env): string | undefined {
  try {
    const config = loadSharedStateConfig(env);
    return config && redisLocation(config.redis);
  } catch {
    return 'REDIS_URL, which the functions refuse (see below)';
  }
}

/**
 * The demo page's origin as a browser may name it: as printed, and on loopback also by the other name
 * people type (`localhost` for `127.0.0.1` and back), so opening it either way works.
 */
function demoOrigins(demoUrl: string): string[] {
  const url = new URL(demoUrl);
  const twin = url.hostname === '127.0.0.1' ? 'localhost' : url.hostname === 'localhost' ? '127.0.0.1' : undefined;
  return twin ? [url.origin, `${url.protocol}//${twin}:${url.port}`] : [url.origin];
}

function closeServer(server: ReturnType<typeof createServer>): Promise<void> {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

/** `npm start`: start, print the banner and, last, any configuration problem; a refusal is one line. */
async function main(): Promise<void> {
  const demoPort = process.env.DEMO_PORT ? Number(process.env.DEMO_PORT) : undefined;
  let service: LocalTokenService;
  try {
    service = await startLocalTokenService(Number(process.env.PORT ?? 8787), process.env.HOST ?? '127.0.0.1', { demoPort });
  } catch (error) {
    if (!(error instanceof LocalStartupError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  console.log(service.banner);
  console.log(`listening on ${service.url}`);
  if (service.problems) console.error(`\n${service.problems}`);
  const stop = () => void service.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

// Run as a program (npm start), not when imported by a test.
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) await main();
