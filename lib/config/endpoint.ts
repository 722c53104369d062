/**
 * Endpoint values: a bare host (`sts.cn-hangzhou.aliyuncs.com`) or a full URL. TLS is required except
 * for loopback hosts, which is what lets tests and the local token service use plain-HTTP emulators
 * without ever allowing cleartext to a real network address.
 *
 * @module
 */
import * as z from 'zod/mini';

const LOOPBACK_HOSTNAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

export const isLoopbackUrl = (url: URL): boolean => LOOPBACK_HOSTNAMES.has(url.hostname);

/** Returns the parsed URL, or a message saying what is wrong with the value (never echoing it). */
export function parseEndpoint(value: string): URL | string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return 'must be a host name or an https:// URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an https:// URL';
  if (url.protocol === 'http:' && !isLoopbackUrl(url)) {
    return 'must use https:// (plain http:// is allowed only for 127.0.0.1, localhost and ::1)';
  }
  if (url.username || url.password) return 'must not contain credentials';
  if (url.hash) return 'must not contain a fragment';
  return url;
}

/** An optional endpoint variable for an API service: host or URL, TLS unless loopback, no query string. */
export const optionalServiceEndpoint = () =>
  z.pipe(
    z.optional(z.string()),
    z.transform((value, ctx): URL | undefined => {
      if (value === undefined) return undefined;
      const url = parseEndpoint(value);
      const problem = typeof url === 'string' ? url : url.search ? 'must not contain a query string' : undefined;
      if (problem || typeof url === 'string') {
        ctx.issues.push({ code: 'custom', input: value, message: problem ?? 'is invalid' });
        return z.NEVER;
      }
      return url;
    }),
  );
