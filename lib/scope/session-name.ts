/**
 * The STS session name, derived from the subject so that the cloud's audit log (ActionTrail,
 * CloudAudit, CTS) shows which end user acted. All three clouds accept 2–64 characters of
 * `[A-Za-z0-9.@_-]`.
 *
 * A subject that fits is used as is. Otherwise the name keeps a readable, sanitised head and adds a
 * hash of the full subject, so two different subjects never share a session name.
 *
 * @module
 */
import { createHash } from 'node:crypto';

const FITS = /^[A-Za-z0-9.@_-]{2,64}$/;
const HASH_LENGTH = 16;

export function sessionNameFor(subject: string): string {
  if (FITS.test(subject)) return subject;
  const hash = createHash('sha256').update(subject, 'utf8').digest('hex').slice(0, HASH_LENGTH);
  const head = subject.replace(/[^A-Za-z0-9.@_-]/g, '_').slice(0, 64 - HASH_LENGTH - 1);
  return `${head || 'u'}-${hash}`;
}
