/**
 * Captures every log line a function writes, and checks that none of them (and no response body)
 * contains a secret: a configured secret, a JWT, an issued key or token, or the role's credentials.
 */
import { expect } from 'vitest';
import type { Logger, LogLevel } from '../../lib/log.js';
import { secretGuard } from './secret-guard.js';

export interface CapturedLine {
  level: LogLevel;
  message: string;
  fields: Record<string, unknown>;
  text: string;
}

export function captureLogs(): Logger & { lines: CapturedLine[]; requests(): Record<string, unknown>[] } {
  const lines: CapturedLine[] = [];
  return {
    lines,
    log(level, message, fields = {}) {
      const text = JSON.stringify({ level, msg: message, ...fields });
      lines.push({ level, message, fields: { ...fields }, text });
      secretGuard.log(text);
    },
    requests: () => lines.filter((l) => l.message === 'request').map((l) => l.fields),
  };
}

/** Fails when any secret appears in any text. Secrets shorter than 8 characters would match by chance. */
export function expectNoSecrets(texts: readonly string[], secrets: readonly (string | undefined)[]): void {
  const real = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 8);
  for (const text of texts) {
    // One assertion per text, not per (text, secret) pair: a suite-wide check over thousands of lines and
    // issued keys must stay cheap on a loaded machine.
    expect(real.some((secret) => text.includes(secret)), `a secret leaked into: ${text.slice(0, 200)}`).toBe(false);
    // Anything shaped like a JWT (three base64url parts, header starting with {"): never logged or echoed.
    expect(/eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/.test(text), `a JWT leaked into: ${text.slice(0, 200)}`).toBe(false);
  }
}
