/**
 * Endpoint values: a bare host (`sts.cn-hangzhou.aliyuncs.com`) or a full URL. TLS is required except
 * for loopback hosts, which is what lets tests and the local token service use plain-HTTP emulators
 * without ever allowing cleartext to a real network address.
 *
 * @module
 */

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
