import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Every test: no log line or response body may carry a secret (test/helpers/secret-guard.ts).
    setupFiles: ['test/setup/secret-guard.ts'],
    // Unpacks the bundled Chromium once, before the workers start (test/setup/chromium.ts).
    globalSetup: ['test/setup/chromium.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Child processes and loopback servers: keep parallelism modest on a 2-core machine.
    maxWorkers: 2,
  },
});
