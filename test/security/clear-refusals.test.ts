/**
 * Issue 13, items 7 and 8, through the built Aliyun bundle (the checks are the shared core's): a refusal says
 * exactly what is wrong, as a new user needs it. A body that is malformed (a wrong type, a fraction, an empty or
 * oversized prefix, a prefix that is no folder path) is 400 `invalid_request` naming the field and what it must be;
 * a well-formed body asking for more than the grant is 403 `insufficient_scope`; a token whose subject is empty or
 * not a string is unusable, 401 `invalid_token`, like one without a subject. None of them calls STS.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AliyunFixture, bearer, fc3Event, startAliyunFixture } from '../helpers/aliyun-fixture.js';
import { type BundleHandler, captureConsole, coldStart, withJson } from '../helpers/bundle-harness.js';
import { expectNoSecrets } from '../helpers/log-capture.js';

const BUNDLE = new URL('../../dist/aliyun/index.js', import.meta.url);

let fx: AliyunFixture;
let handler: BundleHandler;
let consoleLines: ReturnType<typeof captureConsole>;

beforeAll(async () => {
  fx = await startAliyunFixture();
  consoleLines = captureConsole();
  // TOKEN_ACTIONS get,put,list; TOKEN_DURATION_SECONDS 1800; TOKEN_PREFIX users/${sub}/.
  handler = coldStart(BUNDLE, 'handler', fx.env);
});

afterEach(() => {
  fx.sts.reset();
  expectNoSecrets(consoleLines.lines, fx.secrets());
});

afterAll(async () => {
  consoleLines.restore();
  await fx.close();
});

const ask = async (body: string, sub = 'alice') => withJson(await handler(fc3Event({ headers: bearer(await fx.idp.mint({ sub })), body }), fx.context()));

describe('a malformed body is 400 invalid_request, naming the field and what it must be', () => {
  it.each([
    ['{"durationSeconds": 900.5}', 'durationSeconds must be a whole number of seconds (a JSON number such as 900)'],
    ['{"durationSeconds": "900"}', 'durationSeconds must be a whole number of seconds (a JSON number such as 900)'],
    ['{"durationSeconds": 600}', 'durationSeconds must be at least 900'],
    ['{"actions": "put"}', 'actions must be an array of "get", "put", "delete", "list"'],
    ['{"actions": ["PUT"]}', 'actions must be an array of "get", "put", "delete", "list"'],
    ['{"actions": []}', 'actions must not be empty: leave the field out for every granted action'],
    ['{"prefix": ""}', 'prefix must be a folder path ending with "/", at most 1024 characters'],
    ['{"prefix": 7}', 'prefix must be a folder path ending with "/", at most 1024 characters'],
    [`{"prefix": "users/alice/${'x'.repeat(12 * 1024)}/"}`, 'prefix must be at most 1024 characters'],
    ['{"prefix": "users/alice/photos"}', 'prefix must end with "/"'],
    ['{"prefix": "users/alice"}', 'prefix must end with "/"'],
    ['{"prefix": "users/alice//x/"}', 'prefix must be a relative path without empty, "." or ".." segments'],
    ['{"prefix": "users/alice/./x/"}', 'prefix must be a relative path without empty, "." or ".." segments'],
    ['{"prefix": "users/alice/../bob/"}', 'prefix must be a relative path without empty, "." or ".." segments'],
    ['{"prefix": "/users/alice/"}', 'prefix must be a relative path without empty, "." or ".." segments'],
    ['{"prefix": "users/alice/*"}', 'prefix may contain only letters, digits and "._@/=+-"'],
    ['{"prefix": "users/alice/a b/"}', 'prefix may contain only letters, digits and "._@/=+-"'],
    ['{"prefix": "users/bob/*"}', 'prefix may contain only letters, digits and "._@/=+-"'],
    ['[]', 'the request body must be a JSON object such as {"prefix": "…"}, or empty'],
    ['null', 'the request body must be a JSON object such as {"prefix": "…"}, or empty'],
    ['"users/alice/"', 'the request body must be a JSON object such as {"prefix": "…"}, or empty'],
    ['{"actions":', 'the request body is not valid JSON'],
    ['{"bucket": "other"}', 'unknown field "bucket" in the request body (allowed: actions, prefix, durationSeconds, rules)'],
  ])('%s', async (body, description) => {
    const res = await ask(body);
    expect(res.statusCode).toBe(400);
    expect(res.json).toEqual({ error: 'invalid_request', error_description: description });
    expect(fx.sts.requestCount()).toBe(0);
  });
});

describe('a well-formed body asking for more than the grant is 403 insufficient_scope', () => {
  it.each([
    ['{"prefix": "users/"}', 'prefix must lie under the granted prefix "users/alice/"'],
    ['{"prefix": "users/bob/"}', 'prefix must lie under the granted prefix "users/alice/"'],
    ['{"prefix": "users/alice2/"}', 'prefix must lie under the granted prefix "users/alice/"'],
    ['{"actions": ["delete"]}', 'action not granted: delete'],
    ['{"actions": ["get", "delete"]}', 'action not granted: delete'],
    ['{"durationSeconds": 1801}', 'durationSeconds must not exceed 1800'],
  ])('%s', async (body, description) => {
    const res = await ask(body);
    expect(res.statusCode).toBe(403);
    expect(res.json).toEqual({ error: 'insufficient_scope', error_description: description });
    expect(fx.sts.requestCount()).toBe(0);
  });
});

describe('a token whose subject names no one is 401 invalid_token, like a token without one', () => {
  it.each([
    ['an empty sub', { sub: '' }],
    ['a numeric sub', { sub: 42 }],
    ['a sub that is an object', { sub: { id: 'alice' } }],
  ])('%s', async (_name, claims) => {
    const res = withJson(await handler(fc3Event({ headers: bearer(await fx.idp.mint(claims as never)) }), fx.context()));
    expect(res.statusCode).toBe(401);
    expect(res.json).toEqual({ error: 'invalid_token', error_description: 'the token "sub" claim must be a non-empty string' });
    expect(res.headers['WWW-Authenticate']).toBe('Bearer error="invalid_token", error_description="the token \'sub\' claim must be a non-empty string"');
    expect(fx.sts.requestCount()).toBe(0);
  });
});
