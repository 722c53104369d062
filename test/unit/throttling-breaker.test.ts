import { describe, expect, it } from 'vitest';
import { StsgateError, upstreamError, upstreamThrottling, upstreamTimeout } from '../../lib/errors.js';
import { ThrottlingBreaker } from '../../lib/sts/throttling-breaker.js';

/** A breaker on a hand-driven clock, and a count of the calls that actually ran. */
function setup() {
  let now = 1_000_000;
  const breaker = new ThrottlingBreaker({ now: () => now });
  let calls = 0;
  const run = (outcome: 'ok' | 'throttled' | Error) =>
    breaker.run(async () => {
      calls += 1;
      if (outcome === 'ok') return 'ok';
      throw outcome === 'throttled' ? upstreamThrottling('Aliyun STS', 'Throttling.Api') : outcome;
    });
  const refusal = async (outcome: Parameters<typeof run>[0] = 'ok') => {
    try {
      await run(outcome);
    } catch (error) {
      if (error instanceof StsgateError) return error;
      throw error;
    }
    throw new Error('expected a refusal');
  };
  return {
    breaker,
    run,
    refusal,
    calls: () => calls,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('ThrottlingBreaker', () => {
  it('lets calls through while STS does not throttle', async () => {
    const b = setup();
    for (let i = 0; i < 5; i++) await expect(b.run('ok')).resolves.toBe('ok');
    expect(b.calls()).toBe(5);
  });

  it('after one throttled answer, refuses at once for 1 s with 503 and Retry-After, without calling', async () => {
    const b = setup();
    const first = await b.refusal('throttled');
    expect(first).toMatchObject({ status: 503, code: 'temporarily_unavailable', reason: 'sts_throttled', upstreamCode: 'Throttling.Api', headers: { 'Retry-After': '1' } });
    for (let i = 0; i < 10; i++) {
      expect(await b.refusal('ok')).toMatchObject({ status: 503, code: 'temporarily_unavailable', reason: 'sts_paused', headers: { 'Retry-After': '1' } });
    }
    expect(() => b.breaker.throwIfPaused()).toThrow(StsgateError);
    expect(b.calls()).toBe(1);
    b.advance(999);
    await b.refusal('ok');
    expect(b.calls()).toBe(1);
  });

  it('when the time has passed, lets one probe through; a success closes it', async () => {
    const b = setup();
    await b.refusal('throttled');
    b.advance(1000);
    expect(() => b.breaker.throwIfPaused()).not.toThrow();
    await expect(b.run('ok')).resolves.toBe('ok');
    for (let i = 0; i < 5; i++) await expect(b.run('ok')).resolves.toBe('ok');
    expect(b.calls()).toBe(7);
  });

  it('refuses everyone else while the probe is out', async () => {
    const b = setup();
    await b.refusal('throttled');
    b.advance(1000);
    let release!: () => void;
    const probe = b.breaker.run(() => new Promise<string>((resolve) => (release = () => resolve('probe'))));
    expect(await b.refusal('ok')).toMatchObject({ reason: 'sts_paused', headers: { 'Retry-After': '1' } });
    release();
    await expect(probe).resolves.toBe('probe');
    await expect(b.run('ok')).resolves.toBe('ok');
  });

  it('doubles the pause while throttling continues, up to 30 s, and starts again from 1 s after a success', async () => {
    const b = setup();
    await b.refusal('throttled');
    const pauses: string[] = [];
    for (let i = 0; i < 7; i++) {
      b.advance(60_000);
      const probe = await b.refusal('throttled');
      pauses.push(probe.headers['Retry-After'] as string);
      expect((await b.refusal('ok')).headers['Retry-After']).toBe(probe.headers['Retry-After']);
    }
    expect(pauses).toEqual(['2', '4', '8', '16', '30', '30', '30']);
    b.advance(30_000);
    await b.run('ok');
    expect((await b.refusal('throttled')).headers['Retry-After']).toBe('1');
  });

  it('a probe that fails otherwise (a refusal, a timeout) is not throttling: the breaker closes', async () => {
    for (const failure of [upstreamError('Aliyun STS', 'NoPermission'), upstreamTimeout('Aliyun STS')]) {
      const b = setup();
      await b.refusal('throttled');
      b.advance(1000);
      expect(await b.refusal(failure)).toBe(failure);
      await expect(b.run('ok')).resolves.toBe('ok');
    }
  });

  it('a success of a call that started before the breaker opened does not close it', async () => {
    const b = setup();
    let release!: () => void;
    const early = b.breaker.run(() => new Promise<string>((resolve) => (release = () => resolve('early'))));
    await b.refusal('throttled');
    release();
    await expect(early).resolves.toBe('early');
    expect(await b.refusal('ok')).toMatchObject({ reason: 'sts_paused' });
  });
});
