import { describe, expect, it } from 'vitest';
import { parsePrefixTemplate, type RenderOptions } from '../../lib/scope/prefix-template.js';
import { StsgateError } from '../../lib/errors.js';

/** The template, with `render` for the one prefix a template without `${claim[]}` yields. */
const template = (source: string) => {
  const parsed = parsePrefixTemplate(source);
  if (typeof parsed === 'string') throw new Error(parsed);
  return Object.assign(parsed, {
    render: (claims: Record<string, unknown>, options?: RenderOptions) => {
      const [prefix, ...more] = parsed.expand(claims, options);
      expect(more).toEqual([]);
      return prefix;
    },
  });
};

const refusal = (fn: () => unknown): StsgateError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof StsgateError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('prefix templates', () => {
  it('renders claims into the default per-user template', () => {
    expect(template('users/${sub}/').render({ sub: 'alice' })).toBe('users/alice/');
    expect(template('t/${tenant}/u/${sub}/').render({ sub: 'bob', tenant: 'acme' })).toBe('t/acme/u/bob/');
    expect(template('shared/uploads/').render({ sub: 'x' })).toBe('shared/uploads/');
  });

  it.each(['*', '..', '.', 'a/b', 'a*b', 'a?b', '%2F', 'a b', 'ä', '', 'x'.repeat(129), '${sub}'])(
    'refuses the claim value %j with 403 insufficient_scope',
    (sub) => {
      const error = refusal(() => template('users/${sub}/').render({ sub }));
      expect(error.status).toBe(403);
      expect(error.code).toBe('insufficient_scope');
    },
  );

  it('refuses a missing or non-string claim', () => {
    expect(refusal(() => template('users/${sub}/').render({})).status).toBe(403);
    expect(refusal(() => template('users/${uid}/').render({ uid: 42 })).status).toBe(403);
    // Inherited properties are not claims.
    expect(refusal(() => template('users/${toString}/').render({ sub: 'a' })).status).toBe(403);
  });

  it.each([
    ['users/${sub}', 'must be followed by "/"'],
    ['users/shared', 'must end with "/"'],
    ['users/${sub}-x/', 'must be followed by "/"'],
    ['${a}${b}/', 'must be followed by "/"'],
    ['/users/${sub}/', 'segments'],
    ['users//${sub}/', 'segments'],
    ['users/../${sub}/', 'segments'],
    ['users/*/${sub}/', 'may contain only'],
    ['users/?/', 'may contain only'],
    ['users/$sub/', 'may contain only'],
    ['', 'must not be empty'],
  ])('rejects the unsafe template %j', (source, message) => {
    const parsed = parsePrefixTemplate(source);
    expect(typeof parsed).toBe('string');
    expect(parsed).toContain(message);
  });

  it('accepts {claim} as well as ${claim}, for deployment tools that interpolate ${...}', () => {
    expect(template('t/{tenant}/u/${sub}/').render({ sub: 'bob', tenant: 'acme' })).toBe('t/acme/u/bob/');
    expect(typeof parsePrefixTemplate('users/{sub}')).toBe('string');
  });

  it('lists the claims a template uses', () => {
    expect(template('t/${tenant}/u/${sub}/').claims).toEqual(['tenant', 'sub']);
  });
});
