/**
 * Structured JSON log lines on stdout, which FC, SCF and FunctionGraph all collect. Callers pass named
 * fields, never whole objects, so nothing reaches the log that was not chosen for it.
 *
 * @module
 */

export type LogLevel = 'info' | 'warn' | 'error';
export type LogFields = Readonly<Record<string, string | number | boolean | undefined | null | readonly string[]>>;

export interface Logger {
  log(level: LogLevel, message: string, fields?: LogFields): void;
}

export const consoleLogger: Logger = {
  log(level, message, fields = {}) {
    const line = JSON.stringify({ level, msg: message, time: new Date().toISOString(), ...fields });
    if (level === 'error') console.error(line);
    else console.log(line);
  },
};

/** Error details that are safe to log: class name, stable code and message, never the cause chain. */
export function errorFields(error: unknown): LogFields {
  if (!(error instanceof Error)) return { errorName: typeof error };
  const code = (error as { code?: unknown }).code;
  return {
    errorName: error.name,
    errorCode: typeof code === 'string' ? code : undefined,
    errorMessage: error.message.slice(0, 300),
  };
}
