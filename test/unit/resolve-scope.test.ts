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
    ['{"prefix":"users/"}', 'outside the granted prefix'],
    ['{"prefix":"users/bob/"}', 'outside the granted prefix'],
    ['{"prefix":"users/alice"}', 'outside the granted prefix'],
    ['{"prefix":"users/alice/*"}', 'plain folder path'],
    ['{"prefix":"users/alice/../bob/"}', 'plain folder path'],
    ['{"prefix":"users/alice//x/"}', 'plain folder path'],
    ['{"prefix":"users/alice/x"}', 'plain folder path'],
    ['{"durationSeconds":1801}', 'must not exceed 1800'],
  ])('refuses a wider request %s with 403', (body, message) => {
    const error = failure(() => resolveScope(grant, { sub: 'alice' }, parseScopeRequest(body)));
    expect(error.status).toBe(403);
    expect(error.code).toBe('insufficient_scope');
    expect(error.description).toContain(message);
  });

  it.each([
    ['{', 'not valid JSON'],
    ['[]', 'invalid request body'],
    ['"x"', 'invalid request body'],
    ['{"actions":"get"}', 'actions'],
    ['{"actions":[]}', 'actions must not be empty'],
    ['{"actions":["write"]}', 'actions must be among'],
    ['{"durationSeconds":"900"}', 'durationSeconds'],
    ['{"durationSeconds":900.5}', 'durationSeconds'],
    ['{"bucket":"other"}', 'unknown field "bucket"'],
    ['{"__proto__":{"x":1}}', 'unknown field'],
  ])('rejects the malformed body %s with 400', (body, message) => {
    const error = failure(() => parseScopeRequest(body));
    expect(error.status).toBe(400);
    expect(error.code).toBe('invalid_request');
    expect(error.description).toContain(message);
  });

  it('rejects a duration under the STS minimum with 400', () => {
    expect(failure(() => resolveScope(grant, { sub: 'alice' }, parseScopeRequest('{"durationSeconds":60}'))).status).toBe(400);
  });

  it('refuses a token without a usable subject', () => {
    expect(failure(() => resolveScope(grant, {}, {})).status).toBe(403);
    expect(failure(() => resolveScope(grant, { sub: 'a/b' }, {})).status).toBe(403);
  });
});
