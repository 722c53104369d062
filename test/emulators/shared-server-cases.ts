/**
 * Delays, hung requests, `close()` and the loopback listener: behaviour every emulator takes from
 * emulators/shared/emulator-server.ts, checked through each emulator's public API. Call inside a describe block; the
 * tests are registered there.
 */
import { expect, it } from 'vitest';

/** The part of every emulator's public API these tests drive. */
interface ClosableEmulator {
  readonly url: string;
  readonly host: string;
  readonly calls: readonly unknown[];
  injectFault(fault: { kind: 'hang' } | { kind: 'delay'; ms: number }): void;
  requestCount(): number;
  close(): Promise<void>;
}

/**
 * `current` returns the emulator of the running test (a new one is started for each); `succeeds` sends it a valid
 * request and checks that it was answered normally, `refused` sends an invalid one and checks the refusal.
 */
export function delayCases(current: () => ClosableEmulator, succeeds: () => Promise<void>, refused: () => Promise<void>): void {
  it('delay: answers normally after the delay', async () => {
    current().injectFault({ kind: 'delay', ms: 250 });
    const started = performance.now();
    await succeeds();
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
    expect(current().calls).toHaveLength(1);
  });

  it('delay: still validates the delayed request', async () => {
    current().injectFault({ kind: 'delay', ms: 10 });
    await refused();
  });
}

/**
 * `restartOn` closes the current emulator and starts the test's emulator again on `port` (it becomes `current`);
 * `succeeds` sends a valid request to the current emulator and checks that it was answered normally.
 */
export function listenerCases(current: () => ClosableEmulator, restartOn: (port: number) => Promise<void>, succeeds: () => Promise<void>): void {
  it('exposes url and host of the loopback listener', () => {
    expect(current().host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(current().url).toBe(`http://${current().host}`);
  });

  it('listens on a requested port', async () => {
    const port = Number(current().host.split(':')[1]);
    await restartOn(port);
    expect(current().host).toBe(`127.0.0.1:${port}`);
    await succeeds();
  });
}

/**
 * `current` returns the emulator of the running test (a new one is started for each); `assumeRole` sends it a valid
 * request.
 */
export function closeCases(current: () => ClosableEmulator, assumeRole: () => Promise<unknown>): void {
  it('hang: never answers, and close() ends the request', async () => {
    const emulator = current();
    emulator.injectFault({ kind: 'hang' });
    const outcome = outcomeOf(assumeRole());
    await waitFor(() => emulator.requestCount() === 1);
    const early = await Promise.race([outcome, new Promise((resolve) => setTimeout(() => resolve('still pending'), 200))]);
    expect(early).toBe('still pending');

    await expectCloseToEnd(emulator, outcome);
  });

  it('close() also ends a request waiting in a delay', async () => {
    const emulator = current();
    emulator.injectFault({ kind: 'delay', ms: 60_000 });
    const outcome = outcomeOf(assumeRole());
    await waitFor(() => emulator.requestCount() === 1);
    await expectCloseToEnd(emulator, outcome);
  });

  it('close() is idempotent', async () => {
    const emulator = current();
    await Promise.all([emulator.close(), emulator.close()]);
    await emulator.close();
  });
}

/** close() must return promptly, not wait for the pending request, and the client must see its connection dropped. */
async function expectCloseToEnd(emulator: ClosableEmulator, outcome: Promise<string>): Promise<void> {
  const closing = performance.now();
  await emulator.close();
  expect(performance.now() - closing).toBeLessThan(1000);
  expect(await outcome).toBe('ECONNRESET');
}

/** `'answered'`, or the error code the request failed with. */
function outcomeOf(request: Promise<unknown>): Promise<string> {
  return request.then(
    () => 'answered',
    (error: NodeJS.ErrnoException) => error.code ?? error.message,
  );
}

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
