/**
 * Reading a request's query string the way the storage services sign it: each `name=value` pair decoded,
 * in the order sent.
 *
 * @module
 */

/**
 * A raw query string as decoded name/value pairs, in order. `+` is kept as a plus sign: the SDKs
 * percent-encode spaces, and the services sign the decoded value.
 */
export function decodedQuery(query: string): [string, string][] {
  return query
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const equals = pair.indexOf('=');
      const [name, value] = equals === -1 ? [pair, ''] : [pair.slice(0, equals), pair.slice(equals + 1)];
      return [safeDecode(name), safeDecode(value)];
    });
}

/** A malformed escape stays as written, so the signature check fails instead of the server. */
export function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
