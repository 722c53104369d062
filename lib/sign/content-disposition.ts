/**
 * `Content-Disposition: attachment` for a download under a chosen name, as RFC 6266 recommends for
 * names that are not plain ASCII: a quoted ASCII `filename` for old clients, then `filename*` in the
 * RFC 8187 (formerly 5987) `UTF-8''` form, which every current browser prefers.
 *
 * @module
 */
import { percentEncode } from '../sts/encoding.js';

/** Printable ASCII except the two characters a quoted-string must escape. */
const UNSAFE_IN_QUOTED_ASCII = /[^\x20-\x21\x23-\x5b\x5d-\x7e]/g;

/**
 * `attachment; filename="r_sum_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf` for `résumé.pdf`.
 * RFC 3986 encoding leaves only `A-Z a-z 0-9 - . _ ~` literal, all of which RFC 8187 `attr-char` allows.
 */
export function attachmentDisposition(filename: string): string {
  const fallback = filename.replace(UNSAFE_IN_QUOTED_ASCII, '_');
  return `attachment; filename="${fallback}"; filename*=UTF-8''${percentEncode(filename)}`;
}
