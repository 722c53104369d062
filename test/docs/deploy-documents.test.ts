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

/** A policy's statements, whichever case its grammar spells the keys in. */
function statementsOf(policy: string): { action: string[]; lists: boolean }[] {
  const document = JSON.parse(policy) as Record<string, { Action?: string[]; action?: string[]; Condition?: unknown; condition?: unknown }[]>;
  return (document.Statement ?? document.statement ?? []).map((s) => ({ action: s.Action ?? s.action ?? [], lists: (s.Condition ?? s.condition) !== undefined }));
}

const ALL_ACTIONS = 'get,put,delete,list';
const bucket = 'media';
const cos = { appid: '1250000000', region: 'ap-guangzhou', bucket: `${bucket}-1250000000` };
const prefixed = (r: Granted, key: string) => (r.key === undefined ? { context: { [key]: r.listPrefix ?? '' } } : { key: r.key });

interface Ceiling {
  readonly path: string;
  /** The values the guide's command substitutes for the placeholders. */
  readonly values: Record<string, string>;
  /** The session policy stsgate sends on this path, for subject alice and every action. */
  session(): ReturnType<typeof plan>;
  allows(policy: string, request: Granted): boolean;
}

const CEILINGS: Ceiling[] = [
  {
    path: 'deploy/aliyun/oss-policy.json',
    values: { bucket },
    session: () => plan(aliyun, { TOKEN_BUCKET: bucket, TOKEN_REGION: 'cn-hangzhou', TOKEN_ACTIONS: ALL_ACTIONS, ALIYUN_ROLE_ARN: 'acs:ram::123456789012:role/stsgate-oss' }),
    allows: (policy, r) => ramPolicyAllows(policy, { action: r.action, bucket, ...prefixed(r, 'oss:Prefix') }),
  },
  {
    path: 'deploy/tencent/cos-policy.json',
    values: { bucket, appid: cos.appid, region: cos.region },
    session: () => plan(tencent, { TOKEN_BUCKET: cos.bucket, TOKEN_REGION: cos.region, TOKEN_ACTIONS: ALL_ACTIONS, TENCENT_ROLE_ARN: 'qcs::cam::uin/100000000001:roleName/stsgate-cos' }),
    allows: (policy, r) => camPolicyAllows(policy, { action: r.action, region: cos.region, appId: cos.appid, bucket: cos.bucket, ...prefixed(r, 'cos:prefix') }),
  },
  {
    path: 'deploy/huawei/obs-policy.json',
    values: { bucket },
    session: () => plan(huawei, { TOKEN_BUCKET: bucket, TOKEN_REGION: 'cn-north-4', TOKEN_ACTIONS: ALL_ACTIONS }),
    allows: (policy, r) => obsPolicyAllows(policy, { action: r.action, bucket, ...prefixed(r, 'obs:prefix') }),
  },
  {
    path: 'deploy/huawei/trust-agency-obs-policy.json',
    values: { bucket },
    session: () =>
      plan(huawei, { TOKEN_BUCKET: bucket, TOKEN_REGION: 'cn-north-4', TOKEN_ACTIONS: ALL_ACTIONS, HUAWEI_AGENCY_URN: 'iam::0123456789abcdef0123456789abcdef:agency:stsgate-obs' }),
    allows: (policy, r) => obsPolicyAllows(policy, { action: r.action, bucket, ...prefixed(r, 'obs:prefix') }),
  },
];

describe.each(CEILINGS)('$path, the ceiling of the keys stsgate issues', (ceiling) => {
  const document = filled(ceiling.path, ceiling.values);
  const session = ceiling.session();
  const requests = grantedRequests(statementsOf(session.policy), session.scope.prefix);

  it('is in the policy grammar and version the session policy uses', () => {
    const version = (policy: string) => {
      const parsed = JSON.parse(policy) as { Version?: string; version?: string };
      return parsed.Version ?? parsed.version;
    };
    expect(version(document)).toBe(version(session.policy));
  });

  it('allows every request the session policy grants, with every action', () => {
    expect(requests.length).toBeGreaterThan(4);
    expect(requests.filter((r) => !ceiling.allows(session.policy, r)), 'the session policy itself').toEqual([]);
    expect(requests.filter((r) => !ceiling.allows(document, r)).map((r) => `${r.action} is granted by stsgate but not by ${ceiling.path}`)).toEqual([]);
  });

  it('allows nothing outside users/', () => {
    expect(requests.map(outside).filter((r) => ceiling.allows(document, r))).toEqual([]);
  });
});
