/**
 * Runs in every test file (vitest `setupFiles`): every console line goes through the secret guard as
 * well as to the console, and after every test the guard checks what it saw.
 */
import { afterEach } from 'vitest';
import { secretGuard } from '../helpers/secret-guard.js';

for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
  const original = console[method].bind(console);
  console[method] = (...args: unknown[]) => {
    secretGuard.log(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg) ?? String(arg))).join(' '));
    original(...args);
  };
}

afterEach(() => secretGuard.check());
