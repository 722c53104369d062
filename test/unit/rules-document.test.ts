/**
 * Issue 15: the rules document and where it comes from. Every refusal happens at cold start, as a ConfigError that
 * names the variable, the rule (by index and name) and the field.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { holds, parseCondition, readClaim } from '../../lib/rules/conditions.js';
import { type AccessRules, parseRulesDocument } from '../../lib/rules/document.js';
import { loadAccessRules } from '../../lib/rules/load.js';
import { problemVariables } from '../helpers/config-problems.js';
import { configError } from '../helpers/refusals.js';
import { ISSUE_EXAMPLE } from '../helpers/rules-examples.js';

const EXAMPLE = ISSUE_EXAMPLE;

const parsed = (document: unknown): AccessRules => {
  const result = parseRulesDocument(document, 'TOKEN_RULES');
  if (Array.isArray(result)) throw new Error(result.join('\n'));
  return result;
};
const problems = (document: unknown): string[] => {
  const result = parseRulesDocument(document, 'TOKEN_RULES');
  expect(Array.isArray(result), 'the document was accepted').toBe(true);
  return result as string[];
};
const withRule = (rule: Record<string, unknown>, ...others: Record<string, unknown>[]) => ({ rules: [{ name: 'r', prefix: 'p/', actions: ['get'], ...rule }, ...others] });

describe('the rules document', () => {
  it('parses the issue example: names, templates, canonical actions, conditions, limits', () => {
    const rules = parsed(EXAMPLE);
    expect(rules.rules.map((r) => [r.name, r.prefix.source, r.actions])).toEqual([
      ['own', 'users/${sub}/', ['get', 'put', 'delete', 'list']],
      ['public', 'public/', ['get', 'list']],
      ['team', 'teams/${org}/', ['get', 'put', 'list']],
      ['avatars', 'avatars/${sub}/', ['put']],
    ]);
    expect(rules.rules[2]?.when).toEqual({ claim: 'groups', includes: 'editors' });
    expect(rules.rules[3]).toMatchObject({ maxSize: 2097152, contentTypes: ['image/png', 'image/jpeg'] });
    expect(rules.maxClaimLength).toBe(128);
    expect(parsed({ ...EXAMPLE, maxClaimLength: 40 }).maxClaimLength).toBe(40);
    expect(parsed(withRule({ actions: ['list', 'get', 'put'] })).rules[0]?.actions).toEqual(['get', 'put', 'list']);
  });

  it.each([
    ['duplicate names', { rules: [EXAMPLE.rules[0], { ...EXAMPLE.rules[1], name: 'own' }] }, 'rules[1] "own": name: already used by rules[0]'],
    ['an unknown field in a rule', withRule({ prefx: 'x/' }), 'rules[0] "r": unknown field "prefx"'],
    ['an unknown top-level field', { ...EXAMPLE, version: 2 }, 'unknown field "version"'],
    ['maxSize on a rule without put', withRule({ maxSize: 10 }), 'rules[0] "r": maxSize: only a rule whose actions include "put" may limit uploads'],
    ['contentTypes on a rule without put', withRule({ contentTypes: ['image/png'] }), 'rules[0] "r": contentTypes: only a rule whose actions include "put"'],
    ['two array placeholders', withRule({ prefix: 'g/${a[]}/${b[]}/' }), 'rules[0] "r": prefix: may hold at most one ${claim[]} placeholder'],
    ['a claim used both ways', withRule({ prefix: 'g/${g}/${g[]}/' }), 'rules[0] "r": prefix: uses the claim "g" both as ${g} and as ${g[]}'],
    ['[] in a condition claim', withRule({ when: { claim: 'groups[]', includes: 'x' } }), 'rules[0] "r": when.claim: must be a claim name (no "[]")'],
    ['a malformed array placeholder', withRule({ prefix: 'g/${groups[}/' }), 'rules[0] "r": prefix: may contain only'],
    ['an array placeholder not followed by /', withRule({ prefix: 'g/${groups[]}x/' }), 'rules[0] "r": prefix: placeholder ${groups[]} must be followed by "/"'],
    ['a wildcard prefix', withRule({ prefix: 'users/*/' }), 'rules[0] "r": prefix: may contain only'],
    ['a bad rule name', withRule({ name: 'Own Files' }), 'rules[0] "Own Files": name: must be 1 to 32 characters'],
    ['a missing prefix', { rules: [{ name: 'r', actions: ['get'] }] }, 'rules[0] "r": prefix: is required'],
    ['an unknown action', withRule({ actions: ['get', 'write'] }), 'rules[0] "r": actions: must be an array of distinct actions'],
    ['a repeated action', withRule({ actions: ['get', 'get'] }), 'rules[0] "r": actions: must be an array of distinct actions'],
    ['no actions', withRule({ actions: [] }), 'rules[0] "r": actions: must be an array of distinct actions'],
    ['a fractional maxSize', withRule({ actions: ['put'], maxSize: 1.5 }), 'rules[0] "r": maxSize: must be a whole number from 1 to 5368709120'],
    ['a maxSize over 5 GiB', withRule({ actions: ['put'], maxSize: 6 * 1024 ** 3 }), 'maxSize: must be a whole number from 1 to 5368709120'],
    ['a media type with parameters', withRule({ actions: ['put'], contentTypes: ['text/plain; charset=utf-8'] }), 'rules[0] "r": contentTypes: must be 1 to 16 distinct'],
    ['a bare * media type', withRule({ actions: ['put'], contentTypes: ['*/*'] }), 'contentTypes: must be 1 to 16 distinct'],
    ['an upper-case media type', withRule({ actions: ['put'], contentTypes: ['Image/PNG'] }), 'contentTypes: must be 1 to 16 distinct'],
    ['a condition with two tests', withRule({ when: { claim: 'a', equals: 'x', exists: true } }), 'rules[0] "r": when: must be {"claim"'],
    ['a condition without claim', withRule({ when: { equals: 'x' } }), 'rules[0] "r": when.claim: must be a claim name'],
    ['a dotted-path claim list of non-strings', withRule({ when: { claim: ['a', 1], equals: 'x' } }), 'when.claim: must be a claim name'],
    ['a nested condition problem', withRule({ when: { all: [{ claim: 'a', exists: true }, { any: [{ claim: 'b', equals: {} }] }] } }), 'rules[0] "r": when.all[1].any[0].equals: must be a string, number or boolean'],
    ['an empty all', withRule({ when: { all: [] } }), 'when: must be {"claim"'],
    ['conditions nested too deep', withRule({ when: { all: [{ all: [{ all: [{ all: [{ claim: 'a', exists: true }] }] }] }] } }), 'when.all[0].all[0].all[0]: must be'],
    ['exists that is not a boolean', withRule({ when: { claim: 'a', exists: 'yes' } }), 'when.exists: must be true or false'],
    ['a maxClaimLength over 128', { ...EXAMPLE, maxClaimLength: 129 }, 'maxClaimLength: must be a whole number from 1 to 128'],
  ])('refuses %s, naming the rule and the field', (_, document, message) => {
    expect(problems(document).join('\n')).toContain(message);
  });

  it.each([['not an object', 'x'], ['a list', [EXAMPLE]], ['no rules', { rules: [] }], ['seventeen rules', { rules: Array.from({ length: 17 }, (_, i) => ({ name: `r${i}`, prefix: `p${i}/`, actions: ['get'] })) }]])(
    'refuses a document that is %s',
    (_, document) => {
      expect(problems(document).length).toBeGreaterThan(0);
    },
  );

  it('reports every problem of every rule at once', () => {
    const found = problems({ rules: [withRule({ maxSize: 1 }).rules[0], { name: 'r', prefix: 'a/*/', actions: ['x'] }] });
    expect(found).toEqual([expect.stringContaining('rules[0] "r": maxSize'), expect.stringContaining('rules[1] "r": actions')]);
  });
});

describe('when: conditions on verified claims', () => {
  const condition = (when: unknown) => {
    const c = parseCondition(when);
    if (typeof c === 'string') throw new Error(c);
    return c;
  };
  const claims = {
    sub: 'alice',
    groups: ['editors', 'viewers'],
    role: 'admin',
    level: 3,
    verified: true,
    empty: null,
    'https://example.com/roles': ['billing'],
    realm_access: { roles: ['manager'], nested: { deep: 'yes' } },
  };

  it.each([
    [{ claim: 'groups', includes: 'editors' }, true],
    [{ claim: 'groups', includes: 'admins' }, false],
    [{ claim: 'role', includes: 'admin' }, true], // a string claim "includes" its own value
    [{ claim: 'role', includes: 'adm' }, false],
    [{ claim: 'role', equals: 'admin' }, true],
    [{ claim: 'groups', equals: 'editors' }, false], // an array never equals a string
    [{ claim: 'level', equals: 3 }, true],
    [{ claim: 'level', equals: '3' }, false], // no coercion
    [{ claim: 'verified', equals: true }, true],
    [{ claim: 'org', exists: true }, false],
    [{ claim: 'org', exists: false }, true],
    [{ claim: 'empty', exists: true }, false],
    [{ claim: 'https://example.com/roles', includes: 'billing' }, true], // dotted names are names, not paths
    [{ claim: ['realm_access', 'roles'], includes: 'manager' }, true],
    [{ claim: ['realm_access', 'nested', 'deep'], equals: 'yes' }, true],
    [{ claim: ['realm_access', 'missing', 'deep'], exists: true }, false],
    [{ claim: ['groups', '0'], equals: 'editors' }, false], // paths never index into arrays
    [{ claim: 'toString', exists: true }, false], // inherited properties are not claims
    [{ claim: ['realm_access', 'constructor'], exists: true }, false],
    [{ all: [{ claim: 'role', equals: 'admin' }, { claim: 'groups', includes: 'editors' }] }, true],
    [{ all: [{ claim: 'role', equals: 'admin' }, { claim: 'groups', includes: 'nobody' }] }, false],
    [{ any: [{ claim: 'role', equals: 'guest' }, { claim: 'groups', includes: 'viewers' }] }, true],
    [{ any: [{ claim: 'role', equals: 'guest' }, { all: [{ claim: 'org', exists: true }] }] }, false],
  ])('%j holds: %s', (when, expected) => {
    expect(holds(condition(when), claims)).toBe(expected);
  });

  it('reads own properties only, at any depth', () => {
    expect(readClaim({ a: Object.create({ b: 1 }) }, ['a', 'b'])).toBeUndefined();
    expect(readClaim(claims, ['realm_access', 'roles'])).toEqual(['manager']);
  });
});

describe('where the rules come from', () => {
  const base = { TOKEN_BUCKET: 'media', TOKEN_REGION: 'cn-hangzhou' };
  const here = { codeDir: process.cwd() };

  it('TOKEN_PREFIX / TOKEN_ACTIONS, or nothing at all, is one rule named default', () => {
    expect(loadAccessRules(base, here).rules.map((r) => [r.name, r.prefix.source, r.actions])).toEqual([['default', 'users/${sub}/', ['put']]]);
    const rules = loadAccessRules({ ...base, TOKEN_PREFIX: 't/{tenant}/', TOKEN_ACTIONS: 'list,get' }, here);
    expect(rules).toMatchObject({ source: 'TOKEN_PREFIX', maxClaimLength: 128 });
    expect(rules.rules.map((r) => [r.name, r.prefix.source, r.actions])).toEqual([['default', 't/{tenant}/', ['get', 'list']]]);
  });

  it('TOKEN_RULES: inline JSON', () => {
    const rules = loadAccessRules({ ...base, TOKEN_RULES: JSON.stringify(EXAMPLE) }, here);
    expect(rules.source).toBe('TOKEN_RULES');
    expect(rules.rules.map((r) => r.name)).toEqual(['own', 'public', 'team', 'avatars']);
  });

  it('TOKEN_ACCESS presets expand exactly as documented', () => {
    const expand = (preset: string) => loadAccessRules({ ...base, TOKEN_ACCESS: preset }, here).rules.map((r) => [r.name, r.prefix.source, r.actions.join(',')]);
    const own = ['own', 'users/${sub}/', 'get,put,delete,list'];
    expect(expand('private')).toEqual([own]);
    expect(expand('protected')).toEqual([own, ['protected-own', 'protected/${sub}/', 'get,put,delete,list'], ['protected-read', 'protected/', 'get,list']]);
    expect(expand('public-read')).toEqual([own, ['public-read', 'public/', 'get,list']]);
    expect(problemVariables(() => loadAccessRules({ ...base, TOKEN_ACCESS: 'public' }, here))).toEqual(['TOKEN_ACCESS']);
  });

  it('TOKEN_RULES_FILE: read relative to the function code directory, never outside it', () => {
    const codeDir = mkdtempSync(join(tmpdir(), 'stsgate-rules-'));
    mkdirSync(join(codeDir, 'config'));
    writeFileSync(join(codeDir, 'config', 'rules.json'), JSON.stringify(EXAMPLE));
    const rules = loadAccessRules({ ...base, TOKEN_RULES_FILE: 'config/rules.json' }, { codeDir });
    expect(rules.source).toBe('TOKEN_RULES_FILE');
    expect(rules.rules).toHaveLength(4);

    const message = (file: string) => configError(() => loadAccessRules({ ...base, TOKEN_RULES_FILE: file }, { codeDir })).message;
    expect(message('missing.json')).toMatch(/TOKEN_RULES_FILE: cannot be read \(ENOENT/);
    expect(message('../rules.json')).toContain('TOKEN_RULES_FILE: must be a relative path');
    expect(message('config/../config/rules.json')).toContain('must be a relative path');
    expect(message('/etc/passwd')).toContain('must be a relative path');
    expect(message('config')).toMatch(/cannot be read \(EISDIR/);
    writeFileSync(join(codeDir, 'big.json'), ' '.repeat(65 * 1024));
    expect(message('big.json')).toContain('is over 65536 bytes');
    writeFileSync(join(codeDir, 'bad.json'), '{"rules": [');
    expect(message('bad.json')).toBe('invalid configuration: TOKEN_RULES_FILE: is not valid JSON');
    writeFileSync(join(codeDir, 'dup.json'), JSON.stringify({ rules: [EXAMPLE.rules[0], EXAMPLE.rules[0]] }));
    expect(message('dup.json')).toBe('invalid configuration: TOKEN_RULES_FILE: rules[1] "own": name: already used by rules[0]; names must be unique');
  });

  it.each([
    [{ TOKEN_RULES: JSON.stringify(EXAMPLE), TOKEN_PREFIX: 'users/${sub}/' }, ['TOKEN_RULES', 'TOKEN_PREFIX']],
    [{ TOKEN_RULES: JSON.stringify(EXAMPLE), TOKEN_ACTIONS: 'get' }, ['TOKEN_RULES', 'TOKEN_ACTIONS']],
    [{ TOKEN_ACCESS: 'private', TOKEN_PREFIX: 'users/${sub}/' }, ['TOKEN_ACCESS', 'TOKEN_PREFIX']],
    [{ TOKEN_RULES: JSON.stringify(EXAMPLE), TOKEN_RULES_FILE: 'rules.json' }, ['TOKEN_RULES', 'TOKEN_RULES_FILE']],
    [{ TOKEN_RULES_FILE: 'rules.json', TOKEN_ACCESS: 'private' }, ['TOKEN_RULES_FILE', 'TOKEN_ACCESS']],
  ])('refuses two ways of giving the rules at once: %j', (vars, variables) => {
    const error = configError(() => loadAccessRules({ ...base, ...vars }, here));
    expect(error.problems.map((p) => p.variable)).toEqual(variables);
    expect(error.message).toContain('give the rules one way only');
  });

  it('names the variable and never echoes the document', () => {
    const error = configError(() => loadAccessRules({ ...base, TOKEN_RULES: '{"rules": [{"name": "secret-looking", ' }, here));
    expect(error.message).toBe('invalid configuration: TOKEN_RULES: is not valid JSON');
    expect(problemVariables(() => loadAccessRules({ ...base, TOKEN_RULES: JSON.stringify(withRule({ maxSize: 1 })) }, here))).toEqual(['TOKEN_RULES']);
  });

  it('refuses an unexpanded deploy placeholder by name, before anything else', () => {
    expect(configError(() => loadAccessRules({ ...base, TOKEN_ACCESS: '${env(TOKEN_ACCESS)}' }, here)).message).toContain('TOKEN_ACCESS: is an unexpanded');
  });
});
