/**
 * What `npm start` prints for a person: the mode, each route with what stands behind it, the login, the
 * demo page and a ready-to-paste curl; and, when a function failed its cold start, a summary printed
 * after everything else, so it is the last thing on the screen and not scrolled away by the banner.
 * Both quote only what the bundles logged, which names variables and never their values.
 *
 * @module
 */
import type { LocalFunction } from './cloud-functions.js';

export interface BannerInput {
  readonly origin: string;
  readonly demoUrl: string;
  readonly functions: readonly LocalFunction[];
  /** The development login's path on the token service; undefined when JWT_* come from the environment. */
  readonly devTokenPath: string | undefined;
  /** Where the functions share state (REDIS_URL, without its password); undefined when they do not. */
  readonly sharedState?: string | undefined;
}

const MISCONFIGURED = 'MISCONFIGURED: ';
/** lib/errors.ts ConfigError: its variable list is what a person needs; the prefix is said by the label. */
const CONFIG_PREFIX = /^invalid configuration: /;

const problemsOf = (fn: LocalFunction) => fn.coldStartErrors.map((message) => message.replace(CONFIG_PREFIX, ''));

export function banner({ origin, demoUrl, functions, devTokenPath, sharedState }: BannerInput): string {
  const anyReal = functions.some((f) => f.real);
  const routeColumn = (fn: LocalFunction) => `  POST ${origin}${fn.route}`.padEnd(44);
  return [
    anyReal
      ? 'stsgate local token service: REAL cloud for some functions (keys issued there are real)'
      : 'stsgate local token service: EMULATED cloud (development only; no real keys are issued)',
    ...functions.flatMap((fn) => [
      routeColumn(fn) + (fn.coldStartErrors.length > 0 ? `${MISCONFIGURED}${problemsOf(fn).join('; ')}` : fn.banner),
      // The signing routes of the same function, and the bucket they sign for.
      `    …${fn.route}/uploads, …${fn.route}/downloads`.padEnd(44) + (fn.storage ? fn.storage.banner : 'signed for the real bucket (STORAGE_ENDPOINT or its public endpoint)'),
    ]),
    ...(sharedState ? [`  shared state: Redis at ${sharedState} (REDIS_URL): cached keys and rate limits shared by every instance using it`] : []),
    devTokenPath
      ? `  dev login: GET ${origin}${devTokenPath}?sub=alice   development JWTs from a local JWKS (this machine only: no CORS)`
      : '  login: JWT_* from the environment (no development login)',
    `  demo page: ${demoUrl}/`.padEnd(44) + (devTokenPath ? 'keys and signed uploads from all three functions in a browser, through CORS' : 'needs the development login (unset JWT_*)'),
    '',
    'Get a token:',
    `  curl -s -X POST ${origin}/aliyun -H "Authorization: Bearer ${devTokenPath ? `$(curl -s '${origin}${devTokenPath}?sub=alice')` : '<your app JWT>'}"`,
    '',
  ].join('\n');
}

/** The configuration problems, one route a line; undefined when every function started cleanly. */
export function problemSummary(origin: string, functions: readonly LocalFunction[]): string | undefined {
  const broken = functions.filter((fn) => fn.coldStartErrors.length > 0);
  if (broken.length === 0) return undefined;
  return [
    `CONFIGURATION ERROR: ${broken.length === 1 ? 'this route answers' : 'these routes answer'} every request with 500 server_error until fixed:`,
    ...broken.map((fn) => `  POST ${origin}${fn.route}   ${problemsOf(fn).join('; ')}`),
    'Fix the variables named above and restart npm start.',
  ].join('\n');
}
