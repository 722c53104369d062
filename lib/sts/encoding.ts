/**
 * The encodings every cloud's request signature is built from.
 *
 * @module
 */
import { createHash } from 'node:crypto';

/** RFC 3986 percent-encoding: everything but `A-Z a-z 0-9 - _ . ~`, as UTF-8, upper-case hex. */
export const percentEncode = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Lower-case hex SHA-256 of UTF-8 text. */
export const sha256Hex = (data: string): string => createHash('sha256').update(data, 'utf8').digest('hex');

/** ISO 8601 basic format to the second, UTC: `2019-11-15T03:36:55.123Z` → `20191115T033655Z`. */
export const basicIsoTimestamp = (date: Date): string => date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
