/**
 * `npm run rules -- check | test` and the multi-rule output of `npm run policy`: what an app developer runs to see
 * whether a rules document fits every cloud, and to unit-test it (issue 15, tools).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../..', import.meta.url).pathname;
const run = (script: string, args: string[], env: Record<string, string | undefined> = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', `scripts/${script}.ts`, ...args], {
    cwd: root,
    env: { ...process.env, TOKEN_BUCKET: undefined, TOKEN_REGION: undefined, TOKEN_PREFIX: undefined, TOKEN_ACTIONS: undefined, ...env },
    encoding: 'utf8',
  });
const scratch = () => mkdtempSync(join(tmpdir(), 'stsgate-rules-cli-'));

describe('npm run rules -- test', () => {
  it('passes every case of the shipped examples/rules/cases.json', () => {
    const result = run('rules', ['test', 'examples/rules/cases.json']);
    expect(result.stdout).toContain('18 of 18 cases pass');
    expect(result.stdout).not.toContain('FAIL');
    expect(result.status).toBe(0);
  });

  it('fails, naming the case, when an expectation is wrong', () => {
    const dir = scratch();
    const cases = JSON.parse(readFileSync(join(root, 'examples/rules/cases.json'), 'utf8'));
    cases.rules = join(root, 'examples/rules/rules.json');
    // A broken case: nobody may write public/, so expecting allow must fail.
    cases.cases.push({ name: 'wrongly expects a public upload', claims: { sub: 'alice' }, action: 'put', key: 'public/x.png', expect: 'allow' });
    cases.cases.push({ name: 'wrongly expects bob to be refused his own folder', claims: { sub: 'bob' }, action: 'get', key: 'users/bob/a', expect: 'deny' });
    writeFileSync(join(dir, 'cases.json'), JSON.stringify(cases));
    const result = run('rules', ['test', join(dir, 'cases.json')]);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('FAIL  wrongly expects a public upload: expected allow, got deny (rules applying: own, public, avatars)');
    expect(result.stdout).toContain('FAIL  wrongly expects bob to be refused his own folder: expected deny, got allow');
    expect(result.stdout).toContain('18 of 20 cases pass');
  });

  it('reports a refusal as the reason for a deny, and reads an inline document', () => {
    const dir = scratch();
    writeFileSync(
      join(dir, 'cases.json'),
      JSON.stringify({
        rules: { rules: [{ name: 'own', prefix: 'users/{sub}/', actions: ['get'] }] },
        cases: [{ claims: { sub: 'a/b' }, action: 'get', key: 'users/a/b/x', expect: 'allow' }],
      }),
    );
    const result = run('rules', ['test', join(dir, 'cases.json')]);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('FAIL  case 1: get users/a/b/x: expected allow, got deny (refused: 403 the "sub" claim cannot be used in a storage path)');
  });

  it('exits 2 for an unusable cases file or rules document, and says why', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'bad-case.json'), JSON.stringify({ rules: { rules: [{ name: 'own', prefix: 'u/', actions: ['get'] }] }, cases: [{ claims: {}, action: 'read', key: 'u/x', expect: 'allow' }] }));
    const badCase = run('rules', ['test', join(dir, 'bad-case.json')]);
    expect([badCase.status, badCase.stderr]).toEqual([2, expect.stringContaining('cases.0.action')]);
    writeFileSync(join(dir, 'bad-rules.json'), JSON.stringify({ rules: { rules: [{ name: 'own', prefix: 'u/', actions: ['get'], maxSize: 5 }] }, cases: [{ claims: {}, action: 'get', key: 'u/x', expect: 'allow' }] }));
    const badRules = run('rules', ['test', join(dir, 'bad-rules.json')]);
    expect([badRules.status, badRules.stderr]).toEqual([2, expect.stringContaining('rules[0] "own": maxSize: only a rule whose actions include "put" may limit uploads')]);
    expect(run('rules', ['test', join(dir, 'missing.json')]).status).toBe(2);
    expect(run('rules', []).status).toBe(2);
  });
});

describe('npm run rules -- check', () => {
  it('validates the shipped example and prints its largest policy on every cloud', () => {
    const result = run('rules', ['check', 'examples/rules/rules.json']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('4 rules (own, public, team, avatars), valid');
    for (const label of ['aliyun (RAM)', 'tencent (CAM)', 'huawei (OBS 1.1, securitytokens)', 'huawei (OBS 5.0, AssumeAgency)']) {
      expect(result.stdout).toMatch(new RegExp(`${label.replace(/[()]/g, '\\$&')} +\\d+ / 2048 characters, \\d statements`));
    }
    expect(result.stdout).toMatch(/aliyun \(RAM\).*signed uploads/);
    expect(result.stdout).not.toMatch(/tencent \(CAM\).*signed uploads/);
  });

  it('exits 1 and names the rule when a document cannot fit a cloud', () => {
    const dir = scratch();
    const rules = JSON.parse(readFileSync(join(root, 'examples/rules/rules.json'), 'utf8'));
    rules.rules.push({ name: 'groups', prefix: 'groups/{groups[]}/', actions: ['get', 'list'] });
    writeFileSync(join(dir, 'rules.json'), JSON.stringify(rules));
    const result = run('rules', ['check', join(dir, 'rules.json')]);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/tencent \(CAM\) +DOES NOT FIT .*rules\[4\] "groups"/);
  });

  it('exits 2 for an invalid document, naming the rule and field', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'rules.json'), JSON.stringify({ rules: [{ name: 'a', prefix: 'a/', actions: ['get'] }, { name: 'a', prefix: 'b/', actions: ['get'] }] }));
    const result = run('rules', ['check', join(dir, 'rules.json')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('rules[1] "a": name: already used by rules[0]');
  });
});

describe('npm run policy with rules', () => {
  const env = { TOKEN_BUCKET: 'media-1250000000', TOKEN_REGION: 'ap-guangzhou', TOKEN_RULES_FILE: 'examples/rules/rules.json', ALIYUN_ROLE_ARN: 'acs:ram::1:role/r', TENCENT_ROLE_ARN: 'qcs::cam::uin/1:roleName/r' };

  it('shows which rules apply and the exact policy on every cloud', () => {
    const result = run('policy', ['--cloud', 'all', '--claims', '{"sub":"alice","org":"acme","groups":["editors"]}'], env);
    expect(result.status).toBe(0);
    const out = JSON.parse(result.stdout) as Record<string, unknown>[];
    expect(out.map((r) => r.provider)).toEqual(['aliyun', 'tencent', 'huawei']);
    for (const r of out) {
      expect(r.rules).toEqual(['own', 'public', 'team', 'avatars']);
      expect(r.policyLength).toBe(JSON.stringify(r.policy).length);
    }
    expect((out[1]!.grants as { rule: string; actions: string[] }[]).find((g) => g.rule === 'avatars')?.actions).toEqual(['put']);
    expect((out[0]!.grants as { rule: string; signedUploads?: boolean }[]).find((g) => g.rule === 'avatars')?.signedUploads).toBe(true);
  });

  it('prints each cloud’s refusal, and exits 1 when one refuses', () => {
    const result = run('policy', ['--cloud', 'aliyun,huawei', '--claims', '{"sub":"Alice"}'], env);
    expect(result.status).toBe(1);
    const [aliyun, huawei] = JSON.parse(result.stdout);
    expect(aliyun).toMatchObject({ provider: 'aliyun', prefix: 'users/Alice/' });
    expect(huawei).toMatchObject({ provider: 'huawei', status: 403, error: 'insufficient_scope' });
  });
});
