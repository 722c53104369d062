import { describe, expect, it } from 'vitest';
import { loadRateLimits } from '../../lib/config/rate-limit.js';
import { temporarilyUnavailable, upstreamError, upstreamThrottling, upstreamTimeout } from '../../lib/errors.js';
import { SubjectRateLimit } from '../../lib/limits/subject-rate-limit.js';
import { withRetries } from '../../lib/sts/retry.js';
import { problemVariables } from '../helpers/config-problems.js';

/** An attempt that fails with the given errors in turn, then succeeds; records the timeouts it was given. */
function scripted(errors: unknown[]) {
  const timeouts: number[] = [];
  return {
    timeouts,
    attempt: async (timeoutMs: number) => {
      timeouts.push(timeoutMs);
      const error = errors.shift();
      if (error) throw error;
      return 'ok';
    },
  };
}

const noSleep = { sleep: async () => undefined, random: () => 0.5 };

describe('withRetries', () => {
  it('retries 5xx and network errors, then succeeds', async () => {
    const call = scripted([temporarilyUnavailable('5xx'), temporarilyUnavailable('down')]);
    await expect(withRetries(call.attempt, { attemptTimeoutMs: 5000, budgetMs: () => 10_000, ...noSleep })).resolves.toBe('ok');
    expect(call.timeouts).toHaveLength(3);
  });

  it('gives up after 3 attempts with the last transient error (503 with Retry-After)', async () => {
    const call = scripted([temporarilyUnavailable('a'), temporarilyUnavailable('b'), temporarilyUnavailable('c'), temporarilyUnavailable('d')]);
    await expect(withRetries(call.attempt, { attemptTimeoutMs: 5000, budgetMs: () => 10_000, ...noSleep })).rejects.toMatchObject({
      status: 503,
      description: 'c',
      headers: { 'Retry-After': '1' },
    });
    expect(call.timeouts).toHaveLength(3);
  });

  it.each([
    ['throttling (the breaker backs off instead)', upstreamThrottling('STS', 'Throttling.Api')],
    ['a refusal by the open breaker', temporarilyUnavailable('paused', 1, { reason: 'sts_paused' })],
    ['an authorization refusal (502)', upstreamError('STS', 'NoPermission')],
    ['a timeout (504)', upstreamTimeout('STS')],
    ['an unexpected error', new Error('bug')],
  ])('never retries %s', async (_name, error) => {
    const call = scripted([error]);
    await expect(withRetries(call.attempt, { attemptTimeoutMs: 5000, budgetMs: () => 10_000, ...noSleep })).rejects.toBe(error);
    expect(call.timeouts).toHaveLength(1);
  });

  it('gives each attempt the smaller of its timeout and what is left, and stops when too little is left', async () => {
    let left = 1200;
    const call = scripted([temporarilyUnavailable('a'), temporarilyUnavailable('b')]);
    const attempt = async (timeoutMs: number) => {
      left -= 600; // each attempt spends 600 ms
      return call.attempt(timeoutMs);
    };
    // 1200 left: the first attempt gets it all; 600 left: the second gets 600; 0 left: no third.
    await expect(withRetries(attempt, { attemptTimeoutMs: 5000, budgetMs: () => left, ...noSleep })).rejects.toMatchObject({ description: 'b' });
    expect(call.timeouts).toEqual([1200, 600]);
  });

  it('backs off exponentially with full jitter, capped', async () => {
    const delays: number[] = [];
    const call = scripted([temporarilyUnavailable('a'), temporarilyUnavailable('b'), temporarilyUnavailable('c'), temporarilyUnavailable('d')]);
    await withRetries(
      call.attempt,
      { attemptTimeoutMs: 5000, budgetMs: () => 60_000, random: () => 0.999, sleep: async (ms) => void delays.push(ms) },
      { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 300 },
    );
    expect(delays).toEqual([99, 199, 299, 299]);
  });
});

describe('SubjectRateLimit', () => {
  it('allows perMinute requests at once, then refuses with the seconds until the next one', () => {
    let now = 0;
    const limit = new SubjectRateLimit({ perMinute: 3, now: () => now });
    expect([limit.take('a'), limit.take('a'), limit.take('a')]).toEqual([0, 0, 0]);
    expect(limit.take('a')).toBe(20);
    expect(limit.take('b')).toBe(0);
    now += 20_000;
    expect(limit.take('a')).toBe(0);
    expect(limit.take('a')).toBeGreaterThan(0);
  });

  it('forgets the least recently seen subjects beyond its bound, which is only ever lenient', () => {
    const limit = new SubjectRateLimit({ perMinute: 1, maxSubjects: 2, now: () => 0 });
    limit.take('a');
    limit.take('b');
    limit.take('c');
    expect(limit.take('a')).toBe(0);
    expect(limit.take('c')).toBeGreaterThan(0);
  });
});

describe('TOKEN_RATE_LIMIT', () => {
  it('is off when unset, a number of requests per minute when set', () => {
    expect(loadRateLimits({}).requests).toBeUndefined();
    expect(loadRateLimits({ TOKEN_RATE_LIMIT: '30' }).requests).toBe(30);
  });

  it.each(['0', '-1', 'ten', '1.5', '10000000', 'off'])('refuses %j, naming the variable', (value) => {
    expect(problemVariables(() => loadRateLimits({ TOKEN_RATE_LIMIT: value }))).toEqual(['TOKEN_RATE_LIMIT']);
  });
});

describe('TOKEN_STS_RATE_LIMIT', () => {
  it('is 10 new keys a minute when unset, the number when set, and off only when it says off', () => {
    expect(loadRateLimits({}).stsCalls).toBe(10);
    expect(loadRateLimits({ TOKEN_STS_RATE_LIMIT: '3' }).stsCalls).toBe(3);
    expect(loadRateLimits({ TOKEN_STS_RATE_LIMIT: ' 3 ' }).stsCalls).toBe(3);
    expect(loadRateLimits({ TOKEN_STS_RATE_LIMIT: 'off' }).stsCalls).toBeUndefined();
    expect(loadRateLimits({ TOKEN_STS_RATE_LIMIT: 'OFF' }).stsCalls).toBeUndefined();
  });

  it.each(['0', '-1', 'ten', '1.5', '10000000', 'none', 'false'])('refuses %j, naming the variable', (value) => {
    expect(problemVariables(() => loadRateLimits({ TOKEN_STS_RATE_LIMIT: value }))).toEqual(['TOKEN_STS_RATE_LIMIT']);
  });
});
