/**
 * The lifecycle every emulator test file uses: a fresh emulator for each test, closed after it.
 */
import { afterEach, beforeEach } from 'vitest';

/**
 * Before each test, calls `reset` (for the file's clock, say) and starts an emulator with `start()`; closes it after
 * the test. `use` receives every emulator started, for the file's own variable. Returns `restart`, which replaces the
 * running test's emulator with `start(options)`.
 */
export function emulatorPerTest<Emulator extends { close(): Promise<void> }, Options>(
  start: (options?: Options) => Promise<Emulator>,
  use: (emulator: Emulator) => void,
  reset: () => void = () => {},
): (options: Options) => Promise<void> {
  let current: Emulator | undefined;
  const restart = async (options?: Options): Promise<void> => {
    await current?.close();
    current = await start(options);
    use(current);
  };
  beforeEach(() => {
    reset();
    return restart();
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return restart;
}
