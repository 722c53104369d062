/**
 * Issue 15: rules + claims → grants → one session policy per cloud. The union of the rules that apply, narrowed by
 * the request body; limits held by COS conditions, or taken out of OSS and OBS keys; each cloud's policy compact and
 * within its limits; a document whose largest policy cannot fit is refused at cold start.
 */
import { describe, expect, it } from 'vitest';
import { aliyun } from '../../lib/clouds/aliyun.js';
import { huawei, type HuaweiConfig } from '../../lib/clouds/huawei.js';
import { tencent, type TencentConfig } from '../../lib/clouds/tencent.js';
import { type CloudPlugin, keyPolicyTraits } from '../../lib/clouds/types.js';
import { ConfigError } from '../../lib/errors.js';
import { buildRamPolicy } from '../../lib/policy/aliyun/ram-policy.js';
import { buildObsPolicy } from '../../lib/policy/huawei/obs-policy.js';
import { buildCamPolicy } from '../../lib/policy/tencent/cam-policy.js';
import { worstCasePolicy } from '../../lib/policy/worst-case.js';
import { parseRulesDocument } from '../../lib/rules/document.js';
import { applicableGrants, grantsAllow } from '../../lib/rules/grants.js';
import { type Grant, resolveScope, type Scope } from '../../lib/scope/resolve-scope.js';
import { parseScopeRequest } from '../../lib/scope/scope-request.js';
import { camPolicyAllows } from '../helpers/cam-policy-evaluator.js';
import { refusal } from '../helpers/refusals.js';
import { ISSUE_EXAMPLE } from '../helpers/rules-examples.js';

const EXAMPLE = ISSUE_EXAMPLE;

function grantOf(document: unknown, bucket = 'media'): Grant {
  const access = parseRulesDocument(document, 'TOKEN_RULES');
  if (Array.isArray(access)) throw new Error(access.join('\n'));
  return { bucket, region: 'cn-hangzhou', access, durationSeconds: 900 };
}
const scopeOn = <C>(cloud: CloudPlugin<C>, document: unknown, claims: Record<string, unknown>, body?: unknown): Scope =>
  resolveScope(grantOf(document), claims, parseScopeRequest(body === undefined ? undefined : JSON.stringify(body)), keyPolicyTraits(cloud));
const editor = { sub: 'alice', org: 'acme', groups: ['editors'] };

describe('which grants a token gets', () => {
  it('is the union of every rule whose condition holds, in document order', () => {
    const grants = applicableGrants(grantOf(EXAMPLE).access, editor);
    expect(grants).toEqual([
      { rule: 'own', prefix: 'users/alice/', actions: ['get', 'put', 'delete', 'list'] },
      { rule: 'public', prefix: 'public/', actions: ['get', 'list'] },
      { rule: 'team', prefix: 'teams/acme/', actions: ['get', 'put', 'list'] },
      { rule: 'avatars', prefix: 'avatars/alice/', actions: ['put'], maxSize: 2097152, contentTypes: ['image/png', 'image/jpeg'] },
    ]);
    expect(applicableGrants(grantOf(EXAMPLE).access, { sub: 'bob', groups: ['viewers'] }).map((g) => g.rule)).toEqual(['own', 'public', 'avatars']);
  });

  it('renders ${claim[]} as one prefix per distinct value, each value checked like any claim', () => {
    const doc = { rules: [{ name: 'groups', prefix: 'groups/${groups[]}/', actions: ['get'] }] };
    const access = grantOf(doc).access;
    expect(applicableGrants(access, { groups: ['a', 'b', 'a'] }).map((g) => g.prefix)).toEqual(['groups/a/', 'groups/b/']);
    expect(applicableGrants(access, { groups: 'solo' }).map((g) => g.prefix)).toEqual(['groups/solo/']);
    // No groups (Cognito omits an empty cognito:groups): the rule yields nothing.
    expect(applicableGrants(access, {})).toEqual([]);
    expect(applicableGrants(access, { groups: [] })).toEqual([]);
    const eight = Array.from({ length: 8 }, (_, i) => `g${i}`);
    expect(applicableGrants(access, { groups: eight })).toHaveLength(8);
    expect(refusal(() => applicableGrants(access, { groups: [...eight, 'g8'] })).description).toBe('the "groups" claim has 9 values, over the 8 a rule takes');
    for (const bad of [['ok', '*'], ['ok', 'a/b'], ['..'], [1], [['nested']], 42, { a: 1 }]) {
      expect(refusal(() => applicableGrants(access, { groups: bad })).status).toBe(403);
    }
  });

  it('takes claim values up to maxClaimLength, and a cloud may refuse more (Huawei: upper case)', () => {
    const access = grantOf({ ...EXAMPLE, maxClaimLength: 5 }).access;
    expect(applicableGrants(access, { sub: 'abcde' })).toHaveLength(3);
    expect(refusal(() => applicableGrants(access, { sub: 'abcdef' })).description).toBe('the "sub" claim is over 5 characters');
    const onHuawei = keyPolicyTraits(huawei);
    expect(refusal(() => applicableGrants(grantOf(EXAMPLE).access, { sub: 'Alice' }, onHuawei)).description).toContain('"sub" claim has upper-case letters');
    expect(applicableGrants(grantOf(EXAMPLE).access, { sub: 'Alice' }, keyPolicyTraits(aliyun))).toHaveLength(3);
    // Only rules that apply render their prefixes: an upper-case org matters only to editors.
    expect(applicableGrants(grantOf(EXAMPLE).access, { sub: 'bob', org: 'ACME' }, onHuawei).map((g) => g.rule)).toEqual(['own', 'public', 'avatars']);
    expect(refusal(() => applicableGrants(grantOf(EXAMPLE).access, { ...editor, org: 'ACME' }, onHuawei)).status).toBe(403);
  });

  it('refuses with 403 when no rule applies, before any policy is built', () => {
    const doc = { rules: [{ name: 'admins', when: { claim: 'role', equals: 'admin' }, prefix: 'admin/', actions: ['get'] }] };
    const error = refusal(() => scopeOn(aliyun, doc, { sub: 'alice' }));
    expect([error.status, error.code, error.description]).toEqual([403, 'insufficient_scope', 'no access rule applies to this token']);
  });
});

describe('narrowing several grants', () => {
  it('rules: keeps the named rules; a rule that does not apply is 403', () => {
    expect(scopeOn(tencent, EXAMPLE, editor, { rules: ['team', 'public'] }).grants.map((g) => g.rule)).toEqual(['public', 'team']);
    expect(refusal(() => scopeOn(tencent, EXAMPLE, { sub: 'bob' }, { rules: ['team'] })).description).toBe('rules not applying to this token: team');
    expect(refusal(() => scopeOn(tencent, EXAMPLE, { sub: 'bob' }, { rules: ['nope'] })).status).toBe(403);
    expect(refusal(() => parseScopeRequest('{"rules":["Bad Name"]}')).status).toBe(400);
    expect(refusal(() => parseScopeRequest('{"rules":[]}')).status).toBe(400);
  });

  it('prefix: keeps the grants that contain it, each narrowed to it', () => {
    const scope = scopeOn(tencent, EXAMPLE, editor, { prefix: 'teams/acme/docs/' });
    expect(scope.grants).toEqual([{ rule: 'team', prefix: 'teams/acme/docs/', actions: ['get', 'put', 'list'] }]);
    expect([scope.prefix, scope.actions]).toEqual(['teams/acme/docs/', ['get', 'put', 'list']]);
    expect(refusal(() => scopeOn(tencent, EXAMPLE, editor, { prefix: 'teams/' })).description).toBe(
      'prefix must lie under one of the granted prefixes "users/alice/", "public/", "teams/acme/", "avatars/alice/"',
    );
    // A malformed prefix is the caller's mistake, whatever it points at.
    expect(refusal(() => scopeOn(tencent, EXAMPLE, editor, { prefix: 'teams/acme' })).status).toBe(400);
    expect(refusal(() => scopeOn(tencent, EXAMPLE, editor, { prefix: 'teams/acme-evil/' })).status).toBe(403);
  });

  it('actions: every requested action must come from some grant; grants keep what was asked of them', () => {
    const scope = scopeOn(tencent, EXAMPLE, editor, { actions: ['get'] });
    expect(scope.grants.map((g) => [g.rule, g.actions])).toEqual([
      ['own', ['get']],
      ['public', ['get']],
      ['team', ['get']],
    ]);
    expect(refusal(() => scopeOn(tencent, EXAMPLE, editor, { prefix: 'public/', actions: ['put'] })).description).toBe('action not granted: put');
    expect(scopeOn(tencent, EXAMPLE, editor, { prefix: 'public/', actions: ['list'] }).grants).toEqual([{ rule: 'public', prefix: 'public/', actions: ['list'] }]);
  });

  it('the answer’s prefix and actions are the first grant’s; a one-rule deployment’s stay what they were', () => {
    const scope = scopeOn(aliyun, EXAMPLE, editor, { rules: ['public', 'own'] });
    expect([scope.prefix, scope.actions]).toEqual(['users/alice/', ['get', 'put', 'delete', 'list']]);
  });
});

describe('upload limits are never dropped', () => {
  it('COS keeps the limited grant, with put', () => {
    const scope = scopeOn(tencent, EXAMPLE, { sub: 'alice' });
    expect(scope.grants.find((g) => g.rule === 'avatars')).toEqual({ rule: 'avatars', prefix: 'avatars/alice/', actions: ['put'], maxSize: 2097152, contentTypes: ['image/png', 'image/jpeg'] });
  });

  it.each([
    ['aliyun', aliyun],
    ['huawei', huawei],
  ] as const)('%s keys grant no put under a limited rule, and say uploads go through signed uploads', (_, cloud) => {
    const scope = scopeOn(cloud as CloudPlugin<unknown>, EXAMPLE, { sub: 'alice' });
    expect(scope.grants.find((g) => g.rule === 'avatars')).toEqual({
      rule: 'avatars',
      prefix: 'avatars/alice/',
      actions: [],
      maxSize: 2097152,
      contentTypes: ['image/png', 'image/jpeg'],
      signedUploads: true,
    });
    expect(refusal(() => scopeOn(cloud as CloudPlugin<unknown>, EXAMPLE, { sub: 'alice' }, { rules: ['avatars'] })).description).toBe(
      `${cloud.id} keys cannot enforce the upload limits of avatars: use a signed upload`,
    );
    expect(refusal(() => scopeOn(cloud as CloudPlugin<unknown>, EXAMPLE, { sub: 'alice' }, { prefix: 'avatars/alice/', actions: ['put'] })).status).toBe(403);
    // An unlimited rule still puts where it may.
    expect(scopeOn(cloud as CloudPlugin<unknown>, EXAMPLE, { sub: 'alice' }, { actions: ['put'] }).grants.map((g) => g.rule)).toEqual(['own', 'avatars']);
  });

  it('the rules’ meaning: a limited put is allowed only with a size and type within the limits', () => {
    const grants = applicableGrants(grantOf(EXAMPLE).access, { sub: 'alice' });
    const put = (size?: number, contentType?: string) => grantsAllow(grants, { action: 'put', key: 'avatars/alice/a.png', size, contentType });
    expect(put(2097152, 'image/png')).toBe(true);
    expect(put(2097153, 'image/png')).toBe(false);
    expect(put(10, 'image/gif')).toBe(false);
    expect(put(undefined, 'image/png')).toBe(false);
    expect(put(10, undefined)).toBe(false);
    expect(grantsAllow(grants, { action: 'put', key: 'users/alice/big.bin' })).toBe(true);
    expect(grantsAllow(grants, { action: 'list', key: 'public/x/' })).toBe(true);
    expect(grantsAllow(grants, { action: 'list', key: 'teams/' })).toBe(false);
    const wildcard = applicableGrants(grantOf({ rules: [{ name: 'img', prefix: 'i/', actions: ['put'], contentTypes: ['image/*'] }] }).access, {});
    expect(grantsAllow(wildcard, { action: 'put', key: 'i/a', contentType: 'image/webp' })).toBe(true);
    expect(grantsAllow(wildcard, { action: 'put', key: 'i/a', contentType: 'image/' })).toBe(false);
    expect(grantsAllow(wildcard, { action: 'put', key: 'i/a', contentType: 'imagex/png' })).toBe(false);
  });
});

describe('one compact policy per cloud', () => {
  it('RAM: prefixes share statements where they share actions, nested prefixes are left out, listing is one condition', () => {
    const scope = scopeOn(aliyun, { rules: [...EXAMPLE.rules, { name: 'deep', prefix: 'public/docs/', actions: ['get', 'list'] }] }, editor);
    // The shortest text: own and team share get and put; own's delete and public's get are their own.
    expect(JSON.parse(buildRamPolicy(scope))).toEqual({
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: ['oss:GetObject', 'oss:PutObject', 'oss:AbortMultipartUpload', 'oss:ListParts'], Resource: ['acs:oss:*:*:media/users/alice/*', 'acs:oss:*:*:media/teams/acme/*'] },
        { Effect: 'Allow', Action: ['oss:DeleteObject'], Resource: ['acs:oss:*:*:media/users/alice/*'] },
        { Effect: 'Allow', Action: ['oss:GetObject'], Resource: ['acs:oss:*:*:media/public/*'] },
        { Effect: 'Allow', Action: ['oss:ListObjects'], Resource: ['acs:oss:*:*:media'], Condition: { StringLike: { 'oss:Prefix': ['users/alice/*', 'public/*', 'teams/acme/*'] } } },
      ],
    });
  });

  it('CAM: size and type conditions on PutObject and PostObject only; the limited rule grants no multipart or append', () => {
    const policy = JSON.parse(buildCamPolicy(scopeOn(tencent, EXAMPLE, { sub: 'alice' }), '1250000000'));
    const base = 'qcs::cos:cn-hangzhou:uid/1250000000:media';
    const limited = policy.statement.filter((s: { condition?: unknown; action: string[] }) => s.action.includes('name/cos:PostObject') && s.condition);
    expect(limited).toEqual([
      {
        effect: 'allow',
        action: ['name/cos:PutObject', 'name/cos:PostObject'],
        resource: [`${base}/avatars/alice/*`],
        condition: { numeric_less_than_equal: { 'cos:content-length': 2097152 }, string_like: { 'cos:content-type': ['image/png', 'image/jpeg'] } },
      },
    ]);
    const allows = (action: string, key: string, context?: Record<string, string>) =>
      camPolicyAllows(JSON.stringify(policy), { action, region: 'cn-hangzhou', appId: '1250000000', bucket: 'media', key, ...(context ? { context } : {}) });
    const png = { 'cos:content-length': '1000', 'cos:content-type': 'image/png' };
    expect(allows('name/cos:PutObject', 'avatars/alice/a.png', png)).toBe(true);
    expect(allows('name/cos:PostObject', 'avatars/alice/a.png', png)).toBe(true);
    expect(allows('name/cos:PutObject', 'avatars/alice/a.png', { ...png, 'cos:content-length': '2097153' })).toBe(false);
    expect(allows('name/cos:PutObject', 'avatars/alice/a.gif', { ...png, 'cos:content-type': 'image/gif' })).toBe(false);
    expect(allows('name/cos:PutObject', 'avatars/alice/a.png')).toBe(false);
    for (const action of ['InitiateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload', 'AppendObject', 'ListParts', 'AbortMultipartUpload']) {
      expect(allows(`name/cos:${action}`, 'avatars/alice/a.png', png), action).toBe(false);
      // … while the unlimited own folder keeps every upload API.
      expect(allows(`name/cos:${action}`, 'users/alice/a.bin'), action).toBe(true);
    }
    // One content type is written as a plain string, as the official STS sample does.
    const one = { rules: [{ name: 'img', prefix: 'i/', actions: ['put'], contentTypes: ['image/*'] }] };
    expect(JSON.parse(buildCamPolicy(scopeOn(tencent, one, { sub: 'a' }), '1250000000')).statement[0].condition).toEqual({ string_like: { 'cos:content-type': 'image/*' } });
  });

  it('CAM: a limited put under an unlimited one adds nothing', () => {
    const doc = { rules: [{ name: 'all', prefix: 'u/${sub}/', actions: ['put'] }, { name: 'pics', prefix: 'u/${sub}/pics/', actions: ['put'], maxSize: 10 }] };
    const policy = JSON.parse(buildCamPolicy(scopeOn(tencent, doc, { sub: 'a' }), '1250000000'));
    expect(policy.statement).toHaveLength(1);
    expect(policy.statement[0].condition).toBeUndefined();
  });

  it('writes a prefix into two statements where that is shorter than repeating long action lists', () => {
    const doc = { rules: [EXAMPLE.rules[0]!, { name: 'team', prefix: 'teams/${org}/', actions: ['get', 'put'] }] };
    const policy = JSON.parse(buildCamPolicy(scopeOn(tencent, doc, { sub: 'alice', org: 'acme' }), '1250000000'));
    // own = {get, put} + {delete}; team = {get, put}: the nine upload actions are written once.
    expect(policy.statement.map((s: { action: string[]; resource: string[] }) => [s.action.length, s.resource.map((r) => r.split(':media/')[1])])).toEqual([
      [11, ['users/alice/*', 'teams/acme/*']],
      [1, ['users/alice/*']],
      [1, ['qcs::cos:cn-hangzhou:uid/1250000000:media/*'.split(':media/')[1]]],
    ]);
  });

  it('OBS: at most 10 resources a statement, at most 8 statements, or the policy is refused', () => {
    const many = (n: number) => ({ rules: Array.from({ length: n }, (_, i) => ({ name: `r${i}`, prefix: `p${i}/`, actions: ['get'] })) });
    const policy = JSON.parse(buildObsPolicy(scopeOn(huawei, many(12), { sub: 'a' }), '1.1'));
    expect(policy.Statement.map((s: { Resource: string[] }) => s.Resource.length)).toEqual([10, 2]);
    // 11 rules × 8 group values = 88 prefixes: 9 statements of 10 resources.
    const groups = { rules: Array.from({ length: 11 }, (_, i) => ({ name: `r${i}`, prefix: `p${i}/\${g[]}/`, actions: ['get'] })) };
    const error = refusal(() => buildObsPolicy(scopeOn(huawei, groups, { sub: 'a', g: ['0', '1', '2', '3', '4', '5', '6', '7'] }), '1.1'));
    expect([error.status, error.description]).toEqual([400, 'the session policy would be too large for STS: 9 statements, over the 8 IAM accepts']);
  });
});

describe('the largest policy a document can produce, checked at cold start', () => {
  const tencentConfig = (bucket: string): TencentConfig => tencent.loadConfig({ TENCENT_ROLE_ARN: 'qcs::cam::uin/1:roleName/r' }, grantOf(EXAMPLE, bucket));
  const huaweiConfig: HuaweiConfig = huawei.loadConfig({}, grantOf(EXAMPLE));

  it('accepts the issue example on every cloud, with 128-character claim values', () => {
    expect(worstCasePolicy(aliyun, undefined as never, grantOf(EXAMPLE))?.length).toBeLessThanOrEqual(2048);
    expect(worstCasePolicy(tencent, tencentConfig('media-1250000000'), grantOf(EXAMPLE, 'media-1250000000'))?.length).toBeLessThanOrEqual(2048);
    expect(worstCasePolicy(huawei, huaweiConfig, grantOf(EXAMPLE))?.length).toBeLessThanOrEqual(2048);
  });

  it('refuses a document that cannot fit, naming the variable and the rule with the largest part', () => {
    const doc = { rules: [...EXAMPLE.rules, { name: 'groups', prefix: 'groups/${groups[]}/', actions: ['get', 'list'] }] };
    const grant = grantOf(doc, 'media-1250000000');
    let error: unknown;
    try {
      worstCasePolicy(tencent, tencentConfig('media-1250000000'), grant);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([{ variable: 'TOKEN_RULES', message: expect.stringMatching(/does not fit on tencent .* the largest part is rules\[4\] "groups": lower maxClaimLength/) }]);
    // An array rule fits beside fewer rules, with shorter claim values.
    const fewer = { rules: [EXAMPLE.rules[0], doc.rules[4]], maxClaimLength: 32 };
    expect(worstCasePolicy(tencent, tencentConfig('media-1250000000'), grantOf(fewer, 'media-1250000000'))?.length).toBeLessThanOrEqual(2048);
  });

  it('Huawei: the worst case takes the longest values a 128-character resource can hold, and refuses a template that can never fit', () => {
    const config = huawei.loadConfig({}, grantOf(EXAMPLE));
    expect(worstCasePolicy(huawei, config, grantOf(EXAMPLE, 'a'.repeat(63)))).toBeDefined();
    const long = { rules: [{ name: 'deep', prefix: `${'x'.repeat(40)}/${'y'.repeat(40)}/\${sub}/`, actions: ['get'] }] };
    expect(() => worstCasePolicy(huawei, config, grantOf(long, 'b'.repeat(40)))).toThrow(/rules\[0\] "deep"/);
  });
});
