/**
 * Issue 15 in the browser client: the endpoint's `grants` reach the app, checked and frozen like the rest of the
 * answer; a request may pick rules, and equivalent picks share one cached set.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createStsClient, StsClientError } from '../../client/index.js';
import { ENDPOINT, fakeEndpoint, issue, T0 } from './credentials-client.fakes.js';

const GRANTS = [
  { rule: 'own', prefix: 'users/alice/', actions: ['get', 'put'] },
  { rule: 'avatars', prefix: 'avatars/alice/', actions: [], maxSize: 2097152, contentTypes: ['image/png'], signedUploads: true },
];

const clientFor = (endpoint: ReturnType<typeof fakeEndpoint>) => createStsClient({ endpoint: ENDPOINT, getToken: () => 'fake-login-token', fetch: endpoint.fetch, random: () => 0.5 });

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('grants', () => {
  it('are handed to the app as the endpoint sent them, frozen all the way down', async () => {
    const credentials = await clientFor(fakeEndpoint(issue({ body: { grants: GRANTS } }))).getCredentials();
    expect(credentials.grants).toEqual(GRANTS);
    expect(Object.isFrozen(credentials.grants)).toBe(true);
    expect(Object.isFrozen(credentials.grants?.[1])).toBe(true);
    expect(Object.isFrozen(credentials.grants?.[1]?.contentTypes)).toBe(true);
  });

  it('are absent when an older endpoint sends none', async () => {
    const credentials = await clientFor(fakeEndpoint()).getCredentials();
    expect(credentials).not.toHaveProperty('grants');
  });

  it.each([
    ['not an array', { rule: 'own' }],
    ['an entry without a prefix', [{ rule: 'own', actions: ['get'] }]],
    ['actions that are not strings', [{ rule: 'own', prefix: 'u/', actions: [1] }]],
    ['a fractional maxSize', [{ rule: 'own', prefix: 'u/', actions: ['put'], maxSize: 1.5 }]],
    ['contentTypes that are not a list', [{ rule: 'own', prefix: 'u/', actions: ['put'], contentTypes: 'image/png' }]],
    ['a signedUploads that is not a boolean', [{ rule: 'own', prefix: 'u/', actions: [], signedUploads: 'yes' }]],
  ])('refuse an answer whose grants are %s, as invalid_response', async (_, grants) => {
    const failure = await clientFor(fakeEndpoint(issue({ body: { grants } }))).getCredentials().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(StsClientError);
    expect((failure as StsClientError).code).toBe('invalid_response');
    expect((failure as StsClientError).message).toMatch(/grants/);
  });
});

describe('a request that picks rules', () => {
  it('sends them, and shares one cached set however they are ordered or repeated', async () => {
    const endpoint = fakeEndpoint(issue({ body: { grants: GRANTS.slice(0, 1) } }));
    const client = clientFor(endpoint);
    await client.getCredentials({ rules: ['own', 'public'] });
    await client.getCredentials({ rules: ['public', 'own', 'own'] });
    expect(endpoint.calls).toHaveLength(1);
    expect(endpoint.calls[0]?.body).toBe('{"rules":["own","public"]}');
    await expect(client.getCredentials({ rules: 'own' as unknown as string[] })).rejects.toThrow(TypeError);
  });
});
