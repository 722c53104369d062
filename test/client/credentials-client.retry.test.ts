/**
 * The browser client's attempts: which failures it retries, how long it waits between attempts, when it
 * gives up, and what the app sees then. Fake timers drive the clock; a scripted endpoint answers.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createStsClient, StsClientError, UnauthorizedError, type StsClientOptions } from '../../client/index.js';
import {
  answer,
  credentialsBody,
  ENDPOINT,
  fakeEndpoint,
  type FakeEndpoint,
  hang,
  hangIgnoringAbort,
  networkDown,
  type Responder,
  settle,
  T0,
} from './credentials-client.fakes.js';

const TOKEN = 'fake-login-token';

function clientFor(endpoint: FakeEndpoint, options: Partial<StsClientOptions> = {}) {
  return createStsClient({ endpoint: ENDPOINT, getToken: () => TOKEN, fetch: endpoint.fetch, random: () => 0.5, ...options });
}

/** Runs one getCredentials to its end, advancing fake time as far as needed. */
async function run(endpoint: FakeEndpoint, options: Partial<StsClientOptions> = {}) {
  const result = settle(clientFor(endpoint, options).getCredentials());
  await vi.advanceTimersByTimeAsync(120_000);
  const state = result();
  expect(state.settled).toBe(true);
  return { ...state, delays: endpoint.calls.slice(1).map((call, i) => call.at - endpoint.calls[i]!.at) };
}

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('retries with exponential backoff and full jitter', () => {
  it.each([
    ['503', answer(503, 'temporarily_unavailable')],
    ['500', answer(500, 'server_error')],
    ['502', answer(502, 'upstream_error')],
    ['a network error', networkDown()],
  ])('retries after %s, waiting random × 200 ms, then random × 400 ms', async (_, failure) => {
    const endpoint = fakeEndpoint();
    endpoint.next(failure, failure);
    const { value, delays } = await run(endpoint, { random: () => 0.25 });
    expect(value?.provider).toBe('aliyun');
    expect(endpoint.calls).toHaveLength(3);
    expect(delays).toEqual([50, 100]);
  });

  it('caps the backoff ceiling at maxBackoffMs', async () => {
    const endpoint = fakeEndpoint(answer(503, 'temporarily_unavailable'));
    const { delays } = await run(endpoint, { maxAttempts: 6, baseBackoffMs: 1000, maxBackoffMs: 3000, random: () => 0.999 });
    expect(delays.map(Math.round)).toEqual([999, 1998, 2997, 2997, 2997]);
  });

  it('waits for Retry-After when it is longer than the jittered backoff', async () => {
    const endpoint = fakeEndpoint();
    endpoint.next(answer(429, 'rate_limited', { 'Retry-After': '2' }), answer(503, 'temporarily_unavailable', { 'Retry-After': '1' }));
    const { value, delays } = await run(endpoint, { random: () => 0 });
    expect(value).toBeDefined();
    expect(delays).toEqual([2000, 1000]);
  });

  it('caps Retry-After at maxBackoffMs and ignores one it cannot read', async () => {
    const endpoint = fakeEndpoint();
    endpoint.next(answer(429, 'rate_limited', { 'Retry-After': '60' }), answer(503, 'temporarily_unavailable', { 'Retry-After': 'soon' }));
    const { delays } = await run(endpoint, { random: () => 0.5 });
    expect(delays).toEqual([5000, 200]);
  });

  it('times out a hung attempt after timeoutMs, aborts it, and retries', async () => {
    const endpoint = fakeEndpoint();
    endpoint.next(hang());
    const { value, delays } = await run(endpoint, { timeoutMs: 2000 });
    expect(value).toBeDefined();
    expect(endpoint.calls[0]!.signal?.aborted).toBe(true);
    expect(delays).toEqual([2000 + 100]);
  });

  it('times out even when fetch ignores the abort signal', async () => {
    const endpoint = fakeEndpoint();
    endpoint.next(hangIgnoringAbort());
    const { value, delays } = await run(endpoint, { timeoutMs: 2000 });
    expect(value).toBeDefined();
    expect(delays).toEqual([2100]);
  });

  it('times out a body that stalls after the headers', async () => {
    const stalled: Responder = () => new Response(new ReadableStream({ start: () => undefined }), { status: 200 });
    const endpoint = fakeEndpoint();
    endpoint.next(stalled);
    const { value, delays } = await run(endpoint, { timeoutMs: 2000 });
    expect(value).toBeDefined();
    expect(delays).toEqual([2100]);
  });
});

describe('giving up', () => {
  it('rejects with http_error, the status and the endpoint’s error after maxAttempts 5xx answers', async () => {
    const endpoint = fakeEndpoint(answer(503, 'temporarily_unavailable'));
    const { error } = await run(endpoint, { maxAttempts: 4 });
    expect(endpoint.calls).toHaveLength(4);
    expect(error).toBeInstanceOf(StsClientError);
    expect(error).toMatchObject({ code: 'http_error', status: 503, error: 'temporarily_unavailable', description: 'fake 503' });
    expect((error as Error).message).toContain('503');
  });

  it('rejects with network_error after maxAttempts network errors, keeping the cause', async () => {
    const endpoint = fakeEndpoint(networkDown());
    const { error } = await run(endpoint);
    expect(endpoint.calls).toHaveLength(3);
    expect(error).toMatchObject({ code: 'network_error', status: undefined });
    expect((error as Error).cause).toBeInstanceOf(TypeError);
  });

  it('rejects with network_error naming the timeout after maxAttempts timeouts', async () => {
    const endpoint = fakeEndpoint(hang());
    const { error } = await run(endpoint, { timeoutMs: 1500, maxAttempts: 2 });
    expect(endpoint.calls).toHaveLength(2);
    expect(error).toMatchObject({ code: 'network_error' });
    expect((error as Error).message).toContain('1500 ms');
  });

  it('makes exactly one attempt with maxAttempts 1', async () => {
    const endpoint = fakeEndpoint(answer(500));
    const { error } = await run(endpoint, { maxAttempts: 1 });
    expect(endpoint.calls).toHaveLength(1);
    expect(error).toMatchObject({ code: 'http_error', status: 500 });
  });

  it.each([
    [400, 'invalid_request'],
    [403, 'insufficient_scope'],
    [404, 'not_found'],
    [413, 'invalid_request'],
  ])('does not retry %s', async (status, code) => {
    const endpoint = fakeEndpoint(answer(status, code));
    const { error } = await run(endpoint);
    expect(endpoint.calls).toHaveLength(1);
    expect(error).toMatchObject({ code: 'http_error', status, error: code });
  });

  it('reports a status whose body is not stsgate’s JSON without an error field', async () => {
    const endpoint = fakeEndpoint(() => new Response('<html>Bad Gateway</html>', { status: 403 }));
    const { error } = await run(endpoint);
    expect(error).toMatchObject({ code: 'http_error', status: 403, error: undefined, description: undefined });
  });
});

describe('401', () => {
  it('surfaces as UnauthorizedError, a StsClientError with code unauthorized, never retried', async () => {
    const endpoint = fakeEndpoint(answer(401, 'invalid_token', { 'WWW-Authenticate': 'Bearer error="invalid_token"' }));
    const { error } = await run(endpoint);
    expect(endpoint.calls).toHaveLength(1);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error).toBeInstanceOf(StsClientError);
    expect(error).toMatchObject({ name: 'UnauthorizedError', code: 'unauthorized', status: 401, error: 'invalid_token' });
    expect((error as Error).message).not.toContain(TOKEN);
  });
});

describe('a 200 that is not credentials', () => {
  const base = credentialsBody(T0 / 1000, T0 / 1000 + 900);
  const cases: [string, string][] = [
    ['not JSON', '<html>ok</html>'],
    ['a JSON array', '[]'],
    ['JSON null', 'null'],
    ['an unknown provider', JSON.stringify({ ...base, provider: 'aws' })],
    ['no provider', JSON.stringify({ ...base, provider: undefined })],
    ['an empty accessKeySecret', JSON.stringify({ ...base, accessKeySecret: '' })],
    ['no securityToken', JSON.stringify({ ...base, securityToken: undefined })],
    ['a numeric bucket', JSON.stringify({ ...base, bucket: 7 })],
    ['a string expiredTime', JSON.stringify({ ...base, expiredTime: String(base.expiredTime) })],
    ['expiredTime not after startTime', JSON.stringify({ ...base, startTime: (base.expiredTime as number) + 1 })],
    ['actions not an array', JSON.stringify({ ...base, actions: 'put' })],
    ['an empty action', JSON.stringify({ ...base, actions: [''] })],
  ];

  it.each(cases)('with %s rejects as invalid_response, without retrying or quoting the body', async (_, body) => {
    const endpoint = fakeEndpoint(() => new Response(body, { status: 200, headers: { 'Content-Type': 'application/json' } }));
    const { error } = await run(endpoint);
    expect(endpoint.calls).toHaveLength(1);
    expect(error).toBeInstanceOf(StsClientError);
    expect(error).toMatchObject({ code: 'invalid_response' });
    expect((error as Error).message).not.toContain('fake-secret');
    expect((error as Error).message).not.toContain('fake-security-token');
  });
});
