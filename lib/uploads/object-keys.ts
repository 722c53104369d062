/**
 * Object keys on the signing routes: the key the server picks for an upload, and the check every key a
 * caller names (an upload's `key`, a download's `key`) passes before it is compared with the grants.
 *
 * A picked key is `<granted prefix><16 hex digits>-<sanitised file name>`: the random part keeps users from
 * overwriting each other's files, or their own earlier ones, by uploading under the same name; the name
 * keeps the key readable and its extension, which browsers and CDNs go by.
 *
 * A named key is checked as a path, like a requested prefix: no leading `/`, no empty, `.` or `..`
 * segments (browsers resolve them, even percent-encoded, and would send the request for another key), no
 * trailing `/` (that is a folder). Its characters are letters and digits of any script, spaces and a few
 * punctuation marks: never a control or formatting character (a bidirectional override would make a key
 * display as another), never `\` (WHATWG URL parsers read it as `/`), nor `%`, `?`, `#`, `*` or quotes.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';

/** What a named key may contain: `/`-separated segments of these. */
const KEY_CHARACTERS = /^[\p{L}\p{M}\p{N} _.~!$&'()+,;=@/-]+$/u;
export const MAX_KEY_LENGTH = 1024;

/** What a file name keeps; every other character becomes `_`. */
const NAME_CHARACTER = /^[\p{L}\p{M}\p{N}_.-]$/u;
/** An extension worth keeping: a dot and 1 to 16 letters or digits. */
const EXTENSION = /^\.[\p{L}\p{N}]{1,16}$/u;
/** The longest sanitised name, in UTF-8 bytes: short enough that prefix + id + name fits every cloud's key limit. */
export const MAX_NAME_BYTES = 128;
const RANDOM_ID_BYTES = 8;

/** Why `key` cannot be signed for, or undefined when it can. Never quotes the key. */
export function objectKeyProblem(key: string): string | undefined {
  if (key.length === 0) return 'must not be empty';
  if (key.length > MAX_KEY_LENGTH) return `must be at most ${MAX_KEY_LENGTH} characters`;
  if (!KEY_CHARACTERS.test(key)) return `may contain only letters, digits, spaces and "_.~!$&'()+,;=@-", in segments separated by "/"`;
  if (key.endsWith('/')) return 'must name an object, not a folder ending in "/"';
  if (key.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    return 'must be a relative path without empty, "." or ".." segments';
  }
  return undefined;
}

/**
 * The last part of a file name as a key may hold it: NFC, only letters, digits (any script), `.`, `_` and
 * `-`, runs of anything else as one `_`, no dot runs, no leading or trailing punctuation, at most
 * {@link MAX_NAME_BYTES} bytes with the extension kept; `file` when nothing is left.
 */
export function sanitisedFilename(filename: string): string {
  const last = filename.normalize('NFC').split(/[/\\]/).pop() ?? '';
  const safe = Array.from(last, (ch) => (NAME_CHARACTER.test(ch) ? ch : '_'))
    .join('')
    .replace(/_+/g, '_')
    .replace(/\.{2,}/g, '.')
    .replace(/^[._-]+|[._-]+$/g, '');
  const dot = safe.lastIndexOf('.');
  const extension = dot > 0 && EXTENSION.test(safe.slice(dot)) ? safe.slice(dot) : '';
  const stem = truncateUtf8(extension ? safe.slice(0, dot) : safe, MAX_NAME_BYTES - Buffer.byteLength(extension)).replace(/[._-]+$/, '');
  return (stem || 'file') + extension;
}

/** A fresh key for an upload of `filename` under `prefix` (which ends in `/`). */
export const newObjectKey = (prefix: string, filename: string): string => `${prefix}${randomBytes(RANDOM_ID_BYTES).toString('hex')}-${sanitisedFilename(filename)}`;

/** The longest start of `text` that fits in `maxBytes` of UTF-8, whole code points only. */
function truncateUtf8(text: string, maxBytes: number): string {
  let bytes = 0;
  let out = '';
  for (const ch of text) {
    bytes += Buffer.byteLength(ch);
    if (bytes > maxBytes) break;
    out += ch;
  }
  return out;
}
