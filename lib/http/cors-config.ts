/**
 * CORS_ALLOWED_ORIGINS: which web origins may call the token endpoint from a browser. Unset means no
 * CORS headers at all; `*` must be written explicitly and alone.
 *
 * @module
 */
import * as z from 'zod/mini';
import { commaList, type Env, readEnv } from '../config/env.js';

export type CorsConfig = { readonly anyOrigin: true } | { readonly anyOrigin: false; readonly origins: ReadonlySet<string> };

const origins = z.pipe(
  z.optional(z.string()),
  z.transform((value, ctx): CorsConfig | undefined => {
    if (value === undefined) return undefined;
    const items = commaList(value);
    if (items.includes('*')) {
      if (items.length === 1) return { anyOrigin: true };
      ctx.issues.push({ code: 'custom', input: value, message: '"*" cannot be combined with other origins' });
      return z.NEVER;
    }
    const bad = items.filter((item) => !isOrigin(item));
    if (bad.length > 0 || items.length === 0) {
      ctx.issues.push({ code: 'custom', input: value, message: 'must be "*" or comma-separated origins such as https://app.example.com' });
      return z.NEVER;
    }
    return { anyOrigin: false, origins: new Set(items) };
  }),
);

/** An origin is exactly scheme://host[:port], as a browser sends it in the Origin header. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}

export const loadCorsConfig = (env: Env): CorsConfig | undefined => readEnv(env, { CORS_ALLOWED_ORIGINS: origins }).CORS_ALLOWED_ORIGINS;
