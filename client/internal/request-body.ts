/**
 * One canonical form per token request, used both as the cache key and as the body sent: requests that
 * mean the same thing (`['put','get']` and `['get','put','get']`) share credentials and one network call.
 *
 * @module
 */
import type { TokenRequest } from '../types.js';

export interface CanonicalRequest {
  /** Equal for equivalent requests; `''` for "no body" (the whole grant). */
  readonly key: string;
  /** The JSON body to send, or undefined when there is nothing to narrow. */
  readonly body: string | undefined;
}

/** Throws a TypeError naming the offending field (never its value) when `request` is not a TokenRequest. */
export function canonicalRequest(request: TokenRequest | undefined): CanonicalRequest {
  if (request === undefined) return { key: '', body: undefined };
  if (typeof request !== 'object' || request === null || Array.isArray(request)) throw new TypeError('request must be an object');

  const fields: Record<string, unknown> = {};
  // Unknown fields are kept, not dropped: the endpoint answers them with 400, which is better than
  // silently asking for a wider grant than the caller meant.
  for (const name of Object.keys(request).sort()) {
    const value: unknown = (request as Record<string, unknown>)[name];
    if (value !== undefined) fields[name] = value;
  }
  for (const list of ['actions', 'rules'] as const) {
    if (fields[list] === undefined) continue;
    if (!Array.isArray(fields[list]) || !fields[list].every((item) => typeof item === 'string')) {
      throw new TypeError(`request.${list} must be an array of strings`);
    }
    fields[list] = [...new Set(fields[list] as string[])].sort();
  }
  if (fields.prefix !== undefined && typeof fields.prefix !== 'string') throw new TypeError('request.prefix must be a string');
  if (fields.durationSeconds !== undefined && (typeof fields.durationSeconds !== 'number' || !Number.isFinite(fields.durationSeconds))) {
    throw new TypeError('request.durationSeconds must be a finite number');
  }

  if (Object.keys(fields).length === 0) return { key: '', body: undefined };
  const body = JSON.stringify(fields);
  return { key: body, body };
}
