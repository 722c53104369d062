/**
 * Expiring role credentials (metadata service, credentials URI) are kept until shortly before expiry,
 * refreshed once for any number of concurrent callers, kept when a refresh fails while they are still
 * valid, and never used once expired.
 */
import { describe, expect, it } from 'vitest';
import { credentialChain } from '../../lib/credentials/chain.js';
import { DEFAULT_REFRESH_MARGIN_MS, refreshBeforeExpiry } from '../../lib/credentials/refresh-before-expiry.js';
import type { CredentialSource, RoleCredentials } from '../../lib/credentials/types.js';
import type { Invocation } from '../../lib/invocation.js';
import { captureLogs, expectNoSecrets } from '../helpers/log-capture.js';

const MINUTE = 60_000;
const invocation: Invocation = { requestId: 'r', remainingMs: () => 10_000, env: {} };

/** A source whose every fetch is counted and whose answers the test scripts, one per call. */
function scriptedSource(clock: { now: number }) {
  let calls = 0;
  let next: (n: number) => Promise<RoleCredentials | undefined> = async (n) => keys(n, clock.now + 60 * MINUTE);
  const source: CredentialSource = {
    name: 'scripted',
    resolve: async () => {
      calls += 1;
      return next(calls);
    },
  };
  return {
    source,
    calls: () => calls,
    answer: (fn: typeof next) => {
      next = fn;
    },
  };
}

const keys = (n: number, expiresAt?: number): RoleCredentials => ({
  accessKeyId: `AK-${n}`,
  accessKeySecret: `secret-value-number-${n}`,
  securityToken: `security-token-number-${n}`,
  ...(expiresAt === undefined ? {} : { expiresAt: new Date(expiresAt) }),
});

describe('refreshBeforeExpiry', () => {
  it('reuses credentials until the margin before expiry, without calling the source', async () => {
    const clock = { now: Date.parse('2026-11-22T00:00:00Z') };
    const scripted = scriptedSource(clock);
    const source = refreshBeforeExpiry(scripted.source, { now: () => clock.now });
    const logger = captureLogs();
    expect((await source.resolve(invocation, logger))?.accessKeyId).toBe('AK-1');
    clock.now += 60 * MINUTE - DEFAULT_REFRESH_MARGIN_MS - 1;
    expect((await source.resolve(invocation, logger))?.accessKeyId).toBe('AK-1');
    expect(scripted.calls()).toBe(1);
    clock.now += 1;
    expect((await source.resolve(invocation, logger))?.accessKeyId).toBe('AK-2');
    expect(scripted.calls()).toBe(2);
  });

  it('uses a margin of minutes', () => {
    expect(DEFAULT_REFRESH_MARGIN_MS).toBeGreaterThanOrEqual(2 * MINUTE);
  });

  it('refreshes credentials near expiry once for 50 concurrent callers', async () => {
    const clock = { now: Date.parse('2026-11-22T00:00:00Z') };
    const scripted = scriptedSource(clock);
    const source = refreshBeforeExpiry(scripted.source, { now: () => clock.now });
    const logger = captureLogs();
    await source.resolve(invocation, logger);
    clock.now += 58 * MINUTE; // inside the margin, still valid
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    scripted.answer(async (n) => {
      await gate;
      return keys(n, clock.now + 60 * MINUTE);
    });
    const pending = Array.from({ length: 50 }, () => source.resolve(invocation, logger));
    release();
    const results = await Promise.all(pending);
    expect(scripted.calls()).toBe(2);
    expect(new Set(results.map((r) => r?.accessKeyId))).toEqual(new Set(['AK-2']));
  });

  it('keeps serving valid credentials when a refresh fails, with a warning that carries no secret', async () => {
    const clock = { now: Date.parse('2026-11-22T00:00:00Z') };
    const scripted = scriptedSource(clock);
    const source = refreshBeforeExpiry(scripted.source, { now: () => clock.now });
    const logger = captureLogs();
    await source.resolve(invocation, logger);
    clock.now += 57 * MINUTE;
    scripted.answer(async () => {
      throw new Error('metadata service did not answer in time');
    });
    const results = await Promise.all(Array.from({ length: 10 }, () => source.resolve(invocation, logger)));
    expect(results.every((r) => r?.accessKeyId === 'AK-1')).toBe(true);
    expect(scripted.calls()).toBe(2);
    const warning = logger.lines.find((l) => l.level === 'warn');
    expect(warning?.message).toMatch(/refresh failed/);
    expect(warning?.fields).toMatchObject({ source: 'scripted', errorMessage: 'metadata service did not answer in time' });
    expectNoSecrets(logger.lines.map((l) => l.text), ['secret-value-number-1', 'security-token-number-1']);

    // The next caller tries again, and a successful refresh replaces the old keys.
    scripted.answer(async (n) => keys(n, clock.now + 60 * MINUTE));
    expect((await source.resolve(invocation, logger))?.accessKeyId).toBe('AK-3');
  });

  it('never uses expired credentials: a failed refresh after expiry fails', async () => {
    const clock = { now: Date.parse('2026-11-22T00:00:00Z') };
    const scripted = scriptedSource(clock);
    const source = refreshBeforeExpiry(scripted.source, { now: () => clock.now });
    const logger = captureLogs();
    await source.resolve(invocation, logger);
    clock.now += 60 * MINUTE; // exactly at expiry
    scripted.answer(async () => {
      throw new Error('metadata service is down');
    });
    await expect(source.resolve(invocation, logger)).rejects.toThrow('metadata service is down');
    await expect(source.resolve(invocation, logger)).rejects.toThrow('metadata service is down');
  });

  it('refuses credentials that arrive already expired', async () => {
    const clock = { now: Date.parse('2026-11-22T00:00:00Z') };
    const scripted = scriptedSource(clock);
    scripted.answer(async (n) => keys(n, clock.now - 1));
    const source = refreshBeforeExpiry(scripted.source, { now: () => clock.now });
    await expect(source.resolve(invocation, captureLogs())).rejects.toThrow(/already expired/);
  });

  it('reads a source without expiry on every call, and passes "nothing" through', async () => {
    const clock = { now: Date.parse('2026-11-22T00:00:00Z') };
    const scripted = scriptedSource(clock);
    scripted.answer(async (n) => (n === 3 ? undefined : keys(n)));
    const source = refreshBeforeExpiry(scripted.source, { now: () => clock.now });
    const logger = captureLogs();
    expect((await source.resolve(invocation, logger))?.accessKeyId).toBe('AK-1');
    expect((await source.resolve(invocation, logger))?.accessKeyId).toBe('AK-2');
    expect(await source.resolve(invocation, logger)).toBeUndefined();
    expect(scripted.calls()).toBe(3);
  });

  it('in a chain: an expired source ends in 500 and a log naming every source tried', async () => {
    const clock = { now: Date.parse('2026-11-22T00:00:00Z') };
    const scripted = scriptedSource(clock);
    scripted.answer(async () => {
      throw new Error('could not be reached');
    });
    const logger = captureLogs();
    const resolve = credentialChain(
      [{ name: 'environment', resolve: async () => undefined }, refreshBeforeExpiry(scripted.source, { now: () => clock.now })],
      logger,
    );
    await expect(resolve(invocation)).rejects.toMatchObject({ status: 500, code: 'server_error' });
    expect(logger.lines.at(-1)?.fields.tried).toEqual(['environment: nothing configured', 'scripted: could not be reached']);
  });
});
