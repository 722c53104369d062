/**
 * Issue 7, the scope-escape property: for arbitrary claims and arbitrary request bodies, on each cloud, the function
 * either refuses with a 4xx and makes no STS (or IAM) call, or the keys it returns come with a session policy that
 * grants the user's own prefix, in the configured bucket, for the configured actions, and nothing more.
 *
 * What runs: the built bundles (`dist/<cloud>/index.js`, as `npm test` builds them before vitest), each started with
 * `coldStart` exactly as the platform loads it, fed the platform's own event shape, against the loopback identity
 * provider and the cloud's emulator, which records the policy of every call it accepts. Each cloud runs with two prefix
 * templates, `users/{sub}/` and `tenants/{tenant}/users/{sub}/` (Huawei on both issuing paths, so four instances).
 *
 * What is checked, for each generated case:
 * - never a 5xx; a 4xx leaves the emulator's request count unchanged; anything else is a 200;
 * - for a 200, the policy the emulator recorded for the returned keys is read with a policy evaluator written for the
 *   tests from the clouds' documented matching rules (test/helpers/{ram,cam,obs}-policy-evaluator.ts), never with the
 *   code that builds policies, and against a prefix this file renders from the claims itself:
 *   (a) the user may use every granted action on keys under the prefix the response names;
 *   (b) a battery of probes is denied: sibling and parent prefixes, another user's, the other template's shape,
 *       `..` paths (literal and resolved), wildcard and `%2F` keys, the same key in another bucket, actions outside
 *       the grant (delete, ACLs, bucket administration) and listings outside the prefix;
 *   (c) structurally, every Allow statement names only granted actions, and every resource, read as a pattern, is
 *       either `<bucket object resource>/<granted prefix>…` with a wildcard-free granted prefix (so nothing it matches
 *       can lie outside), or the bucket itself for the listing action only, with a prefix condition under the prefix.
 *
 * Fixed seed so a failure is reproducible; fast-check prints `{ seed, path }` and the shrunk counterexample. Override
 * with FC_SEED=<n> to explore other inputs.
 */
import { existsSync } from 'node:fs';
import { posix } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, fc3Event, startAliyunFixture, type AliyunFixture } from '../helpers/aliyun-fixture.js';
import { type BundleHandler, captureConsole, coldStart, type PlatformResponse } from '../helpers/bundle-harness.js';
import { camPolicyAllows } from '../helpers/cam-policy-evaluator.js';
import { apigEvent, startHuaweiFixture, type HuaweiFixture } from '../helpers/huawei-fixture.js';
import { obsPolicyAllows } from '../helpers/obs-policy-evaluator.js';
import { ramPolicyAllows } from '../helpers/ram-policy-evaluator.js';
import { functionUrlEvent, startTencentFixture, type TencentFixture } from '../helpers/tencent-fixture.js';
import { fields } from '../helpers/policy-matching.js';
import { aliyunStorage, huaweiStorage, tencentStorage } from '../helpers/storage-models.js';

const SEED = process.env.FC_SEED === undefined ? 0x5c09e : Number(process.env.FC_SEED);
const RUNS = { aliyun: 400, tencent: 400, huawei: 600 } as const;

const BUNDLES = {
  aliyun: new URL('../../dist/aliyun/index.js', import.meta.url),
  tencent: new URL('../../dist/tencent/index.js', import.meta.url),
  huawei: new URL('../../dist/huawei/index.js', import.meta.url),
};

// ---------------------------------------------------------------------------------------------------------------------
// Prefix templates, rendered here from the claims (never by lib/)
// ---------------------------------------------------------------------------------------------------------------------

type Claims = Record<string, unknown>;

/** A claim as text for building paths; a non-string claim (which the function must refuse) still renders. */
const text = (value: unknown): string => (typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined'));

interface Template {
  readonly source: string;
  readonly claims: readonly string[];
  render(claims: Claims): string;
}

const TEMPLATES: readonly Template[] = [
  { source: 'users/{sub}/', claims: ['sub'], render: (c) => `users/${text(c.sub)}/` },
  { source: 'tenants/{tenant}/users/{sub}/', claims: ['tenant', 'sub'], render: (c) => `tenants/${text(c.tenant)}/users/${text(c.sub)}/` },
];

/** docs/configuration.md, "Prefix templates": a claim value used in a path is `[A-Za-z0-9._@-]{1,128}` and not `.` or `..`. */
const DOCUMENTED_CLAIM_VALUE = /^[A-Za-z0-9._@-]{1,128}$/;
const WILDCARDS = /[*?]/;

// ---------------------------------------------------------------------------------------------------------------------
// The clouds, as documented (the TOKEN_ACTIONS tables of docs/deploy-<cloud>.md; /work/shared/reference/*.md)
// ---------------------------------------------------------------------------------------------------------------------

type AbstractAction = 'get' | 'put' | 'delete' | 'list';
const ABSTRACT_ACTIONS: readonly AbstractAction[] = ['get', 'put', 'delete', 'list'];

interface Probe {
  action: string;
  bucket: string;
  /** An object key (object actions) … */
  key?: string;
  /** … or the listing's prefix condition value (bucket actions; undefined: the request carries none). */
  prefix?: string;
}

type Classified = { kind: 'object'; rest: string } | { kind: 'bucket' } | { kind: 'unknown' };

interface PolicyGrammar {
  versionKey: string;
  statementKey: string;
  effectKey: string;
  allow: string;
  deny: string;
  actionKey: string;
  resourceKey: string;
  conditionKey: string;
  knownStatementKeys: readonly string[];
  likeOperators: readonly string[];
  equalOperators: readonly string[];
  prefixConditionKey: string;
}

/** RAM (Aliyun) and OBS (Huawei) write the same AWS-style grammar; only the prefix condition key differs. */
const capitalisedGrammar = (prefixConditionKey: string): PolicyGrammar => ({
  versionKey: 'Version',
  statementKey: 'Statement',
  effectKey: 'Effect',
  allow: 'Allow',
  deny: 'Deny',
  actionKey: 'Action',
  resourceKey: 'Resource',
  conditionKey: 'Condition',
  knownStatementKeys: ['Sid', 'Effect', 'Action', 'Resource', 'Condition'],
  likeOperators: ['StringLike'],
  equalOperators: ['StringEquals'],
  prefixConditionKey,
});

interface CloudModel {
  readonly name: string;
  readonly bucket: string;
  readonly otherBucket: string;
  readonly version: string;
  readonly objectActions: Readonly<Record<Exclude<AbstractAction, 'list'>, readonly string[]>>;
  readonly listAction: string;
  /** Object actions no TOKEN_ACTIONS entry ever grants. */
  readonly foreignObjectActions: readonly string[];
  /** Bucket actions no TOKEN_ACTIONS entry ever grants. */
  readonly foreignBucketActions: readonly string[];
  /** Whether the evaluator reads resource names field by field, so a key with `:` cannot cross into the bucket field. */
  readonly fieldWiseResources: boolean;
  readonly actionsCaseInsensitive: boolean;
  readonly grammar: PolicyGrammar;
  allows(policy: string, probe: Probe): boolean;
  classify(resource: string): Classified;
}

function relativeResource(bucket: string, relative: string, wholeBucket: string): Classified {
  if (relative === wholeBucket) return { kind: 'bucket' };
  if (relative.startsWith(`${bucket}/`)) return { kind: 'object', rest: relative.slice(bucket.length + 1) };
  return { kind: 'unknown' };
}

const ALIYUN_REGION = 'cn-hangzhou';
const aliyunModel = (bucket: string): CloudModel => ({
  name: 'aliyun',
  bucket,
  otherBucket: 'other-bucket',
  version: '1',
  // The documented action names, shared with the access-rules tests.
  objectActions: aliyunStorage(bucket).objectActions,
  listAction: aliyunStorage(bucket).listAction,
  foreignObjectActions: ['oss:PutObjectAcl', 'oss:GetObjectAcl', 'oss:PutObjectTagging', 'oss:RestoreObject', 'oss:PutSymlink'],
  foreignBucketActions: ['oss:DeleteBucket', 'oss:PutBucketAcl', 'oss:GetBucketAcl', 'oss:PutBucketPolicy', 'oss:PutBucketCors', 'oss:ListBuckets', 'oss:ListMultipartUploads'],
  fieldWiseResources: true,
  actionsCaseInsensitive: false,
  grammar: capitalisedGrammar('oss:Prefix'),
  allows: (policy, p) =>
    ramPolicyAllows(policy, { action: p.action, bucket: p.bucket, ...(p.key === undefined ? {} : { key: p.key }), ...(p.prefix === undefined ? {} : { context: { 'oss:Prefix': p.prefix } }) }),
  classify(resource) {
    const f = fields(resource, 4);
    if (!f) return { kind: 'unknown' };
    const [acs, service, region, account, relative] = f as [string, string, string, string, string];
    if (acs !== 'acs' || service !== 'oss' || (region !== '*' && region !== ALIYUN_REGION) || !(account === '*' || /^\d+$/.test(account))) return { kind: 'unknown' };
    return relativeResource(bucket, relative, bucket);
  },
});

const TENCENT_REGION = 'ap-guangzhou';
const TENCENT_APPID = '1250000000';
const tencentModel = (bucket: string): CloudModel => ({
  name: 'tencent',
  bucket,
  otherBucket: `other-${TENCENT_APPID}`,
  version: '2.0',
  objectActions: tencentStorage(bucket).objectActions,
  listAction: tencentStorage(bucket).listAction,
  foreignObjectActions: ['name/cos:PutObjectACL', 'name/cos:GetObjectACL', 'name/cos:PutObjectTagging', 'name/cos:PostObjectRestore', 'name/cos:DeleteMultipleObjects'],
  foreignBucketActions: ['name/cos:DeleteBucket', 'name/cos:PutBucketACL', 'name/cos:GetBucketACL', 'name/cos:PutBucketPolicy', 'name/cos:PutBucketCORS', 'name/cos:GetService', 'name/cos:HeadBucket'],
  fieldWiseResources: true,
  actionsCaseInsensitive: false,
  grammar: {
    versionKey: 'version',
    statementKey: 'statement',
    effectKey: 'effect',
    allow: 'allow',
    deny: 'deny',
    actionKey: 'action',
    resourceKey: 'resource',
    conditionKey: 'condition',
    knownStatementKeys: ['sid', 'effect', 'action', 'resource', 'condition'],
    likeOperators: ['string_like'],
    equalOperators: ['string_equal'],
    prefixConditionKey: 'cos:prefix',
  },
  allows: (policy, p) =>
    camPolicyAllows(policy, {
      action: p.action,
      region: TENCENT_REGION,
      appId: TENCENT_APPID,
      bucket: p.bucket,
      ...(p.key === undefined ? {} : { key: p.key }),
      ...(p.prefix === undefined ? {} : { context: { 'cos:prefix': p.prefix } }),
    }),
  classify(resource) {
    const f = fields(resource, 5);
    if (!f) return { kind: 'unknown' };
    const [qcs, project, service, region, account, relative] = f as [string, string, string, string, string, string];
    if (qcs !== 'qcs' || project !== '' || service !== 'cos' || (region !== '*' && region !== TENCENT_REGION) || (account !== '*' && account !== `uid/${TENCENT_APPID}`)) {
      return { kind: 'unknown' };
    }
    // Bucket operations are written `<bucket>/*` in CAM (reference §5.2).
    return relativeResource(bucket, relative, `${bucket}/*`);
  },
});

const huaweiModel = (bucket: string, version: '1.1' | '5.0'): CloudModel => ({
  name: `huawei ${version}`,
  bucket,
  otherBucket: 'other-bucket',
  version,
  objectActions: huaweiStorage(bucket, version).objectActions,
  listAction: huaweiStorage(bucket, version).listAction,
  foreignObjectActions: ['obs:object:PutObjectAcl', 'obs:object:GetObjectAcl', 'obs:object:DeleteObjectVersion', 'obs:object:GetObjectVersion', 'obs:object:RestoreObject', 'obs:object:ModifyObjectMetaData'],
  foreignBucketActions: ['obs:bucket:DeleteBucket', 'obs:bucket:PutBucketPolicy', 'obs:bucket:PutBucketAcl', 'obs:bucket:ListBucketVersions', 'obs:bucket:ListBucketMultipartUploads', 'obs:bucket:ListAllMyBuckets', 'obs:bucket:HeadBucket'],
  // The existing OBS evaluator matches resource names as whole strings (see the colon probe below).
  fieldWiseResources: false,
  // Version 5.0 actions are documented case-insensitive ("不区分大小写"), and stsgate writes them lower-camel.
  actionsCaseInsensitive: version === '5.0',
  grammar: capitalisedGrammar('obs:prefix'),
  allows: (policy, p) =>
    obsPolicyAllows(policy, { action: p.action, bucket: p.bucket, ...(p.key === undefined ? {} : { key: p.key }), ...(p.prefix === undefined ? {} : { context: { 'obs:prefix': p.prefix } }) }),
  classify(resource) {
    const f = fields(resource, 4);
    if (!f) return { kind: 'unknown' };
    const [service, region, domain, type, path] = f as [string, string, string, string, string];
    // OBS is global: region `*`, domain `*` recommended (reference §5.1).
    if (service !== 'obs' || region !== '*' || !(domain === '*' || /^[0-9a-f]+$/.test(domain))) return { kind: 'unknown' };
    if (type === 'bucket') return path === bucket ? { kind: 'bucket' } : { kind: 'unknown' };
    if (type === 'object' && path.startsWith(`${bucket}/`)) return { kind: 'object', rest: path.slice(bucket.length + 1) };
    return { kind: 'unknown' };
  },
});

// ---------------------------------------------------------------------------------------------------------------------
// (c) The structural check
// ---------------------------------------------------------------------------------------------------------------------

const asList = (value: unknown): unknown[] | undefined => (typeof value === 'string' ? [value] : Array.isArray(value) ? value : undefined);

/** What is wrong with the policy's shape for this grant; empty when every Allow stays inside it. */
function structuralProblems(model: CloudModel, policyText: string, granted: string, effective: string, actions: readonly AbstractAction[]): string[] {
  const g = model.grammar;
  const problems: string[] = [];
  let policy: Record<string, unknown>;
  try {
    policy = JSON.parse(policyText) as Record<string, unknown>;
  } catch {
    return ['the policy is not JSON'];
  }
  const top = Object.keys(policy).filter((k) => k !== g.versionKey && k !== g.statementKey);
  if (top.length > 0) problems.push(`unknown top-level elements ${top.join(', ')}`);
  if (policy[g.versionKey] !== model.version) problems.push(`version ${JSON.stringify(policy[g.versionKey])}, expected ${model.version}`);
  const statements = policy[g.statementKey];
  if (!Array.isArray(statements)) return [...problems, 'no statement list'];
  if (WILDCARDS.test(granted) || WILDCARDS.test(effective)) problems.push(`the prefix itself holds a wildcard: ${JSON.stringify(effective)}`);

  const same = (a: string, b: string) => (model.actionsCaseInsensitive ? a.toLowerCase() === b.toLowerCase() : a === b);
  const objectGranted = actions.flatMap((a) => (a === 'list' ? [] : model.objectActions[a]));
  const permitted = [...objectGranted, ...(actions.includes('list') ? [model.listAction] : [])];

  statements.forEach((raw: unknown, i) => {
    const at = `statement ${i}`;
    if (typeof raw !== 'object' || raw === null) return void problems.push(`${at} is not an object`);
    const s = raw as Record<string, unknown>;
    const unknown = Object.keys(s).filter((k) => !g.knownStatementKeys.includes(k));
    if (unknown.length > 0) problems.push(`${at}: unknown elements ${unknown.join(', ')} (NotAction/NotResource widen a grant)`);
    if (s[g.effectKey] === g.deny) return; // a Deny only ever narrows
    if (s[g.effectKey] !== g.allow) return void problems.push(`${at}: effect ${JSON.stringify(s[g.effectKey])}`);

    const stmtActions = asList(s[g.actionKey]);
    if (!stmtActions || stmtActions.length === 0) problems.push(`${at}: no actions`);
    for (const action of stmtActions ?? []) {
      if (typeof action !== 'string') problems.push(`${at}: action ${JSON.stringify(action)}`);
      else if (WILDCARDS.test(action)) problems.push(`${at}: wildcard action ${action}`);
      else if (!permitted.some((p) => same(p, action))) problems.push(`${at}: action ${action} is beyond the granted actions [${actions.join(',')}]`);
    }

    const resources = asList(s[g.resourceKey]);
    if (!resources || resources.length === 0) return void problems.push(`${at}: an Allow without resources applies to every resource`);
    const conditions = (s[g.conditionKey] ?? {}) as Record<string, Record<string, unknown>>;
    for (const resource of resources) {
      if (typeof resource !== 'string') {
        problems.push(`${at}: resource ${JSON.stringify(resource)}`);
        continue;
      }
      const c = model.classify(resource);
      if (c.kind === 'unknown') {
        problems.push(`${at}: resource ${resource} is neither the bucket nor an object in ${model.bucket}`);
      } else if (c.kind === 'object') {
        if (!c.rest.startsWith(granted)) problems.push(`${at}: resource ${resource} is not under the granted prefix ${granted}`);
        else if (!c.rest.startsWith(effective)) problems.push(`${at}: resource ${resource} is wider than the requested prefix ${effective}`);
      } else {
        // The whole bucket: only the listing action, and only with a prefix condition under the prefix.
        for (const action of stmtActions ?? []) {
          if (typeof action === 'string' && !same(action, model.listAction)) problems.push(`${at}: ${action} on the whole bucket ${resource}`);
        }
        const prefixConditions = Object.entries(conditions).flatMap(([operator, keys]) =>
          Object.entries(keys ?? {})
            .filter(([key]) => key.toLowerCase() === g.prefixConditionKey.toLowerCase())
            .map(([, values]) => ({ operator, values: asList(values) ?? [] })),
        );
        if (prefixConditions.length === 0) problems.push(`${at}: the whole bucket ${resource} without a ${g.prefixConditionKey} condition`);
        for (const { operator, values } of prefixConditions) {
          if (!g.likeOperators.includes(operator) && !g.equalOperators.includes(operator)) problems.push(`${at}: operator ${operator} on ${g.prefixConditionKey}`);
          if (values.length === 0) problems.push(`${at}: an empty ${g.prefixConditionKey} condition`);
          for (const value of values) {
            if (typeof value !== 'string' || !value.startsWith(effective)) problems.push(`${at}: ${g.prefixConditionKey} ${JSON.stringify(value)} is not under ${effective}`);
          }
        }
      }
    }
  });
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------------
// (a) and (b): probes
// ---------------------------------------------------------------------------------------------------------------------

const parentOf = (prefix: string) => prefix.slice(0, prefix.slice(0, -1).lastIndexOf('/') + 1);

/** Object keys that lie outside the effective prefix `e` (as strings: object keys are flat), for any template. */
function outsideKeys(granted: string, e: string, claims: Claims, template: Template): string[] {
  const sub = text(claims.sub);
  const other = sub === 'someone-else' ? 'someone-else-2' : 'someone-else';
  const stem = granted.slice(0, -1); // users/alice
  const parent = parentOf(granted); // users/
  const keys = [
    `${stem}x/k`, // a sibling whose name extends the user's
    `${stem}`,
    `${stem}x`,
    `${stem}*`,
    `${stem}?k`,
    `${stem}%2Fk`,
    `${stem}%2F..%2F${other}%2Fk`,
    `${stem}\\k`,
    `${parent}k`,
    parent,
    `${parent}${other}/k`,
    `${parent}*/k`,
    `${parent}?/k`,
    'k',
    '*',
    `/${e}k`,
    `./${e}k`,
    `../${e}k`,
    `${parent}../${e}k`,
    `${e.toUpperCase()}k`,
    `${e.normalize('NFD')}k`,
    // `..` resolved, as a browser or an SDK would before the request reaches the store.
    posix.normalize(`${e}../k`),
    posix.normalize(`${e}../../k`),
    posix.normalize(`${granted}../${other}/k`),
    // The other template's shape for the same subject, and other tenants.
    template.claims.includes('tenant')
      ? [`users/${sub}/k`, `tenants/${text(claims.tenant)}x/users/${sub}/k`, `tenants/${other}/users/${sub}/k`, `tenants/${text(claims.tenant)}/users/${other}/k`, `tenants/${text(claims.tenant)}/k`]
      : [`tenants/t/users/${sub}/k`, `${other}/users/${sub}/k`],
    // Narrowed: the rest of the granted prefix is outside.
    e === granted ? [] : [`${granted}k-outside`, `${granted}other-folder/k`, `${parentOf(e)}k`],
  ].flat();
  // A probe that happens to fall inside (say an upper-cased all-digit prefix) is not a probe.
  return [...new Set(keys)].filter((k) => !k.startsWith(e));
}

function listingPrefixesOutside(granted: string, e: string): (string | undefined)[] {
  const stem = granted.slice(0, -1);
  const parent = parentOf(granted);
  const prefixes = [undefined, '', parent, stem, `${stem}x/`, `${parent}someone-else/`, `${parent}*`, '*', posix.normalize(`${e}../`), e.slice(0, -1), e === granted ? undefined : granted, e.toUpperCase()];
  return [...new Set(prefixes)].filter((p) => p === undefined || !p.startsWith(e));
}

function probeProblems(model: CloudModel, policy: string, granted: string, e: string, actions: readonly AbstractAction[], claims: Claims, template: Template): string[] {
  const problems: string[] = [];
  const allows = (probe: Probe) => model.allows(policy, probe);
  const show = (p: Probe) => `${p.action} ${p.bucket}${p.key === undefined ? '' : `/${JSON.stringify(p.key)}`}${p.prefix === undefined ? '' : ` prefix=${JSON.stringify(p.prefix)}`}`;
  const expectAllowed = (p: Probe) => void (allows(p) || problems.push(`(a) denied, should be allowed: ${show(p)}`));
  const expectDenied = (p: Probe) => void (allows(p) && problems.push(`(b) allowed, should be denied: ${show(p)}`));

  const bucket = model.bucket;
  const grantedObject = actions.flatMap((a) => (a === 'list' ? [] : model.objectActions[a]));
  const allObject = [...new Set([...ABSTRACT_ACTIONS.flatMap((a) => (a === 'list' ? [] : model.objectActions[a])), ...model.foreignObjectActions])];
  const notGrantedObject = allObject.filter((a) => !grantedObject.includes(a));

  // (a) the user's own folder, for exactly the granted actions
  for (const key of [`${e}probe.txt`, `${e}deep/er/file.bin`, `${e}é 文件 (1).txt`]) {
    for (const action of grantedObject) expectAllowed({ action, bucket, key });
    for (const action of notGrantedObject) expectDenied({ action, bucket, key });
    for (const action of allObject) expectDenied({ action, bucket: model.otherBucket, key });
  }
  if (actions.includes('list')) {
    expectAllowed({ action: model.listAction, bucket, prefix: e });
    expectAllowed({ action: model.listAction, bucket, prefix: `${e}deep/` });
  } else {
    expectDenied({ action: model.listAction, bucket, prefix: e });
  }
  expectDenied({ action: model.listAction, bucket: model.otherBucket, prefix: e });

  // (b) everything outside the folder, for every object action there is
  for (const key of outsideKeys(granted, e, claims, template)) {
    for (const action of allObject) expectDenied({ action, bucket, key });
  }
  if (model.fieldWiseResources) {
    // A key with `:` in another bucket must not read as this bucket's resource.
    for (const action of grantedObject) expectDenied({ action, bucket: model.otherBucket, key: `x:${bucket}/${e}k` });
  }
  for (const prefix of listingPrefixesOutside(granted, e)) {
    expectDenied({ action: model.listAction, bucket, ...(prefix === undefined ? {} : { prefix }) });
  }
  for (const action of model.foreignBucketActions) {
    for (const prefix of [undefined, '', e]) expectDenied({ action, bucket, ...(prefix === undefined ? {} : { prefix }) });
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------------------------------

/** Every character docs/configuration.md allows in a claim value; `SAFE` leaves out those OBS resources cannot hold. */
const PLAIN = fc.stringMatching(/^[A-Za-z0-9._@-]{1,16}$/);
const SAFE = fc.stringMatching(/^[A-Za-z0-9_-]{1,16}$/);
const NASTY = ['*', '?', '/', '%2F', '%2f', '%', '..', '.', '', ' ', '\t', '\n', '\u0000', '\\', '$', '{sub}', '${sub}', '@', '=', '+', ':', '#', '~', 'é', 'e\u0301', '用户', '😀', '\u202e', '\ufeff', '\ud800', 'İ', 'ſ', '\u00a0'];

/** Lower case only: Huawei refuses upper-case claim values (its IAM may match resources without regard to case). */
const LOWER = fc.stringMatching(/^[a-z0-9_-]{1,16}$/);

const claimValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 24, arbitrary: LOWER },
  { weight: 24, arbitrary: SAFE },
  { weight: 6, arbitrary: PLAIN },
  { weight: 4, arbitrary: fc.array(fc.oneof(fc.constantFrom(...NASTY), PLAIN), { minLength: 1, maxLength: 5 }).map((p) => p.join('')) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
  { weight: 2, arbitrary: fc.constantFrom('', '*', '?', '/', '%2F', '../x', 'a/../../b', 'alice/', '/alice', 'alice*', 'al?ce', ' alice', 'alice ', 'users', 'tenants', 'someone-else') },
  // docs/configuration.md's own examples of claims that would widen a grant, kept frequent so every run meets them.
  { weight: 3, arbitrary: fc.constantFrom('*', '?', '/', '..', '.', 'a*', '*a', 'a?b', 'a/b', '../a', '%2F') },
  // One character the rule forbids, at the start, inside or at the end of an otherwise plain value.
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.stringMatching(/^[A-Za-z0-9_-]{0,6}$/), fc.constantFrom('/', '*', '?', '%', '%2F', ' ', '\\', '$', '{', '}', ':', '#', '+', '=', '\u0000', '\n', 'é', '\ud800', '😀'), fc.stringMatching(/^[A-Za-z0-9_-]{0,6}$/))
      .map(([before, bad, after]) => `${before}${bad}${after}`),
  },
  // `.` and `..` fit the character rule; only the explicit exclusion refuses them.
  { weight: 2, arbitrary: fc.constantFrom('.', '..', '...', '.hidden', 'a..b', '..a') },
  // Around the documented 128-character limit, and long enough to push the JWT past 8 KiB.
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 140 }).map((n) => 'a'.repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 2000, max: 9000 }).map((n) => 'v'.repeat(n)) },
);
const notAString = fc.oneof(fc.constant(undefined), fc.constant(null), fc.integer(), fc.boolean(), fc.array(PLAIN, { maxLength: 2 }), fc.dictionary(PLAIN, PLAIN, { maxKeys: 1 }));

const claimsArb = fc.record({
  sub: fc.oneof({ weight: 16, arbitrary: claimValue }, { weight: 1, arbitrary: notAString }),
  tenant: fc.oneof({ weight: 16, arbitrary: claimValue }, { weight: 1, arbitrary: notAString }),
  // Claims that try to smuggle scope in; nothing may read them.
  noise: fc.dictionary(fc.constantFrom('prefix', 'bucket', 'actions', 'scope', 'region', 'path', 'tenant_id', 'user', '{sub}'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }),
});
type ClaimsSpec = typeof claimsArb extends fc.Arbitrary<infer T> ? T : never;

const buildClaims = (spec: ClaimsSpec): Claims => ({
  ...spec.noise,
  ...(spec.sub === undefined ? {} : { sub: spec.sub }),
  ...(spec.tenant === undefined ? {} : { tenant: spec.tenant }),
});

/** Loose pieces glued after a prefix: they need not make a folder. */
const SUFFIX_PIECES = ['photos/', 'a/', '2024/', 'deep/er/', '../', '..', './', '.', '*', '?', '%2F', '%2f', '/', '//', 'é/', '用户/', ' /', '\\', '${sub}/', '{sub}/', '=', '+', '@', 'x', '-', '_', '\u0000', '~', ':', '%', '😀/', '\u202e/'];
const looseSuffixArb = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...SUFFIX_PIECES) },
    { weight: 3, arbitrary: PLAIN.map((s) => `${s}/`) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
  ),
  { maxLength: 5 },
);
/** Folder segments, each ending in `/`: clean ones, and hostile ones that only the character rules can refuse. */
const cleanSegment = fc.oneof(
  { weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,10}$/).map((s) => `${s}/`) },
  // docs/configuration.md allows `.`, `@`, `=` and `+` too: `+` and `=` must survive Tencent's URL-encoded Policy parameter.
  { weight: 1, arbitrary: fc.tuple(fc.stringMatching(/^[A-Za-z0-9_-]{0,4}$/), fc.constantFrom('.', '@', '=', '+', '.x', '+=', '@a.b'), fc.stringMatching(/^[A-Za-z0-9_-]{0,4}$/)).map((p) => `${p.join('')}/`) },
);
const HOSTILE_BITS = ['*', '?', '%2F', '%2f', '%', '..', '.', 'é', 'e\u0301', '用户', '😀', ' ', '\\', '$', '${sub}', '{sub}', ':', '~', '#', '\u0000', '\u202e', '\ufeff', '\n', '=', '+', '@'];
const hostileSegment = fc
  .array(fc.oneof({ weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,6}$/) }, { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_BITS) }), { minLength: 1, maxLength: 3 })
  .map((parts) => `${parts.join('')}/`);
const cleanSuffixArb = fc.array(cleanSegment, { minLength: 1, maxLength: 3 });
/** One segment that would widen the grant if it got through (a wildcard, `..`, `.`, an empty segment), among clean ones. */
const wideningSuffixArb = fc
  .tuple(fc.array(cleanSegment, { maxLength: 2 }), fc.constantFrom('*/', '?/', 'a*/', '*a/', 'a?b/', '**/', '*/*/', '../', '../../', './', '/', '..*/'), fc.array(cleanSegment, { maxLength: 2 }))
  .map(([before, widening, after]) => [...before, widening, ...after]);
const hostileSuffixArb = fc
  .tuple(fc.array(cleanSegment, { maxLength: 2 }), hostileSegment, fc.array(fc.oneof(cleanSegment, hostileSegment), { maxLength: 2 }))
  .map(([before, hostile, after]) => [...before, hostile, ...after]);

/** Near misses of the granted prefix, all shaped like folders (ending in `/`) so that only the scope rules refuse them. */
const VARIANTS = [
  'parent',
  'sibling',
  'other-user',
  'root',
  'upper',
  'leading-slash',
  'dot-slash',
  'encoded',
  'double-slash',
  'star',
  'star-inside',
  'question',
  'stem-question',
  'stem-star',
  'dotdot',
  'dotdot-other',
  'dot',
  'encoded-dotdot',
  'backslash-dotdot',
  'percent-slash',
  'unicode',
  'space',
  'variable',
  'nfd',
] as const;
type Variant = (typeof VARIANTS)[number];
type PrefixSpec = { kind: 'granted'; suffix: string[] } | { kind: 'variant'; variant: Variant; suffix: string[] } | { kind: 'raw'; value: string };

const prefixArb: fc.Arbitrary<PrefixSpec> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('granted' as const), suffix: cleanSuffixArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('granted' as const), suffix: wideningSuffixArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('granted' as const), suffix: hostileSuffixArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('granted' as const), suffix: looseSuffixArb }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('variant' as const),
      variant: fc.constantFrom(...VARIANTS),
      suffix: fc.oneof({ weight: 3, arbitrary: fc.constant<string[]>([]) }, { weight: 2, arbitrary: cleanSuffixArb }, { weight: 1, arbitrary: looseSuffixArb }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('raw' as const), value: fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.constantFrom('users/', '/', '*', 'users/*', 'tenants/', '')) }) },
);

function renderPrefix(spec: PrefixSpec, granted: string): string {
  if (spec.kind === 'raw') return spec.value;
  const suffix = spec.suffix.join('');
  if (spec.kind === 'granted') return granted + suffix;
  const stem = granted.slice(0, -1);
  const head: Record<Variant, string> = {
    parent: parentOf(granted),
    sibling: `${stem}x/`,
    'other-user': `${parentOf(granted)}someone-else/`,
    root: '/',
    upper: granted.toUpperCase(),
    'leading-slash': `/${granted}`,
    'dot-slash': `./${granted}`,
    encoded: `${stem.replaceAll('/', '%2F')}%2F/`,
    'double-slash': `${granted}/`,
    star: `${granted}*/`,
    'star-inside': `${granted}a*b/`,
    question: `${granted}?/`,
    'stem-question': `${stem}?/`,
    'stem-star': `${stem}*/`,
    dotdot: `${granted}../`,
    'dotdot-other': `${granted}../someone-else/`,
    dot: `${granted}./`,
    'encoded-dotdot': `${granted}..%2F/`,
    'backslash-dotdot': `${granted}..\\/`,
    'percent-slash': `${granted}%2F/`,
    unicode: `${granted}é/`,
    space: `${granted} /`,
    variable: `${granted}\${sub}/`,
    nfd: granted.normalize('NFD'),
  };
  return head[spec.variant] + suffix;
}

/** Each field of a structured body: often absent, mostly well-formed, sometimes hostile. */
const absent = fc.constant(undefined);
const actionsArb = fc.oneof(
  { weight: 4, arbitrary: absent },
  { weight: 5, arbitrary: fc.subarray(['get', 'put', 'list'], { minLength: 1 }) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.array(fc.constantFrom('get', 'put', 'list', 'delete', 'GET', 'Put', '*', 'all', 'read', 'write', '', ' get', 'oss:PutObject', 'name/cos:PutObject', 'obs:object:PutObject'), { maxLength: 6 }),
      fc.jsonValue({ maxDepth: 2 }),
    ),
  },
);
const durationArb = fc.oneof(
  { weight: 4, arbitrary: absent },
  { weight: 4, arbitrary: fc.integer({ min: 900, max: 1800 }) },
  { weight: 1, arbitrary: fc.oneof(fc.constantFrom(899, 1801, 0, -900, 3600, 43200, 86400, 900.5, 1e21, -0), fc.integer(), fc.jsonValue({ maxDepth: 1 })) },
);
const extraFieldArb = fc.oneof(
  { weight: 8, arbitrary: absent },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('bucket', 'region', 'Prefix', 'resource', '__proto__', 'policy', 'constructor'), fc.jsonValue({ maxDepth: 1 })) },
);

type BodySpec =
  | { kind: 'none'; text: '' | ' ' | '\n' }
  | { kind: 'raw'; text: string }
  | { kind: 'json'; value: unknown }
  | { kind: 'scope'; actions: unknown; prefix: PrefixSpec | undefined; durationSeconds: unknown; extra: [string, unknown] | undefined };

const bodyArb: fc.Arbitrary<BodySpec> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('none' as const), text: fc.constantFrom('' as const, ' ' as const, '\n' as const) }) },
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant('scope' as const),
      actions: actionsArb,
      prefix: fc.oneof({ weight: 1, arbitrary: absent }, { weight: 3, arbitrary: prefixArb }),
      durationSeconds: durationArb,
      extra: extraFieldArb,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('json' as const), value: fc.jsonValue() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('raw' as const),
      text: fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom('{"prefix":', 'null', '[]', '{"actions":["get"],"actions":["get","put","list","delete"]}', `{"prefix":"${'a'.repeat(17_000)}"}`, ' '.repeat(17_000))),
    }),
  },
);

function renderBody(spec: BodySpec, granted: string): string {
  switch (spec.kind) {
    case 'none':
    case 'raw':
      return spec.text;
    case 'json':
      return JSON.stringify(spec.value);
    case 'scope': {
      // Built as text so that a `__proto__` key really is sent as a field.
      const fields: string[] = [];
      if (spec.actions !== undefined) fields.push(`"actions":${JSON.stringify(spec.actions)}`);
      if (spec.prefix !== undefined) fields.push(`"prefix":${JSON.stringify(renderPrefix(spec.prefix, granted))}`);
      if (spec.durationSeconds !== undefined) fields.push(`"durationSeconds":${JSON.stringify(spec.durationSeconds)}`);
      if (spec.extra !== undefined) fields.push(`${JSON.stringify(spec.extra[0])}:${JSON.stringify(spec.extra[1])}`);
      return `{${fields.join(',')}}`;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// The property
// ---------------------------------------------------------------------------------------------------------------------

interface Recorded {
  policy: string | undefined;
  durationSeconds: number;
}

interface Target {
  readonly label: string;
  readonly model: CloudModel;
  readonly template: Template;
  invoke(token: string, body: string): Promise<PlatformResponse>;
  /** Every request the cloud's emulators received (accepted or not). */
  requests(): number;
  /** The call that issued these keys, by the access key id the response carries. */
  recorded(accessKeyId: string): Recorded | undefined;
}

interface Stats {
  runs: number;
  issued: number;
  narrowed: number;
  refused: Record<string, number>;
  perTarget: Record<string, number>;
  /** Characters beyond `[A-Za-z0-9/_-]` seen in issued prefixes: the interesting ones did reach a policy. */
  special: Record<string, number>;
}

/** README: a requested duration is rounded up to 900, 1800, 3600, 7200, 14400 or 43200 seconds, at most the grant's. */
const documentedDuration = (asked: number, max: number) => Math.min([900, 1800, 3600, 7200, 14400, 43200].find((step) => step >= asked) ?? max, max);

const newStats = (): Stats => ({ runs: 0, issued: 0, narrowed: 0, refused: {}, perTarget: {}, special: {} });
const clip = (text: string, n = 300) => (text.length > n ? `${text.slice(0, n)}… (${text.length} chars)` : text);

async function checkCase(target: Target, configured: readonly AbstractAction[], maxDuration: number, claims: Claims, token: string, body: string, stats: Stats): Promise<void> {
  const granted = target.template.render(claims);
  const before = target.requests();
  const res = await target.invoke(token, body);
  const after = target.requests();
  const where = `${target.label}\n  claims ${clip(JSON.stringify(claims))}\n  body ${clip(JSON.stringify(body))}\n  → ${res.statusCode} ${clip(res.body)}`;
  stats.runs += 1;

  expect(res.statusCode, `a 5xx: ${where}`).toBeLessThan(500);
  if (res.statusCode >= 400) {
    expect(after, `a ${res.statusCode} after a call to STS: ${where}`).toBe(before);
    const why = `${res.statusCode} ${(JSON.parse(res.body) as { error_description?: string }).error_description?.slice(0, 40) ?? ''}`;
    stats.refused[why] = (stats.refused[why] ?? 0) + 1;
    return;
  }
  expect(res.statusCode, where).toBe(200);
  stats.issued += 1;
  stats.perTarget[target.label] = (stats.perTarget[target.label] ?? 0) + 1;

  // The documented contract, checked from the inputs: which claims and bodies may be issued at all.
  for (const name of target.template.claims) {
    const value = claims[name];
    expect(typeof value === 'string' && DOCUMENTED_CLAIM_VALUE.test(value) && value !== '.' && value !== '..', `claim ${name} is not one plain path segment, yet keys were issued: ${where}`).toBe(true);
  }
  const request: unknown = body.trim() === '' ? {} : JSON.parse(body);
  expect(typeof request === 'object' && request !== null && !Array.isArray(request), `a body that is not an object was accepted: ${where}`).toBe(true);
  const fieldsSent = Object.keys(request as object);
  expect(fieldsSent.every((k) => ['actions', 'prefix', 'durationSeconds'].includes(k)), `an unknown body field was accepted: ${where}`).toBe(true);
  const asked = request as { actions?: unknown; prefix?: unknown; durationSeconds?: unknown };
  const effective = typeof asked.prefix === 'string' ? asked.prefix : granted;
  if (effective !== granted) stats.narrowed += 1;
  for (const c of new Set(effective.replace(/[A-Za-z0-9/_-]/g, ''))) stats.special[c] = (stats.special[c] ?? 0) + 1;

  const json = JSON.parse(res.body) as { bucket?: unknown; prefix?: unknown; actions?: unknown; accessKeyId?: unknown };
  expect(json.bucket, where).toBe(target.model.bucket);
  expect(json.prefix, `the response names another prefix than the test expects: ${where}`).toBe(effective);
  expect(effective.startsWith(granted), `the prefix is not under the granted ${granted}: ${where}`).toBe(true);
  expect(effective.endsWith('/') && !WILDCARDS.test(effective), `the prefix is not a wildcard-free folder: ${where}`).toBe(true);
  expect(effective.slice(0, -1).split('/').every((s) => s !== '' && s !== '.' && s !== '..'), `the prefix has an empty, "." or ".." segment: ${where}`).toBe(true);

  const actions = json.actions as AbstractAction[];
  expect(Array.isArray(actions) && actions.length > 0 && actions.every((a) => configured.includes(a)), `actions beyond TOKEN_ACTIONS: ${where}`).toBe(true);
  if (asked.actions !== undefined) {
    expect([...actions].sort(), `the actions differ from the ones asked for: ${where}`).toEqual([...new Set(asked.actions as string[])].sort());
  } else {
    expect([...actions].sort(), where).toEqual([...configured].sort());
  }

  // docs/deploy-huawei.md, "Policy limits": a prefix that cannot be written as an OBS resource (`@`, `=`, `+`) is refused,
  // whatever the actions (a list-only grant puts the prefix in its condition, and is refused too).
  if (target.model.name.startsWith('huawei')) {
    expect(/[@=+]/.test(effective), `docs/deploy-huawei.md: no @ = + in an OBS resource: ${where}`).toBe(false);
  }

  expect(typeof json.accessKeyId, where).toBe('string');
  const call = target.recorded(json.accessKeyId as string);
  expect(call, `no recorded STS call issued ${String(json.accessKeyId)}: ${where}`).toBeDefined();
  expect(call?.policy, `keys issued without a session policy carry the role's whole permissions: ${where}`).toBeDefined();
  expect(call!.durationSeconds, where).toBeLessThanOrEqual(maxDuration);
  expect(call!.durationSeconds, where).toBeGreaterThanOrEqual(900);
  if (typeof asked.durationSeconds === 'number') expect(call!.durationSeconds, where).toBe(documentedDuration(asked.durationSeconds, maxDuration));
  const policy = call!.policy as string;

  const structure = structuralProblems(target.model, policy, granted, effective, actions);
  expect(structure, `(c) the policy is wider than the grant: ${where}\n  policy ${policy}`).toEqual([]);
  const probes = probeProblems(target.model, policy, granted, effective, actions, claims, target.template);
  expect(probes, `(a)/(b) the evaluator disagrees: ${where}\n  policy ${policy}`).toEqual([]);
}

function scopeEscapeProperty(targets: () => readonly Target[], configured: () => readonly AbstractAction[], maxDuration: () => number, mint: (claims: Claims) => Promise<string>, stats: Stats) {
  return fc.asyncProperty(fc.nat(), claimsArb, bodyArb, async (pick, claimsSpec, bodySpec) => {
    const all = targets();
    const target = all[pick % all.length] as Target;
    const claims = buildClaims(claimsSpec);
    const token = await mint(claims);
    const body = renderBody(bodySpec, target.template.render(claims));
    await checkCase(target, configured(), maxDuration(), claims, token, body, stats);
  });
}

function expectMeaningful(name: string, stats: Stats, targets: readonly Target[]) {
  console.info(
    `${name}: ${stats.runs} cases, ${stats.issued} issued (${stats.narrowed} with a narrowed prefix; ${Object.entries(stats.perTarget)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ')}; special characters in issued prefixes ${JSON.stringify(stats.special)}), refused ${JSON.stringify(stats.refused)}`,
  );
  // A property that only ever sees refusals proves nothing about issued policies.
  expect(stats.issued, `${name}: too few cases were issued keys`).toBeGreaterThanOrEqual(stats.runs * 0.1);
  expect(stats.narrowed, `${name}: no issued case narrowed the prefix`).toBeGreaterThan(0);
  for (const t of targets) expect(stats.perTarget[t.label] ?? 0, `${name}: ${t.label} was never issued keys`).toBeGreaterThanOrEqual(5);
}

// ---------------------------------------------------------------------------------------------------------------------
// The evaluators themselves, on the reference's worked examples: they can say no
// ---------------------------------------------------------------------------------------------------------------------

describe('the test evaluators read the documented examples as documented', () => {
  it('RAM: the OSS FAQ subdirectory policy (aliyun.md §6.3), Deny first, wildcards, ARN fields', () => {
    const faq = JSON.stringify({
      Version: '1',
      Statement: [
        { Action: 'oss:ListObjects', Effect: 'Allow', Resource: ['acs:oss:*:*:bucketName'], Condition: { StringLike: { 'oss:Prefix': ['bucketPath/*'] } } },
        { Action: ['oss:GetObject', 'oss:PutObject', 'oss:DeleteObject', 'oss:AbortMultipartUpload', 'oss:ListParts'], Effect: 'Allow', Resource: ['acs:oss:*:*:bucketName/bucketPath/*'] },
      ],
    });
    const allows = (action: string, bucket: string, key?: string, prefix?: string) =>
      ramPolicyAllows(faq, { action, bucket, ...(key === undefined ? {} : { key }), ...(prefix === undefined ? {} : { context: { 'oss:Prefix': prefix } }) });
    expect(allows('oss:PutObject', 'bucketName', 'bucketPath/a/b.txt')).toBe(true);
    expect(allows('oss:PutObject', 'bucketName', 'bucketPathX/b.txt')).toBe(false);
    expect(allows('oss:PutObject', 'otherBucket', 'bucketPath/b.txt')).toBe(false);
    expect(allows('oss:PutObject', 'otherBucket', 'x:bucketName/bucketPath/b.txt')).toBe(false);
    expect(allows('oss:PutObjectAcl', 'bucketName', 'bucketPath/b.txt')).toBe(false);
    expect(allows('oss:ListObjects', 'bucketName', undefined, 'bucketPath/')).toBe(true);
    expect(allows('oss:ListObjects', 'bucketName', undefined, 'other/')).toBe(false);
    expect(allows('oss:ListObjects', 'bucketName')).toBe(false);
    const withDeny = JSON.stringify({
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: 'oss:*', Resource: 'acs:oss:*:*:b/u?/*' },
        { Effect: 'Deny', Action: 'oss:DeleteObject', Resource: 'acs:oss:*:*:b/*' },
      ],
    });
    expect(ramPolicyAllows(withDeny, { action: 'oss:GetObject', bucket: 'b', key: 'u1/k' })).toBe(true);
    expect(ramPolicyAllows(withDeny, { action: 'oss:GetObject', bucket: 'b', key: 'u12/k' })).toBe(false);
    expect(ramPolicyAllows(withDeny, { action: 'oss:DeleteObject', bucket: 'b', key: 'u1/k' })).toBe(false);
    expect(() => ramPolicyAllows(JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', NotAction: 'oss:x', Resource: '*' }] }), { action: 'oss:GetObject', bucket: 'b', key: 'k' })).toThrow();
  });

  it('CAM: the upload/download example (tencent.md §5.3), case-sensitive actions, deny first, cos:prefix', () => {
    const base = 'qcs::cos:ap-beijing:uid/1250000000:examplebucket-1250000000';
    const example = JSON.stringify({
      version: '2.0',
      statement: [
        { action: ['name/cos:PutObject', 'name/cos:InitiateMultipartUpload'], effect: 'allow', resource: [`${base}/doc/*`] },
        { action: ['name/cos:GetObject'], effect: 'allow', resource: [`${base}/doc2/*`] },
        { action: ['name/cos:GetBucket'], effect: 'allow', resource: [`${base}/*`], condition: { string_like: { 'cos:prefix': 'doc/*' } } },
        { action: ['name/cos:PutObject'], effect: 'deny', resource: [`${base}/doc/secret/*`] },
      ],
    });
    const allows = (action: string, key?: string, prefix?: string, bucket = 'examplebucket-1250000000') =>
      camPolicyAllows(example, { action, region: 'ap-beijing', appId: '1250000000', bucket, ...(key === undefined ? {} : { key }), ...(prefix === undefined ? {} : { context: { 'cos:prefix': prefix } }) });
    expect(allows('name/cos:PutObject', 'doc/a.txt')).toBe(true);
    expect(allows('name/cos:putobject', 'doc/a.txt')).toBe(false);
    expect(allows('name/cos:GetObject', 'doc/a.txt')).toBe(false);
    expect(allows('name/cos:GetObject', 'doc2/a.txt')).toBe(true);
    expect(allows('name/cos:PutObject', 'doc/secret/a.txt')).toBe(false);
    expect(allows('name/cos:PutObject', 'doc/a.txt', undefined, 'other-1250000000')).toBe(false);
    expect(allows('name/cos:GetBucket', undefined, 'doc/')).toBe(true);
    expect(allows('name/cos:GetBucket', undefined, 'doc2/')).toBe(false);
    expect(allows('name/cos:GetBucket')).toBe(false);
  });
});

/** Generated subjects repeat (shrinking favours "a"): the per-subject limit on new keys would refuse the very cases under test. */
const NO_STS_LIMIT = { TOKEN_STS_RATE_LIMIT: 'off' };
const configuredActions = (env: Record<string, string>) => (env.TOKEN_ACTIONS ?? '').split(',') as AbstractAction[];

// ---------------------------------------------------------------------------------------------------------------------
// The three clouds
// ---------------------------------------------------------------------------------------------------------------------

let consoleLines: ReturnType<typeof captureConsole>;
beforeAll(() => {
  for (const bundle of Object.values(BUNDLES)) expect(existsSync(bundle.pathname), `${bundle.pathname} is missing: run npm run build`).toBe(true);
  // The bundles log every request with console; keep that out of the test output.
  consoleLines = captureConsole();
});
afterAll(() => consoleLines.restore());

describe('Aliyun (dist/aliyun/index.js, FC3 events): no claim or body escapes the granted prefix', () => {
  let fx: AliyunFixture;
  let targets: Target[] = [];
  const stats = newStats();

  beforeAll(async () => {
    fx = await startAliyunFixture();
    const model = aliyunModel(fx.env.TOKEN_BUCKET as string);
    targets = TEMPLATES.map((template) => {
      const handler: BundleHandler = coldStart(BUNDLES.aliyun, 'handler', { ...fx.env, ...NO_STS_LIMIT, TOKEN_PREFIX: template.source });
      return {
        label: `aliyun ${template.source}`,
        model,
        template,
        invoke: (token, body) => handler(fc3Event({ headers: bearer(token), body }), fx.context()),
        requests: () => fx.sts.requestCount(),
        recorded: (id) => {
          const call = fx.sts.calls.find((c) => c.issued.accessKeyId === id);
          return call && { policy: call.policy, durationSeconds: call.durationSeconds };
        },
      };
    });
  });
  afterAll(() => fx?.close());

  it(`holds for ${RUNS.aliyun} generated cases`, async () => {
    await fc.assert(
      scopeEscapeProperty(() => targets, () => configuredActions(fx.env), () => Number(fx.env.TOKEN_DURATION_SECONDS), (c) => fx.idp.mint(c), stats),
      { seed: SEED, numRuns: RUNS.aliyun },
    );
    expectMeaningful('aliyun', stats, targets);
  }, 120_000);
});

describe('Tencent (dist/tencent/index.js, Function URL events): no claim or body escapes the granted prefix', () => {
  let fx: TencentFixture;
  let targets: Target[] = [];
  const stats = newStats();
  const ROLE_VARIABLES = ['TENCENTCLOUD_SECRETID', 'TENCENTCLOUD_SECRETKEY', 'TENCENTCLOUD_SESSIONTOKEN'] as const;

  beforeAll(async () => {
    fx = await startTencentFixture();
    const model = tencentModel(fx.env.TOKEN_BUCKET as string);
    targets = TEMPLATES.map((template) => {
      const handler: BundleHandler = coldStart(BUNDLES.tencent, 'main_handler', { ...fx.env, ...NO_STS_LIMIT, TOKEN_PREFIX: template.source });
      return {
        label: `tencent ${template.source}`,
        model,
        template,
        invoke: (token, body) => handler(functionUrlEvent({ headers: bearer(token), body }), fx.context()),
        requests: () => fx.sts.requestCount(),
        recorded: (id) => {
          const call = fx.sts.calls.find((c) => c.issued.tmpSecretId === id);
          return call && { policy: call.policy, durationSeconds: call.durationSeconds };
        },
      };
    });
    // SCF hands the role's keys over in the environment on every invocation.
    for (const name of ROLE_VARIABLES) process.env[name] = fx.env[name];
  });
  afterAll(async () => {
    for (const name of ROLE_VARIABLES) delete process.env[name];
    await fx?.close();
  });

  it(`holds for ${RUNS.tencent} generated cases`, async () => {
    await fc.assert(
      scopeEscapeProperty(() => targets, () => configuredActions(fx.env), () => Number(fx.env.TOKEN_DURATION_SECONDS), (c) => fx.idp.mint(c), stats),
      { seed: SEED + 1, numRuns: RUNS.tencent },
    );
    expectMeaningful('tencent', stats, targets);
  }, 120_000);
});

describe('Huawei (dist/huawei/index.js, APIG events, IAM securitytokens and STS AssumeAgency): no claim or body escapes the granted prefix', () => {
  let fx: HuaweiFixture;
  let targets: Target[] = [];
  const stats = newStats();

  beforeAll(async () => {
    fx = await startHuaweiFixture();
    const bucket = fx.env.TOKEN_BUCKET as string;
    const requests = () => fx.iam.requestCount() + fx.sts.requestCount();
    const recorded = (id: string): Recorded | undefined => {
      const iam = fx.iam.calls.find((c) => c.issued.access === id);
      if (iam) return { policy: iam.policyText ?? (iam.policy === undefined ? undefined : JSON.stringify(iam.policy)), durationSeconds: iam.durationSeconds };
      const sts = fx.sts.calls.find((c) => c.issued.accessKeyId === id);
      return sts && { policy: sts.policy, durationSeconds: sts.durationSeconds };
    };
    targets = TEMPLATES.flatMap((template) =>
      (
        [
          ['securitytokens', fx.env, huaweiModel(bucket, '1.1')],
          ['AssumeAgency', fx.agencyEnv, huaweiModel(bucket, '5.0')],
        ] as const
      ).map(([path, env, model]) => {
        const handler: BundleHandler = coldStart(BUNDLES.huawei, 'handler', { ...env, ...NO_STS_LIMIT, TOKEN_PREFIX: template.source });
        return {
          label: `huawei ${path} ${template.source}`,
          model,
          template,
          invoke: (token: string, body: string) => handler(apigEvent({ headers: bearer(token), body }), fx.context()),
          requests,
          recorded,
        };
      }),
    );
  });
  afterAll(() => fx?.close());

  it(`holds for ${RUNS.huawei} generated cases, on both issuing paths`, async () => {
    await fc.assert(
      scopeEscapeProperty(() => targets, () => configuredActions(fx.env), () => Number(fx.env.TOKEN_DURATION_SECONDS), (c) => fx.idp.mint(c), stats),
      { seed: SEED + 2, numRuns: RUNS.huawei },
    );
    expectMeaningful('huawei', stats, targets);
  }, 120_000);
});
