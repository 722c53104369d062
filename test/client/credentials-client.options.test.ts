/** createStsClient refuses bad options at construction, naming the option and never echoing a non-number. */
import { describe, expect, it } from 'vitest';
import { createStsClient, type StsClientOptions } from '../../client/index.js';

const valid: StsClientOptions = { endpoint: 'https://sts.example.com/aliyun', getToken: () => 'fake-login-token', fetch: async () => new Response() };

describe('createStsClient options', () => {
  it('accepts the minimal options and the edges of every range', () => {
    expect(() => createStsClient(valid)).not.toThrow();
    expect(() =>
      createStsClient({ ...valid, refreshWhenRemaining: 0.01, maxAttempts: 1, baseBackoffMs: 0, maxBackoffMs: 0, timeoutMs: 1, request: { actions: ['get'] } }),
    ).not.toThrow();
    expect(() => createStsClient({ ...valid, endpoint: '/api/sts/aliyun' })).not.toThrow();
  });

  it.each([
    ['refreshWhenRemaining', 0],
    ['refreshWhenRemaining', 1],
    ['refreshWhenRemaining', -0.5],
    ['refreshWhenRemaining', Number.NaN],
    ['refreshWhenRemaining', '0.5'],
    ['maxAttempts', 0],
    ['maxAttempts', 2.5],
    ['maxAttempts', 101],
    ['maxAttempts', Number.POSITIVE_INFINITY],
    ['baseBackoffMs', -1],
    ['maxBackoffMs', Number.NaN],
    ['maxBackoffMs', 2 ** 31],
    ['timeoutMs', 0],
    ['timeoutMs', 2 ** 31],
    ['endpoint', ''],
    ['endpoint', undefined],
    ['getToken', 'fake-login-token'],
    ['fetch', 'https://example.com'],
    ['now', 0],
    ['random', 0.5],
  ])('refuses %s = %s with a TypeError naming it', (name, value) => {
    expect(() => createStsClient({ ...valid, [name]: value } as unknown as StsClientOptions)).toThrow(
      expect.objectContaining({ name: 'TypeError', message: expect.stringContaining(`options.${name} must be`) }),
    );
  });

  it('does not echo a value that is not a number', () => {
    expect(() => createStsClient({ ...valid, timeoutMs: 'secret-looking-value' } as unknown as StsClientOptions)).toThrow(/got string$/);
  });

  it('refuses a malformed default request, naming the field', () => {
    expect(() => createStsClient({ ...valid, request: { actions: 'put' } as unknown as StsClientOptions['request'] })).toThrow(
      new TypeError('createStsClient: options.request.actions must be an array of strings'),
    );
  });

  it('refuses to start without any fetch to use', () => {
    const original = globalThis.fetch;
    try {
      (globalThis as { fetch?: typeof fetch }).fetch = undefined;
      expect(() => createStsClient({ ...valid, fetch: undefined })).toThrow(/pass options\.fetch/);
    } finally {
      globalThis.fetch = original;
    }
  });

  it('calls the global fetch as a plain function, as browsers require', async () => {
    const original = globalThis.fetch;
    let receiver: unknown = 'not called';
    try {
      globalThis.fetch = function (this: unknown) {
        receiver = this;
        return Promise.resolve(new Response('{}', { status: 403 }));
      } as typeof fetch;
      await createStsClient({ ...valid, fetch: undefined, maxAttempts: 1 }).getCredentials().catch(() => undefined);
      expect(receiver === undefined || receiver === globalThis).toBe(true);
    } finally {
      globalThis.fetch = original;
    }
  });
});
