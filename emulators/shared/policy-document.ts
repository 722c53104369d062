/**
 * Walking a session policy's JSON text: the part the emulators' policy grammars have in common. What each cloud's
 * grammar allows (the version, element names and their case, what a statement may say) stays in its emulator.
 */
import { isPlainObject } from './json-body.js';

/** The document a policy text holds, or what keeps it from being one (`not JSON`, `not a JSON object`). */
export function parsePolicyDocument(text: string): Record<string, unknown> | string {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  return isPlainObject(document) ? document : 'not a JSON object';
}

/**
 * What is wrong with a document's statement list, the non-empty array under `key` (`Statement`, or `statement` in
 * CAM's lower-case grammar), or undefined. A statement's problem is reported as `<key>[<index>]: <problem>`.
 */
export function statementListProblem(
  document: Record<string, unknown>,
  key: string,
  statementProblem: (statement: unknown) => string | undefined,
): string | undefined {
  const statements = document[key];
  if (!Array.isArray(statements) || statements.length === 0) return `${key} must be a non-empty array`;
  for (const [index, statement] of statements.entries()) {
    const problem = statementProblem(statement);
    if (problem !== undefined) return `${key}[${index}]: ${problem}`;
  }
  return undefined;
}

/** A non-empty string, or a non-empty list of non-empty strings. */
export function isStringOrStringList(value: unknown): boolean {
  if (typeof value === 'string') return value !== '';
  return Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string' && item !== '');
}
