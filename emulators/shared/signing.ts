/**
 * Building blocks the signature verifiers of the emulators have in common. Each verifier (ACS3, TC3,
 * SDK-HMAC-SHA256) stays in its emulator, written from its cloud's published algorithm; what is here is what the
 * three algorithms define alike: hashing, comparison, RFC 3986 encoding, the `name=value, …` list of the
 * Authorization header and its SignedHeaders, and the layout of the canonical request. How each part of a request is
 * canonicalised, the string to sign and the key stay with the cloud.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Hashing first gives equal-length inputs, so neither content nor length of the secret-derived value leaks. */
export function constantTimeEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** RFC 3986 percent-encoding over UTF-8 bytes: only `A-Z a-z 0-9 - _ . ~` stay literal, hex digits are uppercase. */
export function rfc3986Encode(value: string): string {
  let encoded = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    encoded += isUnreserved(byte) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

function isUnreserved(byte: number): boolean {
  const isAlpha = (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a);
  const isDigit = byte >= 0x30 && byte <= 0x39;
  return isAlpha || isDigit || byte === 0x2d || byte === 0x2e || byte === 0x5f || byte === 0x7e;
}

/** A request target as received, split at the first `?` into the raw path and the raw query (without `?`). */
export function splitTarget(url: string): { path: string; query: string } {
  const mark = url.indexOf('?');
  return mark === -1 ? { path: url, query: '' } : { path: url.slice(0, mark), query: url.slice(mark + 1) };
}

/**
 * The `Name=value` elements after the algorithm of an Authorization header, separated by commas with optional spaces:
 * only `names` may appear, each once. Returns what is wrong instead when that is not so.
 */
export function parseAuthorizationFields(text: string, names: readonly string[]): Record<string, string> | string {
  const fields: Record<string, string> = {};
  for (const part of text.split(',')) {
    const equals = part.indexOf('=');
    const key = part.slice(0, equals).trim();
    if (equals === -1 || !names.includes(key)) return `unexpected Authorization element "${part.trim()}"`;
    if (Object.hasOwn(fields, key)) return `duplicate Authorization element ${key}`;
    fields[key] = part.slice(equals + 1).trim();
  }
  return fields;
}

/**
 * All three algorithms build SignedHeaders from lowercase header names in ascending order, so a list of any other
 * shape was not built per the spec; returns what is wrong with it, or undefined.
 */
export function signedHeaderListProblem(names: readonly string[]): string | undefined {
  for (const [index, name] of names.entries()) {
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) return `SignedHeaders entry "${name}" is not a lowercase header name`;
    const previous = names[index - 1];
    if (previous !== undefined && previous >= name) return 'SignedHeaders must be sorted and without duplicates';
  }
  return undefined;
}

export interface CanonicalRequestInput {
  method: string;
  /** Request target exactly as received, e.g. `/` or `/v1/x/vpcs?limit=2`. */
  url: string;
  /** Received headers by lowercase name. */
  headers: Readonly<Record<string, string | undefined>>;
  /** Lowercase names from the Authorization header's SignedHeaders, in the order given there. */
  signedHeaders: readonly string[];
  /** The payload hash the algorithm signs (the cloud decides whose: the body's, or the one the request declares). */
  hashedPayload: string;
}

/** How a cloud's algorithm canonicalises each part of the request as received. */
export interface CanonicalizationRules {
  method(received: string): string;
  uri(rawPath: string): string;
  query(rawQuery: string): string;
  headerValue(received: string): string;
}

/**
 * The canonical request layout that ACS3, TC3 and SDK-HMAC-SHA256 all define alike: `Method \n URI \n Query \n
 * CanonicalHeaders \n SignedHeaders \n HashedPayload`, where CanonicalHeaders is one `name:value\n` line per signed
 * header. How each part is canonicalised is the cloud's, given as `rules`. Throws if a signed header is absent
 * (callers check that beforehand), and whatever the rules throw.
 */
export function canonicalRequest(input: CanonicalRequestInput, rules: CanonicalizationRules): string {
  const { path, query } = splitTarget(input.url);
  const canonicalHeaders = input.signedHeaders.map((name) => {
    const value = input.headers[name];
    if (value === undefined) throw new Error(`signed header ${name} is absent`);
    return `${name}:${rules.headerValue(value)}\n`;
  });
  return [
    rules.method(input.method),
    rules.uri(path),
    rules.query(query),
    canonicalHeaders.join(''),
    input.signedHeaders.join(';'),
    input.hashedPayload,
  ].join('\n');
}
