/**
 * Issue 13, item 2: one signed-in subject must not be able to spend the account's STS quota, which every user
 * shares (Aliyun: 100 AssumeRole a second per account). The attack replayed against each cloud's built bundle
 * (`dist/<cloud>/index.js`, cold-started as the platform loads it) and its STS (IAM on Huawei) emulator, counting
 * the calls the emulator receives:
 * - 300 requests from one subject for distinct sub-prefixes, then for durations a few seconds apart;
 * - a well-behaved subject while another floods: served from cache, and still able to get new keys afterwards
 *   (the account quota is emulated: the emulator throttles everyone once it has answered 50 calls);
 * - STS throttling: the instance stops calling for a moment (503 with Retry-After at once), still serves cached
 *   keys, and calls again once the pause is over.
 */
import { describe, expect, it } from 'vitest';
import { bearer } from '../helpers/attack-cases.js';
import { type BundleHandler, logLineOf, requestLogLines, withJson } from '../helpers/bundle-harness.js';
import { CLOUDS, type Deployment, deploymentsForSuite, inject } from '../helpers/deployments.js';

/** The documented default of TOKEN_STS_RATE_LIMIT: new keys a minute per subject. */
const STS_LIMIT = 10;
const FLOOD = 300;
const WAVE = 50;

const suite = deploymentsForSuite();

async function send(d: Deployment, handler: BundleHandler, token: string, body = '') {
  d.beforeInvoke?.(false);
  return withJson(await handler(d.event(bearer(token), { body }), d.context()));
}

/** `count` requests in concurrent waves, as a script hammering the endpoint sends them; `between` runs after each wave. */
async function inWaves<T>(count: number, request: (i: number) => Promise<T>, between: () => Promise<void> = async () => undefined): Promise<T[]> {
  const results: T[] = [];
  for (let start = 0; start < count; start += WAVE) {
    results.push(...(await Promise.all(Array.from({ length: Math.min(WAVE, count - start) }, (_, k) => request(start + k)))));
    await between();
  }
  return results;
}

const lifetime = (json: Record<string, unknown> | undefined) => Number(json?.expiredTime) - Number(json?.startTime);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(CLOUDS)('%s: one subject cannot spend the account’s STS quota', (name) => {
  const d = () => suite.deployments().byName(name);

  it(`${FLOOD} requests for distinct sub-prefixes make at most the per-subject limit of STS calls; the rest get 429`, async () => {
    const handler = d().start();
    const token = await d().idp.mint({ sub: 'mallory' });
    const before = d().upstream.requestCount();
    const started = Date.now();
    const responses = await inWaves(FLOOD, (i) => send(d(), handler, token, JSON.stringify({ prefix: `users/mallory/b${i}/` })));
    const calls = d().upstream.requestCount() - before;
    console.info(`${name}: ${FLOOD} requests for distinct sub-prefixes from one subject → ${calls} STS calls`);

    // The subject's allowance refills at 10 a minute: one more call for every 6 s the flood took.
    expect(calls).toBeLessThanOrEqual(STS_LIMIT + Math.floor((Date.now() - started) / 6000));
    const issued = responses.filter((r) => r.statusCode === 200);
    expect(issued).toHaveLength(calls);
    const refused = responses.filter((r) => r.statusCode !== 200);
    expect(refused.length).toBeGreaterThanOrEqual(FLOOD - calls);
    for (const r of refused) {
      expect(r.statusCode).toBe(429);
      expect(r.json?.error).toBe('rate_limited');
      expect(Number(r.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
    }
    // What counts is said plainly, so a developer narrowing per folder understands the refusal.
    expect(String(refused[0]?.json?.error_description)).toMatch(/too many new keys for this subject: each distinct prefix, actions and duration needs new keys, and at most 10 are issued a minute/);
    expect(logLineOf(suite.lines(), refused[0]!)).toMatchObject({ status: 429, error: 'rate_limited', reason: 'new_key_limit', subject: 'mallory' });

    // A request already answered is served from cache and is not refused by that limit: the last one issued
    // (the subject's older entries made room for its newer ones, within its own share of the cache).
    const lastIssued = requestLogLines(suite.lines()).filter((l) => l.provider === name && l.subject === 'mallory' && l.status === 200).at(-1);
    const index = responses.findIndex((r) => r.headers['X-Request-Id'] === lastIssued?.requestId);
    const again = await send(d(), handler, token, JSON.stringify({ prefix: `users/mallory/b${index}/` }));
    expect(again.statusCode).toBe(200);
    expect(again.json?.accessKeyId).toBe(responses[index]?.json?.accessKeyId);
    expect(logLineOf(suite.lines(), again)).toMatchObject({ cache: 'hit' });
  });

  it(`${FLOOD} requests for durations 9 s apart make one STS call per duration step, and each gets at least what it asked`, async () => {
    const handler = d().start({ ...d().env, TOKEN_DURATION_SECONDS: '3600' });
    const token = await d().idp.mint({ sub: 'mallory-d' });
    const before = d().upstream.requestCount();
    const asked = (i: number) => 900 + i * 9; // 900 … 3591
    const responses = await inWaves(FLOOD, (i) => send(d(), handler, token, JSON.stringify({ durationSeconds: asked(i) })));
    const calls = d().upstream.requestCount() - before;
    console.info(`${name}: ${FLOOD} requests for distinct durations from one subject → ${calls} STS calls`);

    // Rounded up to 900, 1800 or 3600: three scopes, so three calls, and nobody is refused.
    expect(calls).toBe(3);
    expect(responses.every((r) => r.statusCode === 200)).toBe(true);
    responses.forEach((r, i) => {
      const step = [900, 1800, 3600].find((s) => s >= asked(i))!;
      expect(lifetime(r.json)).toBeGreaterThanOrEqual(step - 1);
      expect(lifetime(r.json)).toBeLessThanOrEqual(step + 1);
    });
  });

  it('a well-behaved subject keeps being served from cache while another floods, and the account quota is left for it', async () => {
    const QUOTA = 50;
    const handler = d().start();
    const alice = await d().idp.mint({ sub: 'alice' });
    const mallory = await d().idp.mint({ sub: 'mallory-2' });
    const first = await send(d(), handler, alice);
    expect(first.statusCode).toBe(200);
    const before = d().upstream.requestCount();

    const aliceRepeats: Awaited<ReturnType<typeof send>>[] = [];
    await inWaves(
      FLOOD,
      (i) => send(d(), handler, mallory, JSON.stringify({ prefix: `users/mallory-2/f${i}/` })),
      async () => {
        // The account's quota, emulated: once spent, STS throttles every caller of the account.
        if (d().upstream.requestCount() - before >= QUOTA) inject(d(), d().faults.throttling, true);
        aliceRepeats.push(await send(d(), handler, alice));
      },
    );

    for (const r of aliceRepeats) {
      expect(r.statusCode).toBe(200);
      expect(r.json?.accessKeyId).toBe(first.json?.accessKeyId);
      expect(logLineOf(suite.lines(), r)).toMatchObject({ subject: 'alice', cache: 'hit' });
    }
    // The flood spent little of the quota, so alice can still get keys she has not asked for before.
    const fresh = await send(d(), handler, alice, JSON.stringify({ prefix: 'users/alice/photos/' }));
    expect(fresh.statusCode).toBe(200);
    expect(logLineOf(suite.lines(), fresh)).toMatchObject({ subject: 'alice', cache: 'miss' });
  });

  it('STS throttling: one call, then 503 with Retry-After at once and no call while the pause lasts; cached keys still served; calls again after', async () => {
    const handler = d().start();
    const alice = await d().idp.mint({ sub: 'alice' });
    const cached = await send(d(), handler, alice);
    expect(cached.statusCode).toBe(200);

    inject(d(), d().faults.throttling, true);
    const before = d().upstream.requestCount();
    const throttled = await send(d(), handler, await d().idp.mint({ sub: 'bob' }));
    const throttledAt = Date.now();
    expect(throttled.statusCode).toBe(503);
    expect(throttled.json?.error).toBe('temporarily_unavailable');
    expect(throttled.headers['Retry-After']).toBe('1');
    expect(d().upstream.requestCount() - before).toBe(1); // not retried
    expect(logLineOf(suite.lines(), throttled)).toMatchObject({ reason: 'sts_throttled' });

    // Everyone else who needs a call is answered at once, without one.
    const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => d().idp.mint({ sub: `user${i}` })));
    const paused = await Promise.all(tokens.map((token) => send(d(), handler, token)));
    const pausedCalls = d().upstream.requestCount() - before - 1;
    for (const r of paused) {
      expect(r.statusCode).toBe(503);
      expect(r.json?.error).toBe('temporarily_unavailable');
      expect(Number(r.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
    }
    // Within the 1 s pause no call at all; only a machine stalled past it may have let one probe through.
    if (Date.now() - throttledAt < 1000) expect(pausedCalls).toBe(0);
    else expect(pausedCalls).toBeLessThanOrEqual(1);
    expect(paused.some((r) => logLineOf(suite.lines(), r)?.reason === 'sts_paused')).toBe(true);

    // Cached keys need no call: still served.
    const hit = await send(d(), handler, alice);
    expect(hit.statusCode).toBe(200);
    expect(hit.json?.accessKeyId).toBe(cached.json?.accessKeyId);

    // STS recovers; once the pause is over, one call goes through and closes the breaker.
    d().upstream.clearFaults();
    const wait = Math.max(...[throttled, ...paused].map((r) => Number(r.headers['Retry-After'])));
    await sleep(wait * 1000 + 100);
    const callsBefore = d().upstream.requestCount();
    expect((await send(d(), handler, await d().idp.mint({ sub: 'carol' }))).statusCode).toBe(200);
    expect((await send(d(), handler, await d().idp.mint({ sub: 'dave' }))).statusCode).toBe(200);
    expect(d().upstream.requestCount() - callsBefore).toBe(2);
  });
});
