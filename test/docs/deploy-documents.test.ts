/**
 * The role policies that the deploy guides tell a user to create (deploy/<cloud>/*-policy.json) are the
 * ceiling of every key stsgate issues: STS grants only what both they and the session policy allow. So
 * a ceiling that misses an action stsgate asks for breaks uploads at run time, and one wider than
 * `users/` widens what a leaked key can do. Here the session policies stsgate builds (the same code the
 * functions run) are read, action by action, by the tests' own policy evaluators against the shipped
 * ceilings, filled in the way the guides' commands fill them in.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aliyun } from '../../lib/clouds/aliyun.js';
import { huawei } from '../../lib/clouds/huawei.js';
import { tencent } from '../../lib/clouds/tencent.js';
import type { CloudPlugin } from '../../lib/clouds/types.js';
import { loadGrant } from '../../lib/config/grant.js';
import { planSession } from '../../lib/session-plan.js';
import { camPolicyAllows } from '../helpers/cam-policy-evaluator.js';
import { obsPolicyAllows } from '../helpers/obs-policy-evaluator.js';
import { ramPolicyAllows } from '../helpers/ram-policy-evaluator.js';
import { ROOT } from './markdown.js';

/** A deploy document with its placeholders replaced, as `sed "s/<name>/value/g"` would. */
function filled(path: string, values: Record<string, string>): string {
  const text = readFileSync(join(ROOT, path), 'utf8').replace(/<([a-z-]+)>/g, (whole, name: string) => values[name] ?? whole);
  expect(text, `${path} has a placeholder this test does not fill in`).not.toMatch(/<[a-z-]+>/);
  return text;
}

/** One storage request a session policy grants: an object action on a key, or a listing with a prefix. */
interface Granted {
  readonly action: string;
  readonly key?: string;
  readonly listPrefix?: string;
}

/** Every action of every statement, on an object under the user's prefix or, when the statement lists, with it as the prefix. */
function grantedRequests(statements: { action: string[]; lists: boolean }[], prefix: string): Granted[] {
  return statements.flatMap(({ action, lists }) => action.map((a) => (lists ? { action: a, listPrefix: prefix } : { action: a, key: `${prefix}photo.jpg` })));
}

/** The same request moved outside `users/`, which no ceiling may allow. */
const outside = (request: Granted): Granted =>
  request.key === undefined ? { action: request.action, listPrefix: 'admin/' } : { action: request.action, key: 'admin/photo.jpg' };

function plan<C>(cloud: CloudPlugin<C>, env: Record<string, string>) {
  const grant = loadGrant(env, { maxDurationSeconds: cloud.maxDurationSeconds });
  return planSession(cloud, cloud.loadConfig(env, grant), grant, { sub: 'alice' }, {});
}

const ALL_ACTIONS = 'get,put,delete,list';

describe('deploy/aliyun/oss-policy.json, the target role ceiling', () => {
  const bucket = 'media';
  const ceiling = filled('deploy/aliyun/oss-policy.json', { bucket });
  const session = plan(aliyun, { TOKEN_BUCKET: bucket, TOKEN_REGION: 'cn-hangzhou', TOKEN_ACTIONS: ALL_ACTIONS, ALIYUN_ROLE_ARN: 'acs:ram::123456789012:role/stsgate-oss' });
  const statements = (JSON.parse(session.policy) as { Statement: { Action: string[]; Condition?: unknown }[] }).Statement.map((s) => ({ action: s.Action, lists: s.Condition !== undefined }));
  const requests = grantedRequests(statements, session.scope.prefix);
  const ask = (policy: string, r: Granted) =>
    ramPolicyAllows(policy, { action: r.action, bucket, ...(r.key === undefined ? { context: { 'oss:Prefix': r.listPrefix ?? '' } } : { key: r.key }) });

  it('allows every request the session policy grants, with every action', () => {
    expect(requests.length).toBeGreaterThan(4);
    expect(requests.filter((r) => !ask(session.policy, r)), 'the session policy itself').toEqual([]);
    expect(requests.filter((r) => !ask(ceiling, r)).map((r) => `${r.action} is granted by stsgate but not by the ceiling`)).toEqual([]);
  });

  it('allows nothing outside users/', () => {
    expect(requests.map(outside).filter((r) => ask(ceiling, r))).toEqual([]);
  });
});

describe('deploy/tencent/cos-policy.json, the target role ceiling', () => {
  const values = { bucket: 'media', appid: '1250000000', region: 'ap-guangzhou' };
  const ceiling = filled('deploy/tencent/cos-policy.json', values);
  const bucket = `${values.bucket}-${values.appid}`;
  const session = plan(tencent, { TOKEN_BUCKET: bucket, TOKEN_REGION: values.region, TOKEN_ACTIONS: ALL_ACTIONS, TENCENT_ROLE_ARN: 'qcs::cam::uin/100000000001:roleName/stsgate-cos' });
  const statements = (JSON.parse(session.policy) as { statement: { action: string[]; condition?: unknown }[] }).statement.map((s) => ({ action: s.action, lists: s.condition !== undefined }));
  const requests = grantedRequests(statements, session.scope.prefix);
  const ask = (policy: string, r: Granted) =>
    camPolicyAllows(policy, {
      action: r.action,
      region: values.region,
      appId: values.appid,
      bucket,
      ...(r.key === undefined ? { context: { 'cos:prefix': r.listPrefix ?? '' } } : { key: r.key }),
    });

  it('allows every request the session policy grants, with every action', () => {
    expect(requests.length).toBeGreaterThan(10);
    expect(requests.filter((r) => !ask(session.policy, r)), 'the session policy itself').toEqual([]);
    expect(requests.filter((r) => !ask(ceiling, r)).map((r) => `${r.action} is granted by stsgate but not by the ceiling`)).toEqual([]);
  });

  it('allows nothing outside users/', () => {
    expect(requests.map(outside).filter((r) => ask(ceiling, r))).toEqual([]);
  });
});

describe.each([
  ['deploy/huawei/obs-policy.json, the function agency ceiling (IAM securitytokens, Version 1.1)', 'deploy/huawei/obs-policy.json', {}],
  [
    'deploy/huawei/trust-agency-obs-policy.json, the trust agency ceiling (STS AssumeAgency, Version 5.0)',
    'deploy/huawei/trust-agency-obs-policy.json',
    { HUAWEI_AGENCY_URN: 'iam::0123456789abcdef0123456789abcdef:agency:stsgate-obs', TOKEN_DURATION_SECONDS: '900' },
  ],
])('%s', (_title, path, extra: Record<string, string>) => {
  const bucket = 'media';
  const ceiling = filled(path, { bucket });
  const session = plan(huawei, { TOKEN_BUCKET: bucket, TOKEN_REGION: 'cn-north-4', TOKEN_ACTIONS: ALL_ACTIONS, ...extra });
  const statements = (JSON.parse(session.policy) as { Statement: { Action: string[]; Condition?: unknown }[] }).Statement.map((s) => ({ action: s.Action, lists: s.Condition !== undefined }));
  const requests = grantedRequests(statements, session.scope.prefix);
  const ask = (policy: string, r: Granted) =>
    obsPolicyAllows(policy, { action: r.action, bucket, ...(r.key === undefined ? { context: { 'obs:prefix': r.listPrefix ?? '' } } : { key: r.key }) });

  it('is the policy version its path sends', () => {
    expect((JSON.parse(ceiling) as { Version: string }).Version).toBe((JSON.parse(session.policy) as { Version: string }).Version);
  });

  it('allows every request the session policy grants, with every action', () => {
    expect(requests.length).toBeGreaterThan(4);
    expect(requests.filter((r) => !ask(session.policy, r)), 'the session policy itself').toEqual([]);
    expect(requests.filter((r) => !ask(ceiling, r)).map((r) => `${r.action} is granted by stsgate but not by the ceiling`)).toEqual([]);
  });

  it('allows nothing outside users/', () => {
    expect(requests.map(outside).filter((r) => ask(ceiling, r))).toEqual([]);
  });
});
