/**
 * What every route's JSON body shares: it must be a JSON object, and a schema's first problem becomes
 * one 400 that names the field. Field names come from the caller, so an unknown one is echoed briefly, a
 * few at most, and never a whole oversized body.
 *
 * @module
 */
import * as z from 'zod/mini';
import { invalidRequest } from './errors.js';

/** `body` as a JSON object; `example` completes "must be a JSON object such as …" for anything else. */
export function jsonObjectBody(body: string, example: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw invalidRequest('the request body is not valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw invalidRequest(`the request body must be a JSON object such as ${example}`);
  return json as Record<string, unknown>;
}

/** Parses `json` with `schema` (a strict object whose messages name their field); the first problem is a 400. */
export function parsedBody<S extends z.ZodMiniObject>(schema: S, json: Record<string, unknown>): z.output<S> {
  const result = z.safeParse(schema, json);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    const named = issue.keys
      .slice(0, 3)
      .map((k) => JSON.stringify(k.length > 40 ? `${k.slice(0, 40)}…` : k))
      .join(', ');
    throw invalidRequest(`unknown field ${named}${issue.keys.length > 3 ? ', …' : ''} in the request body (allowed: ${Object.keys(schema.shape).join(', ')})`);
  }
  throw invalidRequest(issue?.message ?? 'the request body is not valid');
}
