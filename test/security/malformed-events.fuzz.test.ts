/**
 * Issue 7, "Malformed platform events, fuzzed". Random and mutated events and contexts for each
 * platform go to the BUILT bundles (dist/<cloud>/index.js, what ships). Each bundle is cold-started with
 * its fixture's configuration and runs against that fixture's loopback identity provider and emulators.
 * `npm test` builds the bundles first.
 *
 * What each platform gets:
 *  (a) random events: `fc.anything()`, including values with the platform's own field names. FC3 also
 *      gets random Buffers, random strings and JSON text, because FC3 delivers a Buffer of JSON.
 *  (b) mutations of a valid event from the fixture builders, 1 to 3 per case: a field deleted or given
 *      a value of another type; a body that is invalid base64, base64 of invalid UTF-8, over the size
 *      limit, or random; a 100 KB header, or 2,000 headers; `Authorization` + `authorization` +
 *      `AUTHORIZATION` with different values; header values that are arrays, objects or numbers; odd
 *      methods and paths; a JWT in a header that is not Authorization. FC3 Buffers are also truncated
 *      or have random bytes spliced in. Most bases carry a valid JWT, so mutations reach the JWT
 *      verifier, the scope checks and STS.
 *  (c) context mutations: the whole context replaced (null, a number, anything), wrong-typed deadlines
 *      (SCF `time_limit_in_ms`, FC3 `function.timeout`, FunctionGraph's time getters), FC3
 *      `credentials` of the wrong type, and FunctionGraph getters that are missing, not functions,
 *      throwing (with a secret in the message) or returning non-strings. Every case uses a JWT freshly
 *      minted for a new subject, so the credential cache cannot hide a broken context.
 *
 * The property, for every case: the handler's promise resolves, never rejects, within BOUND_MS. It
 * resolves to `{statusCode, headers, body, isBase64Encoded}` where statusCode is an integer in
 * 200..599, headers is an object of strings, body is a string and isBase64Encoded is a boolean. A 200
 * body is a token and a 204 body is empty (no other status below 400 is in the contract). From 400 up,
 * the body is JSON whose `error` is a contract code sent with its documented status (docs/endpoint.md, "Errors":
 * invalid_request 400/413, invalid_token 401, insufficient_scope 403, method_not_allowed 405,
 * rate_limited 429, server_error 500, upstream_error 502, temporarily_unavailable 503,
 * upstream_timeout 504).
 *
 * THE 5xx RULE. A malformed event is the caller's mistake and never gets a 5xx. A case may get a 5xx
 * only if it deliberately breaks something the platform supplies, and only the 5xx that this breakage
 * explains:
 *  - 500 server_error: the role key pair from the context is unusable (FC3 `context.credentials`
 *    missing, not an object, or with a non-string or empty `accessKeyId`/`accessKeySecret`; a
 *    FunctionGraph AK or SK getter missing, not a function, throwing or returning a non-string or
 *    blank; or the whole FC3/FunctionGraph context is not the platform's). The credential chain then has
 *    nothing else in these deployments. This never applies on SCF, which keeps the role keys in the
 *    environment.
 *  - 502 upstream_error: the key pair is intact, but its security token (FC3 `securityToken`,
 *    FunctionGraph `getSecurityToken`) or the agency token (`getToken`) is unusable, so STS or IAM
 *    refuses the keys.
 *  - 504 upstream_timeout: the context says at most SHORT_DEADLINE_MS is left. The pipeline answers
 *    250 ms before the deadline.
 * Nothing else may produce a 5xx: no event mutation, no odd request id, and no time limit that is
 * invalid and so falls back to the default.
 *
 * Secrets: no log line and no error body contains a platform secret, an issued key or a minted JWT
 * (`expectNoSecrets`). A token body (200) contains none of the platform's own secrets and no minted JWT.
 *
 * Bugs this suite found, fixed, and kept as regression tests at the end:
 *  BUG-1: a deadline further away than setTimeout's ceiling (2^31-1 ms) was answered 504 at once (Node
 *         clamps an overflowing timer to 1 ms). The adapters' deadline is now clamped.
 *  BUG-2: a context whose property reads throw (an accessor that throws, a revoked Proxy) made the
 *         handler's promise reject. It is now answered 500 server_error.
 *  BUG-3: a deadline with fractional milliseconds turned a valid request into 500 (AbortSignal.timeout
 *         takes integers only). Deadlines are now whole milliseconds.
 */
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { IdentityProvider } from '../../emulators/identity-provider.js';
import { type AliyunFixture, fc3Event, startAliyunFixture } from '../helpers/aliyun-fixture.js';
import { bearer } from '../helpers/attack-cases.js';
import { type BundleHandler, captureConsole, coldStart } from '../helpers/bundle-harness.js';
import { apigEvent, type HuaweiFixture, startHuaweiFixture } from '../helpers/huawei-fixture.js';
import { expectNoSecrets } from '../helpers/log-capture.js';
import { apiGatewayEvent, functionUrlEvent, type TencentFixture, startTencentFixture } from '../helpers/tencent-fixture.js';

// ---------------------------------------------------------------------------------------------------
// The property
// ---------------------------------------------------------------------------------------------------

/** Every case must be answered within this. Loopback emulators answer in milliseconds. */
const BOUND_MS = 2000;
/** A context that leaves at most this much time may be answered 504 upstream_timeout. */
const SHORT_DEADLINE_MS = 1000;
/** setTimeout's ceiling: deadlines beyond it were BUG-1; the generators now go past it. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const CONTRACT: Readonly<Record<string, readonly number[]>> = {
  invalid_request: [400, 413],
  invalid_token: [401],
  insufficient_scope: [403],
  method_not_allowed: [405],
  rate_limited: [429],
  server_error: [500],
  upstream_error: [502],
  temporarily_unavailable: [503],
  upstream_timeout: [504],
};

const SERVER_ERROR = '500 server_error';
const UPSTREAM_ERROR = '502 upstream_error';
const UPSTREAM_TIMEOUT = '504 upstream_timeout';

const FUZZ_SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const runs = (numRuns: number) => ({ numRuns, ...(FUZZ_SEED === undefined ? {} : { seed: FUZZ_SEED }) });

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** What one platform's cases answered: for the secret checks and the coverage checks. */
class Answers {
  readonly statuses = new Map<number, number>();
  readonly errorBodies: string[] = [];
  readonly tokenBodies: string[] = [];

  count(status: number): number {
    return this.statuses.get(status) ?? 0;
  }

  clear(): void {
    this.statuses.clear();
    this.errorBodies.length = 0;
    this.tokenBodies.length = 0;
  }
}

/** Why a response is not a well-formed platform response within the 5xx rule, or undefined when it is. */
function problemWith(response: unknown, allow5xx: readonly string[]): string | undefined {
  if (!isObject(response)) return `the response is not an object: ${String(response)}`;
  const { statusCode, headers, body, isBase64Encoded } = response;
  if (typeof statusCode !== 'number' || !Number.isInteger(statusCode) || statusCode < 200 || statusCode > 599) return `statusCode ${String(statusCode)}`;
  if (!isObject(headers)) return 'headers is not an object';
  const badHeader = Object.entries(headers).find(([, value]) => typeof value !== 'string');
  if (badHeader) return `header ${badHeader[0]} is not a string`;
  if (typeof body !== 'string') return 'body is not a string';
  if (typeof isBase64Encoded !== 'boolean') return 'isBase64Encoded is not a boolean';
  if (statusCode === 204) return body === '' ? undefined : '204 with a body';
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return `${statusCode} with a body that is not JSON: ${body.slice(0, 200)}`;
  }
  if (statusCode === 200) return isObject(json) && typeof json.accessKeyId === 'string' ? undefined : `200 without a token: ${body.slice(0, 200)}`;
  if (statusCode < 400) return `status ${statusCode} is not in the contract`;
  const error = isObject(json) ? json.error : undefined;
  if (typeof error !== 'string' || !(error in CONTRACT)) return `${statusCode} with error ${JSON.stringify(error)}, not a contract code`;
  if (!CONTRACT[error]?.includes(statusCode)) return `${error} sent with ${statusCode}`;
  if (statusCode >= 500 && !allow5xx.includes(`${statusCode} ${error}`)) {
    return `${statusCode} ${error} for a case that allows only [${allow5xx.join(', ')}]: ${body.slice(0, 200)}`;
  }
  return undefined;
}

type Outcome = { kind: 'resolved'; value: unknown } | { kind: 'rejected'; error: unknown } | { kind: 'hung' };

async function invokeBounded(handler: BundleHandler, event: unknown, context: unknown): Promise<Outcome> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'hung' }), BOUND_MS);
  });
  // The async wrapper also turns a synchronous throw into a rejection we can see.
  const answered = (async () => handler(event, context))().then(
    (value): Outcome => ({ kind: 'resolved', value }),
    (error: unknown): Outcome => ({ kind: 'rejected', error }),
  );
  try {
    return await Promise.race([answered, hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** The property itself: throws (failing the fast-check run) when the case breaks it. */
async function expectWellFormedAnswer(handler: BundleHandler, event: unknown, context: unknown, allow5xx: readonly string[], answers: Answers): Promise<void> {
  const outcome = await invokeBounded(handler, event, context);
  if (outcome.kind === 'hung') throw new Error(`no answer within ${BOUND_MS} ms`);
  if (outcome.kind === 'rejected') throw new Error(`the handler rejected: ${outcome.error instanceof Error ? `${outcome.error.name}: ${outcome.error.message}` : String(outcome.error)}`);
  const problem = problemWith(outcome.value, allow5xx);
  if (problem) throw new Error(problem);
  const { statusCode, body } = outcome.value as { statusCode: number; body: string };
  answers.statuses.set(statusCode, answers.count(statusCode) + 1);
  (statusCode === 200 ? answers.tokenBodies : answers.errorBodies).push(body);
}

// ---------------------------------------------------------------------------------------------------
// Generators shared by the platforms
// ---------------------------------------------------------------------------------------------------

const HUGE_STRING = 'x'.repeat(1024 * 1024);
/** Stands for HUGE_STRING in generated values, so that a counterexample prints short; `real` swaps it in. */
const HUGE = Symbol('a 1 MB string');
const real = (value: unknown): unknown => (value === HUGE ? HUGE_STRING : value);
const MAX_BODY_BYTES = 16 * 1024;

/** Field names the adapters read. Random objects use them too, so random events sometimes get further. */
const KNOWN_KEYS = [
  'httpMethod', 'body', 'headers', 'isBase64Encoded', 'requestContext', 'http', 'method', 'path', 'rawPath', 'queryString',
  'queryStringParameters', 'queryParameters', 'authorization', 'Authorization', 'origin', 'version', 'requestId', '__proto__', 'constructor', 'toString',
];
const KNOWN_VALUES = ['POST', 'post', 'OPTIONS', 'GET', 'v1', '', '{}', 'Bearer x.y.z', 'https://app.example.com', '/'];

const randomValue = fc.anything({
  key: fc.oneof(fc.string(), fc.constantFrom(...KNOWN_KEYS)),
  values: [fc.string({ unit: 'binary' }), fc.constantFrom(...KNOWN_VALUES), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined)],
  maxDepth: 4,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withTypedArray: true,
  withSparseArray: true,
});

/** A value of some type other than string (for fields that must be strings). */
const nonString: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 3 }),
  fc.object({ maxDepth: 1, maxKeys: 3 }),
);
/** A value of some other type than the field has: the non-strings, plus a 1 MB string. */
const otherType: fc.Arbitrary<unknown> = fc.oneof({ arbitrary: nonString, weight: 5 }, { arbitrary: fc.constant(HUGE), weight: 1 });

const weirdMethod: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('get', 'post', 'Post', 'PO ST', ' POST', 'POST ', 'POST\n', 'POSTT', 'P0ST', 'DELETE', 'PATCH', 'HEAD', 'options', 'TRACE', 'CONNECT', '', 'ПОСТ', 'PÖST', 'poſt', '\u0000POST', 'POST\u200b', 'ＰＯＳＴ'),
  fc.string({ minLength: 100, maxLength: 100 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  otherType,
);

const weirdPath: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('', '/', '//', '/../../etc/passwd', '/%00', '/%2e%2e/', '/?x=1#frag', '\\', `/${'a'.repeat(10_000)}`, '/ünïcødé', '/\uD800', 'http://evil.example.com/'),
  fc.webPath(),
  fc.string({ unit: 'binary' }),
  otherType,
);

type Path = readonly string[];

/** Data, not closures, so a counterexample prints readably. */
type Mutation =
  | { readonly op: 'delete'; readonly path: Path }
  | { readonly op: 'set'; readonly path: Path; readonly value: unknown }
  | { readonly op: 'headers'; readonly headers: Readonly<Record<string, unknown>> }
  | { readonly op: 'hugeHeader'; readonly name: string; readonly bytes: number }
  | { readonly op: 'manyHeaders'; readonly count: number }
  | { readonly op: 'body'; readonly body: unknown; readonly base64: unknown }
  | { readonly op: 'bigBody'; readonly bytes: number; readonly fill: string; readonly base64: boolean };

/** Every path to a property of a (JSON) value: the fields a mutation may delete or retype. */
function fieldPaths(value: unknown, prefix: Path = []): Path[] {
  if (!isObject(value)) return [];
  return Object.entries(value).flatMap(([key, item]) => [[...prefix, key], ...fieldPaths(item, [...prefix, key])]);
}

function setAt(target: Record<string, unknown>, path: Path, value: unknown): void {
  let node: unknown = target;
  for (const key of path.slice(0, -1)) {
    if (!isObject(node)) return;
    if (!isObject(node[key])) node[key] = {};
    node = node[key];
  }
  const last = path.at(-1);
  if (isObject(node) && last !== undefined) node[last] = value;
}

function deleteAt(target: Record<string, unknown>, path: Path): void {
  let node: unknown = target;
  for (const key of path.slice(0, -1)) node = isObject(node) ? node[key] : undefined;
  const last = path.at(-1);
  if (isObject(node) && last !== undefined) delete node[last];
}

function headersOf(event: Record<string, unknown>): Record<string, unknown> {
  if (!isObject(event.headers)) event.headers = {};
  return event.headers as Record<string, unknown>;
}

function applyMutation(event: Record<string, unknown>, mutation: Mutation): void {
  switch (mutation.op) {
    case 'delete':
      return deleteAt(event, mutation.path);
    case 'set':
      return setAt(event, mutation.path, real(mutation.value));
    case 'headers':
      for (const [name, value] of Object.entries(mutation.headers)) headersOf(event)[name] = real(value);
      return;
    case 'hugeHeader':
      headersOf(event)[mutation.name] = (mutation.name.toLowerCase() === 'authorization' ? 'Bearer ' : '') + 'a'.repeat(mutation.bytes);
      return;
    case 'manyHeaders': {
      const headers = headersOf(event);
      for (let i = 0; i < mutation.count; i++) headers[`X-Fuzz-${i}`] = `value-${i}`;
      return;
    }
    case 'body':
      event.body = mutation.body;
      event.isBase64Encoded = mutation.base64;
      return;
    case 'bigBody': {
      const text = mutation.fill.repeat(Math.ceil(mutation.bytes / mutation.fill.length)).slice(0, mutation.bytes);
      event.body = mutation.base64 ? Buffer.from(text).toString('base64') : text;
      event.isBase64Encoded = mutation.base64;
      return;
    }
  }
}

/** Bytes that are not UTF-8: lone continuation bytes, overlongs, surrogates, truncated sequences. */
const INVALID_UTF8 = [[0xff], [0x80], [0xc3, 0x28], [0xa0, 0xa1], [0xe2, 0x28, 0xa1], [0xf0, 0x28, 0x8c, 0xbc], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82]];

const bodyMutation: fc.Arbitrary<Mutation> = fc.oneof(
  // Not base64, with isBase64Encoded: true.
  fc
    .oneof(fc.constantFrom('!!!!', 'a', 'abcde', 'ab=c', '====', 'YQ===', '%%%%', 'eyJ@', '-_-_', 'YWJj\u0000', 'YW Jj\n', '\uD800AAA'), fc.string({ unit: 'binary', minLength: 1 }))
    .map((body): Mutation => ({ op: 'body', body, base64: true })),
  // Valid base64 of invalid UTF-8, alone or after the start of a JSON body.
  fc
    .tuple(fc.constantFrom('', '{"actions":["get', '{"prefix":"users/'), fc.constantFrom(...INVALID_UTF8), fc.constantFrom('', '"]}'))
    .map(([head, bad, tail]): Mutation => ({ op: 'body', body: Buffer.concat([Buffer.from(head), Buffer.from(bad), Buffer.from(tail)]).toString('base64'), base64: true })),
  // Over the limit (and exactly at it: blank, so the whole grant), plain and base64.
  fc
    .record({ bytes: fc.constantFrom(MAX_BODY_BYTES, MAX_BODY_BYTES + 1, 20_000, 4 * MAX_BODY_BYTES + 1, 1024 * 1024), fill: fc.constantFrom(' ', 'x', '{', 'é'), base64: fc.boolean() })
    .map((big): Mutation => ({ op: 'bigBody', ...big })),
  // Random text, random JSON, and isBase64Encoded of the wrong type.
  fc
    .tuple(fc.oneof(fc.string({ unit: 'binary' }), fc.json(), fc.constant('{"actions":'), fc.constant('null')), fc.oneof(fc.boolean(), fc.constantFrom('true', 1, null, [], {})))
    .map(([body, base64]): Mutation => ({ op: 'body', body, base64 })),
);

const AUTH_NAMES = ['Authorization', 'authorization', 'AUTHORIZATION', 'aUtHoRiZaTiOn'];
const OTHER_HEADER_NAMES = ['Origin', 'origin', 'Content-Type', 'content-type', 'Host', 'host', 'User-Agent', 'x-scf-remote-addr', 'x-real-ip', 'X-Forwarded-For', '__proto__', 'constructor'];

function headerMutation(jwt: fc.Arbitrary<string>): fc.Arbitrary<Mutation> {
  const authValue = fc.oneof(jwt.map((token) => `Bearer ${token}`), fc.constantFrom('', 'Bearer', 'Bearer garbage', 'Basic dXNlcjpwYXNz', 'bearer  x.y.z'));
  return fc.oneof(
    // Duplicate spellings of Authorization, with different values.
    fc.tuple(authValue, authValue, authValue).map(([a, b, c]): Mutation => ({ op: 'headers', headers: { Authorization: a, authorization: b, AUTHORIZATION: c } })),
    // Header values that are not strings (arrays of strings included).
    fc
      .tuple(fc.constantFrom(...AUTH_NAMES, ...OTHER_HEADER_NAMES), fc.oneof(otherType, jwt.map((token) => [`Bearer ${token}`]), fc.constant(['https://app.example.com', 'https://evil.example.com'])))
      .map(([name, value]): Mutation => ({ op: 'headers', headers: { [name]: value } })),
    fc.tuple(fc.constantFrom(...AUTH_NAMES, ...OTHER_HEADER_NAMES, 'X-Fuzz'), fc.constantFrom(100 * 1024, 1024 * 1024)).map(([name, bytes]): Mutation => ({ op: 'hugeHeader', name, bytes })),
    fc.constantFrom(2000, 5000).map((count): Mutation => ({ op: 'manyHeaders', count })),
    // A JWT where it does not belong: it must not come back in a body or reach the log.
    jwt.map((token): Mutation => ({ op: 'headers', headers: { 'X-Access-Token': token, Cookie: `session=${token}`, Referer: `https://app.example.com/?token=${token}` } })),
    fc.dictionary(fc.string({ unit: 'binary', maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 100 }), { maxKeys: 20 }).map((headers): Mutation => ({ op: 'headers', headers })),
    fc.constantFrom('Origin', 'origin', 'ORIGIN').map((name): Mutation => ({ op: 'headers', headers: { [name]: 'https://app.example.com', Origin: 'https://evil.example.com' } })),
  );
}

interface EventShape {
  readonly paths: readonly Path[];
  readonly methodPaths: readonly Path[];
  readonly urlPaths: readonly Path[];
}

function mutations(shape: EventShape, jwt: fc.Arbitrary<string>): fc.Arbitrary<Mutation[]> {
  const path = fc.constantFrom(...shape.paths);
  const mutation = fc.oneof(
    path.map((p): Mutation => ({ op: 'delete', path: p })),
    fc.tuple(path, otherType).map(([p, value]): Mutation => ({ op: 'set', path: p, value })),
    fc.tuple(fc.constantFrom(...shape.methodPaths), weirdMethod).map(([p, value]): Mutation => ({ op: 'set', path: p, value })),
    fc.tuple(fc.constantFrom(...shape.urlPaths), weirdPath).map(([p, value]): Mutation => ({ op: 'set', path: p, value })),
    bodyMutation,
    headerMutation(jwt),
  );
  return fc.array(mutation, { minLength: 1, maxLength: 3 });
}

/** Request bodies a valid request may carry; `{sub}` becomes the token's subject. */
const BASE_BODIES = ['', '{}', '{"actions":["get"]}', '{"actions":["put","list"]}', '{"durationSeconds":900}', '{"prefix":"users/{sub}/docs/"}', '{"prefix":"{jwt}"}', '{jwt}'];

interface Credentials {
  readonly subjects: readonly string[];
  readonly tokens: string[];
}

/** Who a base request says is calling: a JWT from the pool (mostly valid, one expired), none, or junk. */
function authArb(creds: Credentials): fc.Arbitrary<{ token: string | undefined; sub: string }> {
  const valid = fc.integer({ min: 0, max: creds.subjects.length - 1 }).map((i) => ({ token: creds.tokens[i], sub: creds.subjects[i] ?? 'nobody' }));
  return fc.oneof(
    { arbitrary: valid, weight: 6 },
    { arbitrary: fc.constant({ token: undefined, sub: 'nobody' }), weight: 1 },
    { arbitrary: fc.constant({ token: 'not.a.jwt', sub: 'nobody' }), weight: 1 },
  );
}

const renderBody = (template: string, sub: string, jwt: string) => template.replace('{sub}', sub).replace('{jwt}', jwt);

/** Mints the pool: valid tokens for a few subjects (two algorithms), and an expired one. */
async function mintPool(idp: IdentityProvider): Promise<Credentials> {
  const subjects = ['fuzz-0', 'fuzz-1', 'fuzz-2', 'fuzz-rs', 'fuzz-expired'];
  const tokens = [
    await idp.mint({ sub: 'fuzz-0' }, { expiresIn: 3600 }),
    await idp.mint({ sub: 'fuzz-1' }, { expiresIn: 3600 }),
    await idp.mint({ sub: 'fuzz-2' }, { expiresIn: 3600 }),
    await idp.mint({ sub: 'fuzz-rs' }, { alg: 'RS256', expiresIn: 3600 }),
    await idp.mint({ sub: 'fuzz-expired' }, { expiresIn: -120 }),
  ];
  return { subjects, tokens };
}

/** JSON text of any generated value (BigInt has no JSON form; it becomes a string). */
const jsonText = (value: unknown): string => JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? `${item}n` : item)) ?? 'undefined';

/** A new subject per case, so the credential cache never answers for a broken context. */
let freshSubjects = 0;
const freshSubject = (prefix: string) => `${prefix}-${++freshSubjects}`;

// ---------------------------------------------------------------------------------------------------
// Deadlines: what may be answered 504, and what must not be
// ---------------------------------------------------------------------------------------------------

interface Deadline<T> {
  readonly value: T;
  /** The context leaves at most SHORT_DEADLINE_MS: 504 upstream_timeout is a right answer. */
  readonly short: boolean;
}

/**
 * A time limit in units of `unit` ms (1 for milliseconds, 1000 for seconds). Invalid limits fall back to
 * the default. Normal limits leave at least 2 s. Short limits leave at most SHORT_DEADLINE_MS.
 * Valid limits include fractions of a millisecond (BUG-3) and limits beyond setTimeout's ceiling, up
 * to Infinity (BUG-1).
 */
function limitArb(unit: number): fc.Arbitrary<Deadline<unknown>> {
  const invalid = fc.constantFrom<unknown>(-1, 0, -0, Number.NaN, Number.NEGATIVE_INFINITY, -1e9, -Number.MAX_VALUE, -0.5, '10000', '', null, {}, [], true, [10]);
  const wholeMs = (min: number, max: number) =>
    fc
      .integer({ min, max })
      .map((ms) => ms / unit)
      .filter((value) => Number.isInteger(value * unit));
  const fractionalMs = fc.double({ min: 2 * SHORT_DEADLINE_MS + 1, max: 60_000, noNaN: true }).map((ms) => ms / unit);
  const beyondTimers = fc.constantFrom(3e9, 1e12, Number.MAX_VALUE, Number.POSITIVE_INFINITY).map((ms) => ms / unit);
  return fc.oneof(
    invalid.map((value) => ({ value, short: false })),
    fc.oneof(wholeMs(2 * SHORT_DEADLINE_MS, MAX_TIMER_MS - 1000), fc.constant(10_000 / unit), fractionalMs, beyondTimers).map((value) => ({ value, short: false })),
    wholeMs(1, SHORT_DEADLINE_MS).map((value) => ({ value, short: true })),
  );
}

// ---------------------------------------------------------------------------------------------------
// The bundles
// ---------------------------------------------------------------------------------------------------

const dist = (cloud: string) => new URL(`../../dist/${cloud}/index.js`, import.meta.url);

let consoleLines: ReturnType<typeof captureConsole>;

beforeAll(() => {
  // The bundles log with console; every line is checked for secrets.
  consoleLines = captureConsole();
});

afterAll(() => consoleLines.restore());

/** After each property: nothing secret in the log lines or bodies it produced. */
function expectNothingLeaked(answers: Answers, allSecrets: readonly string[], platformSecrets: readonly string[], tokens: readonly string[]): void {
  expectNoSecrets(consoleLines.lines, [...allSecrets, ...tokens]);
  expectNoSecrets(answers.errorBodies, [...allSecrets, ...tokens]);
  for (const body of answers.tokenBodies) {
    for (const secret of [...platformSecrets, ...tokens]) expect(body.includes(secret), `a token body contains a secret: ${body.slice(0, 120)}`).toBe(false);
  }
  consoleLines.lines.length = 0;
  answers.clear();
}

function expectSomeReachedTheToken(answers: Answers): void {
  // Coverage: the valid JWTs in the bases must lead some cases all the way to STS.
  expect(answers.count(200), `status counts: ${JSON.stringify([...answers.statuses])}`).toBeGreaterThan(0);
  expect([...answers.statuses.keys()].filter((s) => s >= 400).length).toBeGreaterThan(1);
}

function report(name: string, answers: Answers): void {
  if (process.env.FUZZ_STATS) process.stderr.write(`${name}: ${JSON.stringify(Object.fromEntries([...answers.statuses].sort(([a], [b]) => a - b)))}\n`);
}

// ---------------------------------------------------------------------------------------------------
// Tencent SCF: Function URL and API Gateway events; role keys in the environment
// ---------------------------------------------------------------------------------------------------

describe('SCF (dist/tencent): malformed events and contexts never throw and get well-formed JSON errors', () => {
  const SCF_ENV_KEYS = ['TENCENTCLOUD_SECRETID', 'TENCENTCLOUD_SECRETKEY', 'TENCENTCLOUD_SESSIONTOKEN'];
  let fx: TencentFixture;
  let handler: BundleHandler;
  let creds: Credentials;
  const answers = new Answers();

  beforeAll(async () => {
    fx = await startTencentFixture();
    handler = coldStart(dist('tencent'), 'main_handler', fx.env);
    // SCF puts the role's keys in the environment and the chain reads them on every invocation.
    for (const name of SCF_ENV_KEYS) process.env[name] = fx.env[name];
    creds = await mintPool(fx.idp);
  });

  afterEach((context) => {
    report(context.task.name, answers);
    expectNothingLeaked(answers, fx.secrets(), [fx.role.secretKey, fx.role.token], creds.tokens);
  });

  afterAll(async () => {
    for (const name of SCF_ENV_KEYS) delete process.env[name];
    await fx.close();
  });

  it('(a) random values as the event', async () => {
    await fc.assert(
      fc.asyncProperty(randomValue, async (event) => expectWellFormedAnswer(handler, event, fx.context(), [], answers)),
      runs(150),
    );
    expect(answers.count(400)).toBeGreaterThan(0);
  });

  it('(b) mutated Function URL and API Gateway events', async () => {
    const jwt = fc.constantFrom(...creds.tokens);
    const bases = {
      url: functionUrlEvent({ headers: bearer('x') }),
      apigw: apiGatewayEvent({ headers: bearer('x'), base64: true }),
    };
    const shapes: Record<keyof typeof bases, EventShape> = {
      url: { paths: fieldPaths(bases.url), methodPaths: [['httpMethod']], urlPaths: [['path']] },
      apigw: { paths: fieldPaths(bases.apigw), methodPaths: [['httpMethod'], ['requestContext', 'httpMethod']], urlPaths: [['path'], ['requestContext', 'path']] },
    };
    const scfCase = fc.constantFrom('url' as const, 'apigw' as const).chain((shape) =>
      fc.record({ shape: fc.constant(shape), auth: authArb(creds), body: fc.constantFrom(...BASE_BODIES), base64: fc.boolean(), mutations: mutations(shapes[shape], jwt) }),
    );
    await fc.assert(
      fc.asyncProperty(scfCase, async ({ shape, auth, body, base64, mutations: list }) => {
        const init = { headers: auth.token ? bearer(auth.token) : {}, body: renderBody(body, auth.sub, creds.tokens[0] ?? '') };
        const event: Record<string, unknown> = shape === 'url' ? functionUrlEvent(init) : apiGatewayEvent({ ...init, base64 });
        for (const mutation of list) applyMutation(event, mutation);
        await expectWellFormedAnswer(handler, event, fx.context(), [], answers);
      }),
      runs(250),
    );
    expectSomeReachedTheToken(answers);
  });

  it('(c) mutated contexts: wrong types, odd request ids, time limits that are negative, NaN, not numbers or short', async () => {
    // Data, not closures, so a counterexample prints readably.
    const scfContext = fc.oneof(
      fc.oneof(randomValue, fc.constantFrom<unknown>(null, undefined, 0, 42, 'context', [], true)).map((context) => ({ replaced: { context }, limit: undefined, requestId: undefined })),
      fc.record({
        replaced: fc.constant(undefined),
        limit: limitArb(1),
        requestId: fc.option(fc.oneof(nonString, fc.string({ unit: 'binary' }), fc.constant(HUGE)), { nil: undefined }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(scfContext, fc.constantFrom(...BASE_BODIES.slice(0, 6)), fc.boolean(), async (ctx, body, viaUrl) => {
        const sub = freshSubject('scf-ctx');
        const token = await fx.idp.mint({ sub });
        creds.tokens.push(token);
        const init = { headers: bearer(token), body: renderBody(body, sub, token) };
        const event = viaUrl ? functionUrlEvent(init) : apiGatewayEvent(init);
        const context = ctx.replaced
          ? ctx.replaced.context
          : fx.context({ ...(ctx.limit ? { time_limit_in_ms: ctx.limit.value } : {}), ...(ctx.requestId === undefined ? {} : { request_id: real(ctx.requestId) }) });
        // SCF's role keys are in the environment: no context can excuse a 500 or a 502.
        await expectWellFormedAnswer(handler, event, context, ctx.limit?.short ? [UPSTREAM_TIMEOUT] : [], answers);
      }),
      runs(100),
    );
    expect(answers.count(200)).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------------------
// Aliyun FC3: a Buffer of JSON (or the parsed object); role keys in context.credentials
// ---------------------------------------------------------------------------------------------------

describe('FC3 (dist/aliyun): malformed events and contexts never throw and get well-formed JSON errors', () => {
  let fx: AliyunFixture;
  let handler: BundleHandler;
  let creds: Credentials;
  const answers = new Answers();

  beforeAll(async () => {
    fx = await startAliyunFixture();
    handler = coldStart(dist('aliyun'), 'handler', fx.env);
    creds = await mintPool(fx.idp);
  });

  afterEach((context) => {
    report(context.task.name, answers);
    expectNothingLeaked(answers, fx.secrets(), [fx.role.accessKeySecret, fx.role.securityToken], creds.tokens);
  });

  afterAll(() => fx.close());

  it('(a) random values, random Buffers and random strings as the event', async () => {
    const event = fc.oneof(
      randomValue,
      fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
      fc.string({ unit: 'binary' }),
      fc.json(),
      randomValue.map(jsonText),
      randomValue.map((value) => Buffer.from(jsonText(value))),
    );
    await fc.assert(
      fc.asyncProperty(event, async (e) => expectWellFormedAnswer(handler, e, fx.context(), [], answers)),
      runs(150),
    );
    expect(answers.count(400)).toBeGreaterThan(0);
  });

  it('(b) mutated FC3 events, delivered as a Buffer of JSON or as the object', async () => {
    const base = JSON.parse(fc3Event({ headers: bearer('x') }).toString()) as Record<string, unknown>;
    const shape: EventShape = {
      paths: fieldPaths(base),
      methodPaths: [['requestContext', 'http', 'method']],
      urlPaths: [['rawPath'], ['requestContext', 'http', 'path']],
    };
    const fc3Case = fc.record({
      auth: authArb(creds),
      body: fc.constantFrom(...BASE_BODIES),
      base64: fc.boolean(),
      mutations: mutations(shape, fc.constantFrom(...creds.tokens)),
      asBuffer: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc3Case, async ({ auth, body, base64, mutations: list, asBuffer }) => {
        const init = { headers: auth.token ? bearer(auth.token) : {}, body: renderBody(body, auth.sub, creds.tokens[0] ?? ''), base64 };
        const event = JSON.parse(fc3Event(init).toString()) as Record<string, unknown>;
        for (const mutation of list) applyMutation(event, mutation);
        await expectWellFormedAnswer(handler, asBuffer ? Buffer.from(JSON.stringify(event)) : event, fx.context(), [], answers);
      }),
      runs(200),
    );
    expectSomeReachedTheToken(answers);
  });

  it('(b) FC3 Buffers cut short or with random bytes (invalid UTF-8 included) spliced in', async () => {
    const byteCase = fc.record({
      auth: authArb(creds),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
      edit: fc.oneof(
        fc.constant({ kind: 'truncate' as const, bytes: [] as number[] }),
        fc.constantFrom(...INVALID_UTF8).map((bytes) => ({ kind: 'splice' as const, bytes })),
        fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 }).map((bytes) => ({ kind: 'splice' as const, bytes })),
        fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 4 }).map((bytes) => ({ kind: 'overwrite' as const, bytes })),
      ),
    });
    await fc.assert(
      fc.asyncProperty(byteCase, async ({ auth, at, edit }) => {
        const bytes = fc3Event({ headers: auth.token ? bearer(auth.token) : {}, body: '{"actions":["get"]}' });
        const i = Math.floor(at * bytes.length);
        const event =
          edit.kind === 'truncate'
            ? bytes.subarray(0, i)
            : edit.kind === 'splice'
              ? Buffer.concat([bytes.subarray(0, i), Buffer.from(edit.bytes), bytes.subarray(i)])
              : Buffer.concat([bytes.subarray(0, i), Buffer.from(edit.bytes), bytes.subarray(i + edit.bytes.length)]);
        await expectWellFormedAnswer(handler, event, fx.context(), [], answers);
      }),
      runs(60),
    );
  });

  it('(c) mutated contexts: credentials of the wrong type, odd timeouts and request ids, no context at all', async () => {
    const credentialField = fc.constantFrom('accessKeyId' as const, 'accessKeySecret' as const, 'securityToken' as const);
    // Data, not closures, so a counterexample prints readably: `overrides` go over the fixture's context,
    // `credentialField` over the role's real credentials, `replaced` instead of the whole context.
    const fc3Context = fc.oneof(
      // Not the platform's context: no credentials at all.
      fc.oneof(randomValue, fc.constantFrom<unknown>(null, undefined, 0, 42, 'context', [], true)).map((context) => ({ replaced: { context }, allow: [SERVER_ERROR] })),
      // The whole credentials value of the wrong type, or empty.
      fc.oneof(nonString, fc.constantFrom<unknown>('STS.key', '', undefined, {})).map((credentials) => ({ overrides: { credentials }, allow: [SERVER_ERROR] })),
      // One field of the credentials missing, empty or of the wrong type.
      fc.tuple(credentialField, fc.oneof(nonString, fc.constantFrom<unknown>('', undefined))).map(([field, value]) => ({
        credentialField: { field, value },
        // Without its token the pair is still used, and STS refuses it (MissingSecurityToken).
        allow: field === 'securityToken' ? [UPSTREAM_ERROR] : [SERVER_ERROR],
      })),
      // `function` and its timeout (seconds), and the request id.
      fc
        .record({
          fn: fc.oneof(limitArb(1000).map((timeout) => ({ value: { name: 'stsgate', timeout: timeout.value } as unknown, short: timeout.short })), nonString.map((value) => ({ value, short: false }))),
          requestId: fc.oneof(nonString, fc.string({ unit: 'binary' }), fc.constant(HUGE)),
        })
        .map(({ fn, requestId }) => ({ overrides: { function: fn.value, requestId }, allow: fn.short ? [UPSTREAM_TIMEOUT] : [] })),
    );
    const contextFor = (ctx: { replaced?: { context: unknown }; overrides?: Record<string, unknown>; credentialField?: { field: string; value: unknown } }): unknown => {
      if (ctx.replaced) return ctx.replaced.context;
      if (ctx.credentialField) return fx.context({ credentials: { ...fx.role, [ctx.credentialField.field]: ctx.credentialField.value } });
      return fx.context(Object.fromEntries(Object.entries(ctx.overrides ?? {}).map(([key, value]) => [key, real(value)])));
    };
    await fc.assert(
      fc.asyncProperty(fc3Context, fc.constantFrom(...BASE_BODIES.slice(0, 6)), fc.boolean(), async (ctx, body, asBuffer) => {
        const sub = freshSubject('fc3-ctx');
        const token = await fx.idp.mint({ sub });
        creds.tokens.push(token);
        const event = fc3Event({ headers: bearer(token), body: renderBody(body, sub, token) });
        await expectWellFormedAnswer(handler, asBuffer ? event : JSON.parse(event.toString()), contextFor(ctx), ctx.allow, answers);
      }),
      runs(100),
    );
    expect(answers.count(200)).toBeGreaterThan(0);
    expect(answers.count(500)).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------------------
// Huawei FunctionGraph: APIG events with base64 bodies; the agency in a context of getter methods
// ---------------------------------------------------------------------------------------------------

const GETTERS = [
  'getRequestID',
  'getRemainingTimeInMilliSeconds',
  'getRunningTimeInSeconds',
  'getToken',
  'getSecurityAccessKey',
  'getSecuritySecretKey',
  'getSecurityToken',
] as const;
type GetterName = (typeof GETTERS)[number];

type GetterMutation =
  | { readonly kind: 'missing' }
  | { readonly kind: 'not-a-function'; readonly value: unknown }
  | { readonly kind: 'throws' }
  | { readonly kind: 'returns'; readonly value: unknown };

type GetterMutations = Partial<Record<GetterName, GetterMutation>>;

const brokenGetter: fc.Arbitrary<GetterMutation> = fc.oneof(
  fc.constant({ kind: 'missing' as const }),
  nonString.map((value): GetterMutation => ({ kind: 'not-a-function', value })),
  fc.constant({ kind: 'throws' as const }),
  fc.oneof(nonString, fc.constantFrom<unknown>('', '   ', undefined)).map((value): GetterMutation => ({ kind: 'returns', value })),
);

/** Time getters return numbers, so their mutations are numbers too: invalid, short, or normal. */
const timeGetter = (unit: number): fc.Arbitrary<{ mutation: GetterMutation; deadlineMs: number | undefined }> =>
  fc.oneof(
    fc.constantFrom<GetterMutation>({ kind: 'missing' }, { kind: 'throws' }, { kind: 'not-a-function', value: 10 }).map((mutation) => ({ mutation, deadlineMs: undefined })),
    fc.constantFrom<unknown>(Number.NaN, '10000', null, {}).map((value) => ({ mutation: { kind: 'returns', value } as GetterMutation, deadlineMs: undefined })),
    limitArb(unit).map(({ value }) => ({ mutation: { kind: 'returns', value } as GetterMutation, deadlineMs: typeof value === 'number' ? value * unit : undefined })),
  );

describe('FunctionGraph (dist/huawei): malformed events and contexts never throw and get well-formed JSON errors', () => {
  let fx: HuaweiFixture;
  /** The default path (IAM securitytokens with the agency token) and the AssumeAgency path. */
  let handlers: { token: BundleHandler; agency: BundleHandler };
  let creds: Credentials;
  const answers = new Answers();

  beforeAll(async () => {
    fx = await startHuaweiFixture();
    handlers = { token: coldStart(dist('huawei'), 'handler', fx.env), agency: coldStart(dist('huawei'), 'handler', fx.agencyEnv) };
    creds = await mintPool(fx.idp);
  });

  afterEach((context) => {
    report(context.task.name, answers);
    expectNothingLeaked(answers, fx.secrets(), [fx.agency.token, fx.agency.secretKey, fx.agency.securityToken], creds.tokens);
  });

  afterAll(() => fx.close());

  /** The fixture's agency context with some getters broken. A getter that throws puts a secret in its message. */
  function contextWith(getters: GetterMutations): Record<string, unknown> {
    const context: Record<string, unknown> = fx.context();
    for (const [name, mutation] of Object.entries(getters)) {
      if (mutation.kind === 'missing') delete context[name];
      else if (mutation.kind === 'not-a-function') context[name] = mutation.value;
      else if (mutation.kind === 'throws') {
        context[name] = () => {
          throw new Error(`${name} failed near ${fx.agency.secretKey}`);
        };
      } else {
        const value = real(mutation.value);
        context[name] = () => value;
      }
    }
    return context;
  }

  it('(a) random values as the event', async () => {
    await fc.assert(
      fc.asyncProperty(randomValue, fc.boolean(), async (event, agencyPath) =>
        expectWellFormedAnswer(agencyPath ? handlers.agency : handlers.token, event, fx.context(), [], answers),
      ),
      runs(150),
    );
    expect(answers.count(400)).toBeGreaterThan(0);
  });

  it('(b) mutated APIG events, on both issuing paths', async () => {
    const shape: EventShape = { paths: fieldPaths(apigEvent({ headers: bearer('x') })), methodPaths: [['httpMethod']], urlPaths: [['path']] };
    const apigCase = fc.record({
      auth: authArb(creds),
      body: fc.constantFrom(...BASE_BODIES),
      base64: fc.boolean(),
      mutations: mutations(shape, fc.constantFrom(...creds.tokens)),
      agencyPath: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(apigCase, async ({ auth, body, base64, mutations: list, agencyPath }) => {
        const event: Record<string, unknown> = apigEvent({ headers: auth.token ? bearer(auth.token) : {}, body: renderBody(body, auth.sub, creds.tokens[0] ?? ''), base64 });
        for (const mutation of list) applyMutation(event, mutation);
        await expectWellFormedAnswer(agencyPath ? handlers.agency : handlers.token, event, fx.context(), [], answers);
      }),
      runs(250),
    );
    expectSomeReachedTheToken(answers);
  });

  it('(c) mutated contexts: null, a number, getters missing, throwing or returning non-strings, odd deadlines', async () => {
    const credentialGetter = fc.constantFrom<GetterName>('getToken', 'getSecurityAccessKey', 'getSecuritySecretKey', 'getSecurityToken');
    const fgContext = fc.oneof(
      // Not the platform's context: no agency credentials at all.
      fc.oneof(randomValue, fc.constantFrom<unknown>(null, undefined, 0, 42, 'context', [], true, {})).map((whole) => ({ whole: { context: whole }, getters: {} as GetterMutations, allow: [SERVER_ERROR] })),
      fc
        .record({
          broken: fc.uniqueArray(fc.tuple(credentialGetter, brokenGetter), { selector: ([name]) => name, maxLength: 4 }),
          remaining: fc.option(timeGetter(1), { nil: undefined }),
          running: fc.option(timeGetter(1000), { nil: undefined }),
          requestId: fc.option(fc.oneof(brokenGetter, fc.oneof(fc.string({ unit: 'binary' }), fc.constant(HUGE)).map((value): GetterMutation => ({ kind: 'returns', value }))), {
            nil: undefined,
          }),
        })
        .map(({ broken, remaining, running, requestId }) => {
          const getters: GetterMutations = Object.fromEntries(broken);
          if (remaining) getters.getRemainingTimeInMilliSeconds = remaining.mutation;
          if (running) getters.getRunningTimeInSeconds = running.mutation;
          if (requestId) getters.getRequestID = requestId;
          const names = new Set(broken.map(([name]) => name));
          // The deadline the context states: the remaining time when it is a finite number, else the
          // running time when positive (the fixture's are 10 s), else FunctionGraph's 15 s fallback.
          const remainingMs = remaining ? (remaining.deadlineMs !== undefined && Number.isFinite(remaining.deadlineMs) ? remaining.deadlineMs : undefined) : 10_000;
          const runningMs = running ? (running.deadlineMs !== undefined && running.deadlineMs > 0 ? running.deadlineMs : 15_000) : 10_000;
          const short = (remainingMs ?? runningMs) <= SHORT_DEADLINE_MS;
          const pairBroken = names.has('getSecurityAccessKey') || names.has('getSecuritySecretKey');
          const tokenBroken = names.has('getToken') || names.has('getSecurityToken');
          const allow = [...(pairBroken ? [SERVER_ERROR] : tokenBroken ? [UPSTREAM_ERROR] : []), ...(short ? [UPSTREAM_TIMEOUT] : [])];
          return { whole: undefined as { context: unknown } | undefined, getters, allow };
        }),
    );
    await fc.assert(
      fc.asyncProperty(fgContext, fc.constantFrom(...BASE_BODIES.slice(0, 6)), fc.boolean(), async (ctx, body, agencyPath) => {
        const sub = freshSubject('fg-ctx');
        const token = await fx.idp.mint({ sub });
        creds.tokens.push(token);
        const event = apigEvent({ headers: bearer(token), body: renderBody(body, sub, token) });
        const context = ctx.whole ? ctx.whole.context : contextWith(ctx.getters);
        await expectWellFormedAnswer(agencyPath ? handlers.agency : handlers.token, event, context, ctx.allow, answers);
      }),
      runs(100),
    );
    expect(answers.count(200)).toBeGreaterThan(0);
    expect(answers.count(500)).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------------------
interface ThreeBundles {
  scf: TencentFixture;
  fc3: AliyunFixture;
  fg: HuaweiFixture;
  handlers: { scf: BundleHandler; fc3: BundleHandler; fg: BundleHandler };
}

/**
 * All three bundles, cold-started against their fixtures for one describe block. The fields are read
 * inside tests (after beforeAll), so they are getters over the block's state.
 */
function allThreeBundles(): Readonly<ThreeBundles> {
  const state: Partial<ThreeBundles> = {};
  const scfSecrets = ['TENCENTCLOUD_SECRETID', 'TENCENTCLOUD_SECRETKEY', 'TENCENTCLOUD_SESSIONTOKEN'];

  beforeAll(async () => {
    const [scf, fc3, fg] = await Promise.all([startTencentFixture(), startAliyunFixture(), startHuaweiFixture()]);
    Object.assign(state, { scf, fc3, fg });
    state.handlers = { scf: coldStart(dist('tencent'), 'main_handler', scf.env), fc3: coldStart(dist('aliyun'), 'handler', fc3.env), fg: coldStart(dist('huawei'), 'handler', fg.env) };
    // SCF reads its role's keys from the environment on every invocation.
    for (const name of scfSecrets) process.env[name] = scf.env[name];
  });

  afterAll(async () => {
    for (const name of scfSecrets) delete process.env[name];
    consoleLines.lines.length = 0;
    await Promise.all([state.scf?.close(), state.fc3?.close(), state.fg?.close()]);
  });

  return {
    get scf() { return state.scf!; },
    get fc3() { return state.fc3!; },
    get fg() { return state.fg!; },
    get handlers() { return state.handlers!; },
  };
}

// Regression tests for the bugs this suite found (see the module comment).
// ---------------------------------------------------------------------------------------------------

describe('BUG-1 (fixed): a deadline beyond setTimeout’s 2^31-1 ms ceiling', () => {
  const bundles = allThreeBundles();

  it.each([3e9, Number.POSITIVE_INFINITY])('SCF time_limit_in_ms = %d: a valid request gets 200', async (limit) => {
    const res = await bundles.handlers.scf(functionUrlEvent({ headers: bearer(await bundles.scf.idp.mint({ sub: freshSubject('bug1-scf') })) }), bundles.scf.context({ time_limit_in_ms: limit }));
    expect(res.statusCode).toBe(200);
  });

  it.each([1e7, Number.POSITIVE_INFINITY])('FC3 function.timeout = %d s: a valid request gets 200', async (timeout) => {
    const res = await bundles.handlers.fc3(fc3Event({ headers: bearer(await bundles.fc3.idp.mint({ sub: freshSubject('bug1-fc3') })) }), bundles.fc3.context({ function: { name: 'stsgate', timeout } }));
    expect(res.statusCode).toBe(200);
  });

  it.each([
    ['getRemainingTimeInMilliSeconds() = 3e9', { getRemainingTimeInMilliSeconds: () => 3e9 }],
    ['getRunningTimeInSeconds() = 3e6 without a remaining-time getter', { getRemainingTimeInMilliSeconds: undefined, getRunningTimeInSeconds: () => 3e6 }],
  ])('FunctionGraph %s: a valid request gets 200', async (_name, overrides) => {
    const res = await bundles.handlers.fg(apigEvent({ headers: bearer(await bundles.fg.idp.mint({ sub: freshSubject('bug1-fg') })) }), bundles.fg.context(overrides));
    expect(res.statusCode).toBe(200);
  });
});

describe('BUG-2 (fixed): a context whose property reads throw', () => {
  const throwingAccessor = (name: string) => () =>
    Object.defineProperty({}, name, {
      get() {
        throw new Error('context property read failed');
      },
      enumerable: true,
    });
  const revokedProxy = () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  };
  const bundles = {
    tencent: { exportName: 'main_handler', event: () => functionUrlEvent({ headers: bearer('x.y.z') }) },
    aliyun: { exportName: 'handler', event: () => fc3Event({ headers: bearer('x.y.z') }) },
    huawei: { exportName: 'handler', event: () => apigEvent({ headers: bearer('x.y.z') }) },
  };
  // The adapters read the context before the core runs, so a bundle with no JWKS behind its URL shows it.
  const env = { JWT_JWKS_URL: 'http://127.0.0.1:9/jwks', JWT_ISSUER: 'https://issuer.example.com/', JWT_AUDIENCE: 'stsgate' };

  it.each([
    ['tencent', 'a throwing `time_limit_in_ms` accessor', throwingAccessor('time_limit_in_ms')],
    ['tencent', 'a revoked Proxy', revokedProxy],
    ['aliyun', 'a throwing `function` accessor', throwingAccessor('function')],
    ['aliyun', 'a revoked Proxy', revokedProxy],
    ['huawei', 'a throwing `getRunningTimeInSeconds` accessor', throwingAccessor('getRunningTimeInSeconds')],
    ['huawei', 'a revoked Proxy', revokedProxy],
  ] as const)('%s given %s as the context: the promise resolves to a response', async (cloud, _what, context) => {
    const bundle = bundles[cloud];
    const outcome = await invokeBounded(coldStart(dist(cloud), bundle.exportName, env), bundle.event(), context());
    consoleLines.lines.length = 0;
    expect(outcome.kind).toBe('resolved');
    expect(outcome.kind === 'resolved' && (outcome.value as { statusCode: number }).statusCode).toBe(500);
  });
});

describe('BUG-3 (fixed): a deadline with fractional milliseconds', () => {
  const bundles = allThreeBundles();

  it('SCF time_limit_in_ms = 3000.5: a valid request gets 200', async () => {
    const res = await bundles.handlers.scf(functionUrlEvent({ headers: bearer(await bundles.scf.idp.mint({ sub: freshSubject('bug3-scf') })) }), bundles.scf.context({ time_limit_in_ms: 3000.5 }));
    expect(res.statusCode).toBe(200);
  });

  it('FC3 function.timeout = 2.0005 s: a valid request gets 200', async () => {
    const res = await bundles.handlers.fc3(fc3Event({ headers: bearer(await bundles.fc3.idp.mint({ sub: freshSubject('bug3-fc3') })) }), bundles.fc3.context({ function: { name: 'stsgate', timeout: 2.0005 } }));
    expect(res.statusCode).toBe(200);
  });

  it('FunctionGraph getRemainingTimeInMilliSeconds() = 2000.5: a valid request gets 200', async () => {
    const res = await bundles.handlers.fg(apigEvent({ headers: bearer(await bundles.fg.idp.mint({ sub: freshSubject('bug3-fg') })) }), bundles.fg.context({ getRemainingTimeInMilliSeconds: () => 2000.5 }));
    expect(res.statusCode).toBe(200);
  });
});
