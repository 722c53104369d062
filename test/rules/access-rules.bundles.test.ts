/**
 * Issue 15, end to end: the issue's examples on the three BUILT bundles (Huawei on both issuing paths), against the
 * STS emulators. For each token the policy STS received is read with the test evaluators (never with lib/) and
 * compared, request by request, with what the rules mean: own prefix read-write, `public/` read-only, `teams/<org>/`
 * only with `editors` in `groups`, one prefix per `groups[]` value, avatars only as small images (COS conditions;
 * OSS and OBS keys: no put at all); everything else denied, other users' and look-alike prefixes included.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLES, type Deployment, useDeployments } from '../helpers/rules-deployments.js';
import { ISSUE_EXAMPLE } from '../helpers/rules-examples.js';
import { type ExpectedGrant, expectedAllows, probes } from '../helpers/storage-models.js';

/** The issue's example, with placeholders as `{claim}`: the form that survives every deploy tool. */
const EXAMPLE = JSON.parse(JSON.stringify(ISSUE_EXAMPLE).replaceAll('${', '{')) as typeof ISSUE_EXAMPLE;
const GROUPS = {
  rules: [
    { name: 'own', prefix: 'users/${sub}/', actions: ['get', 'put', 'delete', 'list'] },
    { name: 'groups', prefix: 'groups/${groups[]}/', actions: ['get', 'list'] },
  ],
  maxClaimLength: 32,
};

const own = (sub: string): ExpectedGrant => ({ prefix: `users/${sub}/`, actions: ['get', 'put', 'delete', 'list'] });
const PUBLIC: ExpectedGrant = { prefix: 'public/', actions: ['get', 'list'] };
const team = (org: string): ExpectedGrant => ({ prefix: `teams/${org}/`, actions: ['get', 'put', 'list'] });
const avatars = (sub: string): ExpectedGrant => ({ prefix: `avatars/${sub}/`, actions: ['put'], maxSize: 2097152, contentTypes: ['image/png', 'image/jpeg'] });
const OTHERS = ['users/bob/', 'users/alic/', 'users/ALICE/', 'teams/acme2/', 'teams/acm/', 'teams/other/', 'avatars/bob/', 'groups/other/', 'groups/', 'users/', 'teams/', 'avatars/', 'public2/', 'publi/'];

const fixture = useDeployments();

/** Every probe around the grants must come out as the rules mean it; returns how many were allowed. */
function expectExactly(d: Deployment, policy: string | undefined, grants: readonly ExpectedGrant[]): number {
  expect(policy, `${d.label}: no policy was recorded`).toBeDefined();
  const wrong: string[] = [];
  let allowed = 0;
  for (const probe of probes(d.model, grants, OTHERS)) {
    const expected = expectedAllows(d.model, grants, probe);
    const actual = d.model.allows(policy as string, probe);
    if (actual) allowed += 1;
    if (actual !== expected) wrong.push(`${actual ? 'allowed' : 'denied'} ${JSON.stringify(probe)}`);
  }
  expect(wrong, `${d.label}: the policy and the rules disagree\n  policy ${policy}`).toEqual([]);
  return allowed;
}

describe('the issue example on every bundle', () => {
  let targets: Deployment[];
  beforeAll(() => {
    targets = fixture.deployments.start({ TOKEN_RULES: JSON.stringify(EXAMPLE) });
  });

  it('a user without groups: own folder read-write, public/ read-only, avatars as limited uploads (COS) or signed uploads (OSS, OBS)', async () => {
    for (const d of targets) {
      const res = await d.issue({ sub: 'alice' });
      expect(res.status, d.label).toBe(200);
      const limitsInPolicy = d.cloud === 'tencent';
      expect(res.json?.grants, d.label).toEqual([
        { rule: 'own', prefix: 'users/alice/', actions: ['get', 'put', 'delete', 'list'] },
        { rule: 'public', prefix: 'public/', actions: ['get', 'list'] },
        {
          rule: 'avatars',
          prefix: 'avatars/alice/',
          actions: limitsInPolicy ? ['put'] : [],
          maxSize: 2097152,
          contentTypes: ['image/png', 'image/jpeg'],
          ...(limitsInPolicy ? {} : { signedUploads: true }),
        },
      ]);
      // The first grant is the answer's prefix and actions, as a one-rule deployment's always were.
      expect([res.json?.prefix, res.json?.actions], d.label).toEqual(['users/alice/', ['get', 'put', 'delete', 'list']]);
      expect(expectExactly(d, res.policy, [own('alice'), PUBLIC, avatars('alice')]), d.label).toBeGreaterThan(10);
    }
  });

  it('an editor also gets teams/<org>/, and only that team', async () => {
    for (const d of targets) {
      const res = await d.issue({ sub: 'alice', org: 'acme', groups: ['viewers', 'editors'] });
      expect(res.status, d.label).toBe(200);
      expect((res.json?.grants as { rule: string }[]).map((g) => g.rule), d.label).toEqual(['own', 'public', 'team', 'avatars']);
      expectExactly(d, res.policy, [own('alice'), PUBLIC, team('acme'), avatars('alice')]);
    }
  });

  it('a non-editor with the same org gets no team folder', async () => {
    for (const d of targets) {
      const res = await d.issue({ sub: 'bob', org: 'acme', groups: ['viewers'] });
      expectExactly(d, res.policy, [own('bob'), PUBLIC, avatars('bob')]);
    }
  });

  it('narrowing picks rules, a prefix inside one of them, and actions across them', async () => {
    for (const d of targets) {
      const editor = { sub: 'alice', org: 'acme', groups: ['editors'] };
      const picked = await d.issue(editor, { rules: ['team', 'public'] });
      expect((picked.json?.grants as { rule: string }[]).map((g) => g.rule), d.label).toEqual(['public', 'team']);
      expectExactly(d, picked.policy, [PUBLIC, team('acme')]);
      const inside = await d.issue(editor, { prefix: 'teams/acme/docs/', actions: ['get'] });
      expectExactly(d, inside.policy, [{ prefix: 'teams/acme/docs/', actions: ['get'] }]);
      const reading = await d.issue(editor, { actions: ['get', 'list'] });
      expectExactly(d, reading.policy, [own('alice'), PUBLIC, team('acme')].map((g) => ({ ...g, actions: ['get', 'list'] as const })));
    }
  });

  it('asking for a rule that does not apply, a prefix outside every grant, or a limited put on OSS/OBS is 403 with no STS call', async () => {
    for (const d of targets) {
      for (const [claims, body] of [
        [{ sub: 'bob' }, { rules: ['team'] }],
        [{ sub: 'bob' }, { rules: ['no-such-rule'] }],
        [{ sub: 'bob' }, { prefix: 'teams/acme/' }],
        [{ sub: 'bob' }, { prefix: 'users/alice/' }],
        ...(d.cloud === 'tencent' ? [] : [[{ sub: 'bob' }, { rules: ['avatars'] }] as const, [{ sub: 'bob' }, { prefix: 'avatars/bob/', actions: ['put'] }] as const]),
      ] as const) {
        const res = await d.issue(claims, body);
        expect([res.status, res.json?.error, res.stsCalls], `${d.label} ${JSON.stringify(body)}`).toEqual([403, 'insufficient_scope', 0]);
      }
    }
  });

  it('keys for a limited put on COS: PutObject and PostObject within the limits, no multipart or append', async () => {
    const cos = targets.find((d) => d.cloud === 'tencent') as Deployment;
    const res = await cos.issue({ sub: 'carol' }, { rules: ['avatars'] });
    const policy = res.policy as string;
    const put = (action: string, size?: number, contentType?: string) => cos.model.allows(policy, { action, key: 'avatars/carol/me.png', size, contentType });
    expect(put('name/cos:PutObject', 2097152, 'image/png')).toBe(true);
    expect(put('name/cos:PostObject', 1000, 'image/jpeg')).toBe(true);
    expect(put('name/cos:PutObject', 2097153, 'image/png')).toBe(false);
    expect(put('name/cos:PutObject', 1000, 'image/svg+xml')).toBe(false);
    expect(put('name/cos:PutObject')).toBe(false);
    for (const action of ['InitiateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload', 'AppendObject', 'ListParts', 'AbortMultipartUpload', 'ListMultipartUploads']) {
      expect(put(`name/cos:${action}`, 1000, 'image/png'), action).toBe(false);
    }
    expect(JSON.parse(policy).statement).toEqual([
      {
        effect: 'allow',
        action: ['name/cos:PutObject', 'name/cos:PostObject'],
        resource: ['qcs::cos:ap-guangzhou:uid/1250000000:media-1250000000/avatars/carol/*'],
        condition: { numeric_less_than_equal: { 'cos:content-length': 2097152 }, string_like: { 'cos:content-type': ['image/png', 'image/jpeg'] } },
      },
    ]);
  });

  it('keys are cached per policy: a token whose rules change gets new keys, never the wider cached ones', async () => {
    for (const d of targets) {
      const sub = `cache-${d.label.replace(/\W/g, '').toLowerCase()}`;
      const asEditor = await d.issue({ sub, org: 'acme', groups: ['editors'] });
      expect(asEditor.stsCalls, d.label).toBe(1);
      expect((await d.issue({ sub, org: 'acme', groups: ['editors'] })).stsCalls, `${d.label}: same policy, cached`).toBe(0);
      // Same subject, same first grant (prefix and actions): only the team rule no longer applies.
      const demoted = await d.issue({ sub, org: 'acme', groups: [] });
      expect(demoted.stsCalls, `${d.label}: a narrower policy needs its own keys`).toBe(1);
      expect(demoted.json?.accessKeyId).not.toBe(asEditor.json?.accessKeyId);
      expectExactly(d, demoted.policy, [own(sub), PUBLIC, avatars(sub)]);
    }
  });

  it('no rule applying is 403 with no STS call', async () => {
    const [d] = fixture.deployments.start({ TOKEN_RULES: JSON.stringify({ rules: [{ name: 'admins', when: { claim: 'role', equals: 'admin' }, prefix: 'admin/', actions: ['get'] }] }) });
    const res = await d!.issue({ sub: 'alice', role: 'user' });
    expect([res.status, res.json?.error, res.json?.error_description, res.stsCalls]).toEqual([403, 'insufficient_scope', 'no access rule applies to this token', 0]);
    expect((await d!.issue({ sub: 'alice', role: 'admin' })).status).toBe(200);
  });
});

describe('${groups[]}: one prefix per value', () => {
  let targets: Deployment[];
  beforeAll(() => {
    targets = fixture.deployments.start({ TOKEN_RULES: JSON.stringify(GROUPS) });
  });

  it('grants each group folder, and no other', async () => {
    for (const d of targets) {
      const res = await d.issue({ sub: 'alice', groups: ['red', 'blue', 'red'] });
      expect(res.status, d.label).toBe(200);
      expect((res.json?.grants as { prefix: string }[]).map((g) => g.prefix), d.label).toEqual(['users/alice/', 'groups/red/', 'groups/blue/']);
      expectExactly(d, res.policy, [own('alice'), { prefix: 'groups/red/', actions: ['get', 'list'] }, { prefix: 'groups/blue/', actions: ['get', 'list'] }]);
      // No groups at all: the rule yields nothing.
      expectExactly(d, (await d.issue({ sub: 'alice' })).policy, [own('alice')]);
    }
  });

  it('eight values at the longest length fit every cloud; a ninth, or an unsafe one, is 403 with no STS call', async () => {
    const eight = Array.from({ length: 8 }, (_, i) => `${i}`.padEnd(32, 'g'));
    for (const d of targets) {
      const res = await d.issue({ sub: 'a'.repeat(32), groups: eight });
      expect(res.status, d.label).toBe(200);
      expect((res.policy as string).length, d.label).toBeLessThanOrEqual(2048);
      for (const groups of [[...eight, 'ninth'], ['ok', '*'], ['ok', '../x'], ['g'.repeat(33)]]) {
        const refused = await d.issue({ sub: 'alice', groups });
        expect([refused.status, refused.stsCalls], `${d.label} ${JSON.stringify(groups)}`).toEqual([403, 0]);
      }
    }
  });
});

describe('Huawei and letter case (issue 13, item 6)', () => {
  it('refuses a claim value with upper-case letters on Huawei only, with no IAM call; never lower-cases it', async () => {
    for (const d of fixture.deployments.start({ TOKEN_RULES: JSON.stringify(EXAMPLE) })) {
      const upper = await d.issue({ sub: 'Alice' });
      if (d.cloud === 'huawei') {
        expect([upper.status, upper.json?.error, upper.stsCalls], d.label).toEqual([403, 'insufficient_scope', 0]);
        expect(upper.json?.error_description).toContain('"sub" claim has upper-case letters');
      } else {
        expect(upper.status, d.label).toBe(200);
        expect(upper.json?.prefix).toBe('users/Alice/');
      }
      // A rule that does not apply never reads its claim: an upper-case org matters to editors only.
      expect((await d.issue({ sub: 'bob', org: 'ACME' })).status, d.label).toBe(200);
      expect((await d.issue({ sub: 'bob', org: 'ACME', groups: ['editors'] })).status, d.label).toBe(d.cloud === 'huawei' ? 403 : 200);
    }
  });

  it('one-rule deployments refuse it too (TOKEN_PREFIX)', async () => {
    for (const d of fixture.deployments.start({ TOKEN_PREFIX: 'users/{sub}/' }).filter((t) => t.cloud === 'huawei')) {
      expect((await d.issue({ sub: 'alice' })).status).toBe(200);
      expect((await d.issue({ sub: 'aLice' })).status).toBe(403);
    }
  });
});

describe('other ways of giving the rules', () => {
  it('TOKEN_ACCESS=protected: own folder, own protected folder, and read of everyone’s protected/', async () => {
    for (const d of fixture.deployments.start({ TOKEN_ACCESS: 'protected' })) {
      const res = await d.issue({ sub: 'alice' });
      expectExactly(d, res.policy, [own('alice'), { prefix: 'protected/alice/', actions: ['get', 'put', 'delete', 'list'] }, { prefix: 'protected/', actions: ['get', 'list'] }]);
    }
  });

  it('TOKEN_RULES_FILE: read from the bundle’s own directory, the function code', async () => {
    const file = `rules-test-${process.pid}/rules.json`;
    const written = Object.values(BUNDLES).map((bundle) => join(dirname(bundle.pathname), file));
    try {
      for (const path of written) {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, JSON.stringify(EXAMPLE));
      }
      for (const d of fixture.deployments.start({ TOKEN_RULES_FILE: file })) {
        const res = await d.issue({ sub: 'alice', org: 'acme', groups: ['editors'] });
        expect(res.status, d.label).toBe(200);
        expectExactly(d, res.policy, [own('alice'), PUBLIC, team('acme'), avatars('alice')]);
      }
    } finally {
      for (const path of written) rmSync(dirname(path), { recursive: true, force: true });
    }
  });

  it('a bad document stops the function at cold start: every request is 500, the log names the variable, rule and field', async () => {
    const from = fixture.lines.length;
    const bad = { rules: [EXAMPLE.rules[0], { ...EXAMPLE.rules[1], maxSize: 10 }] };
    for (const d of fixture.deployments.start({ TOKEN_RULES: JSON.stringify(bad) })) {
      const res = await d.issue({ sub: 'alice' });
      expect([res.status, res.json?.error, res.stsCalls], d.label).toEqual([500, 'server_error', 0]);
      expect(JSON.stringify(res.json)).not.toContain('maxSize');
    }
    const log = fixture.lines.slice(from).join('\n');
    expect(log).toContain('TOKEN_RULES: rules[1] \\"public\\": maxSize: only a rule whose actions include \\"put\\" may limit uploads');
  });

  it('so does a document whose largest policy cannot fit the cloud', async () => {
    const from = fixture.lines.length;
    const huge = { rules: [...EXAMPLE.rules, { name: 'groups', prefix: 'groups/{groups[]}/', actions: ['get', 'list'] }] };
    for (const d of fixture.deployments.start({ TOKEN_RULES: JSON.stringify(huge) })) {
      // Eight 128-character group folders (fewer on Huawei, whose resources stop at 128) fit no cloud's 2048.
      expect((await d.issue({ sub: 'alice' })).status, d.label).toBe(500);
    }
    const log = fixture.lines.slice(from).join('\n');
    for (const cloud of ['aliyun', 'tencent', 'huawei']) {
      expect(log).toMatch(new RegExp(`TOKEN_RULES: the largest session policy these rules can produce does not fit on ${cloud} .*rules\\[4\\] \\\\"groups\\\\"`));
    }
    // With shorter claim values the same rules fit RAM and OBS; CAM's resource names are longer.
    const statuses = await Promise.all(fixture.deployments.start({ TOKEN_RULES: JSON.stringify({ ...huge, maxClaimLength: 24 }) }).map(async (d) => (await d.issue({ sub: 'alice' })).status));
    expect(statuses).toEqual([200, 500, 200, 200]);
  });
});
