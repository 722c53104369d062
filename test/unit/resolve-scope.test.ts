import { describe, expect, it } from 'vitest';
import { StsgateError } from '../../lib/errors.js';
import { type Grant, type KeyPolicyTraits, resolveScope as resolveFor } from '../../lib/scope/resolve-scope.js';
import { parseScopeRequest } from '../../lib/scope/scope-request.js';
import { oneRuleGrant } from '../helpers/grants.js';

const grant: Grant = oneRuleGrant('users/${sub}/', ['get', 'put', 'list'], { durationSeconds: 1800 });
const traits: KeyPolicyTraits = { cloud: 'aliyun', uploadLimitsInPolicy: false };
const resolveScope = (g: Grant, claims: Record<string, unknown>, request: Parameters<typeof resolveFor>[2]) => resolveFor(g, claims, request, traits);

const failure = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof StsgateError) return { status: error.status, code: error.code, description: error.description };
    throw error;
  }
  throw new Error('expected an error');
};

describe('resolveScope', () => {
  it('grants the configured scope when the body asks for nothing', () => {
    expect(resolveScope(grant, { sub: 'alice' }, parseScopeRequest(undefined))).toEqual({
      subject: 'alice',
      bucket: 'media',
      region: 'cn-hangzhou',
      grants: [{ rule: 'default', prefix: 'users/alice/', actions: ['get', 'put', 'list'] }],
      prefix: 'users/alice/',
      actions: ['get', 'put', 'list'],
      durationSeconds: 1800,
    });
  });

  it('narrows actions, prefix and duration on request, in canonical action order', () => {
    const scope = resolveScope(
      grant,
      { sub: 'alice' },
      parseScopeRequest('{"actions":["list","get","get"],"prefix":"users/alice/photos/","durationSeconds":900}'),
    );
    expect(scope.actions).toEqual(['get', 'list']);
    expect(scope.prefix).toBe('users/alice/photos/');
    expect(scope.durationSeconds).toBe(900);
  });

  it.each([
    ['{"actions":["delete"]}', 'action not granted: delete'],
    ['{"prefix":"users/"}', 'prefix must lie under the granted prefix "users/alice/"'],
    ['{"prefix":"users/bob/"}', 'prefix must lie under the granted prefix "users/alice/"'],
    ['{"durationSeconds":1801}', 'must not exceed 1800'],
  ])('refuses a wider request %s with 403', (body, message) => {
    const error = failure(() => resolveScope(grant, { sub: 'alice' }, parseScopeRequest(body)));
    expect(error.status).toBe(403);
    expect(error.code).toBe('insufficient_scope');
    expect(error.description).toContain(message);
  });

  it.each([
    ['{"prefix":"users/alice"}', 'prefix must end with "/"'],
    ['{"prefix":"users/alice/x"}', 'prefix must end with "/"'],
    ['{"prefix":"users/alice/*"}', 'prefix may contain only letters, digits'],
    ['{"prefix":"users/bob"}', 'prefix must end with "/"'],
    ['{"prefix":"users/alice/../bob/"}', 'without empty, "." or ".." segments'],
    ['{"prefix":"users/alice//x/"}', 'without empty, "." or ".." segments'],
    ['{"durationSeconds":60}', 'durationSeconds must be at least 900'],
  ])('refuses a malformed request %s with 400, wherever it points', (body, message) => {
    const error = failure(() => resolveScope(grant, { sub: 'alice' }, parseScopeRequest(body)));
    expect(error.status).toBe(400);
    expect(error.code).toBe('invalid_request');
    expect(error.description).toContain(message);
  });

  it.each([
    [900, 900],
    [901, 1800],
    [1799, 1800],
    [1800, 1800],
  ])('rounds a requested duration of %i s up to %i s, the next documented step', (asked, issued) => {
    expect(resolveScope(grant, { sub: 'alice' }, { durationSeconds: asked }).durationSeconds).toBe(issued);
  });

  it('never rounds past the grant’s own duration', () => {
    const short = { ...grant, durationSeconds: 1200 };
    expect(resolveScope(short, { sub: 'alice' }, { durationSeconds: 901 }).durationSeconds).toBe(1200);
    expect(resolveScope({ ...grant, durationSeconds: 43200 }, { sub: 'alice' }, { durationSeconds: 14401 }).durationSeconds).toBe(43200);
    expect(resolveScope({ ...grant, durationSeconds: 20000 }, { sub: 'alice' }, { durationSeconds: 7201 }).durationSeconds).toBe(14400);
  });

  it.each([
    ['{', 'not valid JSON'],
    ['[]', 'the request body must be a JSON object'],
    ['"x"', 'the request body must be a JSON object'],
    ['null', 'the request body must be a JSON object'],
    ['{"actions":"get"}', 'actions must be an array of "get", "put", "delete", "list"'],
    ['{"actions":[]}', 'actions must not be empty'],
    ['{"actions":["write"]}', 'actions must be an array of "get", "put", "delete", "list"'],
    ['{"durationSeconds":"900"}', 'durationSeconds must be a whole number of seconds'],
    ['{"durationSeconds":900.5}', 'durationSeconds must be a whole number of seconds'],
    ['{"prefix":""}', 'prefix must be a folder path ending with "/"'],
    ['{"bucket":"other"}', 'unknown field "bucket"'],
    ['{"__proto__":{"x":1}}', 'unknown field'],
  ])('rejects the malformed body %s with 400', (body, message) => {
    const error = failure(() => parseScopeRequest(body));
    expect(error.status).toBe(400);
    expect(error.code).toBe('invalid_request');
    expect(error.description).toContain(message);
  });

  it('refuses a token without a usable subject', () => {
    expect(failure(() => resolveScope(grant, {}, {})).status).toBe(403);
    expect(failure(() => resolveScope(grant, { sub: 'a/b' }, {})).status).toBe(403);
  });
});
