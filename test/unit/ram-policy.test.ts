import { describe, expect, it } from 'vitest';
import { StsgateError } from '../../lib/errors.js';
import { buildRamPolicy } from '../../lib/policy/aliyun/ram-policy.js';
import { MAX_SESSION_POLICY_LENGTH } from '../../lib/policy/policy-size.js';
import type { Action } from '../../lib/scope/actions.js';
import type { Scope } from '../../lib/scope/resolve-scope.js';
import { oneGrantScope } from '../helpers/grants.js';

const scope = (actions: Action[], prefix = 'users/alice/'): Scope => oneGrantScope({
  subject: 'alice',
  bucket: 'media',
  region: 'cn-hangzhou',
  prefix,
  actions,
  durationSeconds: 900,
});

const statements = (actions: Action[]) => JSON.parse(buildRamPolicy(scope(actions))).Statement;

describe('RAM session policy', () => {
  it.each([
    [['get'], ['oss:GetObject']],
    // Multipart initiate/part/complete are oss:PutObject; abort and list-parts are separate actions.
    [['put'], ['oss:PutObject', 'oss:AbortMultipartUpload', 'oss:ListParts']],
    [['delete'], ['oss:DeleteObject']],
  ] as [Action[], string[]][])('maps %j to object actions on the prefix only', (actions, ram) => {
    expect(statements(actions)).toEqual([{ Effect: 'Allow', Action: ram, Resource: ['acs:oss:*:*:media/users/alice/*'] }]);
  });

  it('puts list on the bucket, narrowed by an oss:Prefix condition', () => {
    expect(statements(['list'])).toEqual([
      { Effect: 'Allow', Action: ['oss:ListObjects'], Resource: ['acs:oss:*:*:media'], Condition: { StringLike: { 'oss:Prefix': ['users/alice/*'] } } },
    ]);
  });

  it('is version 1 and never grants a wildcard action or bucket-wide object access', () => {
    const policy = JSON.parse(buildRamPolicy(scope(['get', 'put', 'delete', 'list'])));
    expect(policy.Version).toBe('1');
    const actions = policy.Statement.flatMap((s: { Action: string[] }) => s.Action);
    expect(actions.some((a: string) => a.includes('*'))).toBe(false);
    const resources = policy.Statement.flatMap((s: { Resource: string[] }) => s.Resource);
    expect(resources).toEqual(['acs:oss:*:*:media/users/alice/*', 'acs:oss:*:*:media']);
  });

  it('refuses with 400 a scope whose policy would exceed the 2048-character STS limit', () => {
    const long = `users/alice/${'a'.repeat(900)}/`;
    try {
      buildRamPolicy(scope(['get', 'put', 'delete', 'list'], long));
      expect.unreachable();
    } catch (error) {
      expect((error as StsgateError).status).toBe(400);
    }
    // The longest prefix that fits still builds.
    const fits = `users/alice/${'a'.repeat(700)}/`;
    expect(buildRamPolicy(scope(['get', 'put', 'delete', 'list'], fits)).length).toBeLessThanOrEqual(MAX_SESSION_POLICY_LENGTH);
  });
});
