/**
 * Inputs the signer tests share: generators for the things a caller controls (keys, content types,
 * filenames) and for credentials, the fixed seed, and a clock the official SDKs can be made to read.
 */
import fc from 'fast-check';
import { vi } from 'vitest';
import type { SigningCredentials } from '../../lib/sign/index.js';

/** Fixed so a failure is reproducible (fast-check prints the seed and path); FC_SEED=<n> explores others. */
export const SEED = process.env.FC_SEED === undefined ? 0x5167 : Number(process.env.FC_SEED);
export const RUNS = 300;

/**
 * Characters a real key uses, and the ones each cloud and each URL encoder treats differently: space,
 * `+` (a space in form encoding), `~` (unreserved in RFC 3986, escaped by old encoders), `!'()*` (left
 * alone by encodeURIComponent), `%`, `?`, `#`, `&`, `=`, `;`, `"`, `\`, accented letters, CJK, an emoji.
 */
const KEY_CHARS = [...'abcxyzABZ0189-_.', ' ', '+', '~', '!', "'", '(', ')', '*', '%', '?', '#', '&', '=', ';', ',', '@', '$', '"', '\\', 'é', 'ß', '文', '件', '😀'];

const segment = fc
  .string({ unit: fc.constantFrom(...KEY_CHARS), minLength: 1, maxLength: 12 })
  .filter((s) => s !== '.' && s !== '..');

/** Object keys: 1-4 segments joined by `/`, never starting with `/` or `\`, no `.`/`..` segment. */
export const objectKey = fc
  .array(segment, { minLength: 1, maxLength: 4 })
  .map((segments) => segments.join('/'))
  .filter((key) => !key.startsWith('\\'));

export const contentType = fc.constantFrom(
  'image/jpeg',
  'image/png',
  'application/octet-stream',
  'text/plain; charset=utf-8',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'video/mp4',
);

export const filename = fc.string({ unit: fc.constantFrom(...KEY_CHARS, '/'), minLength: 1, maxLength: 20 });

const idChars = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-');
const printable = fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code));

export const credentials: fc.Arbitrary<SigningCredentials> = fc.record(
  {
    accessKeyId: fc.string({ unit: idChars, minLength: 4, maxLength: 40 }),
    accessKeySecret: fc.string({ unit: printable, minLength: 16, maxLength: 48 }),
    securityToken: fc.string({ unit: printable, minLength: 8, maxLength: 200 }),
  },
  { requiredKeys: ['accessKeyId', 'accessKeySecret'] },
);

/** Signing times from 2021 to 2034, to the millisecond (the signers truncate to the second). */
export const signingTime = fc.integer({ min: 1_609_459_200_000, max: 2_051_222_400_000 }).map((ms) => new Date(ms));

export const size = fc.integer({ min: 0, max: 5 * 1024 ** 3 });

/** Runs `fn` with Date (and Date.now) reading `now`: the official SDKs take the signing time from the clock. */
export function atTime<T>(now: Date, fn: () => T): T {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(now);
  try {
    return fn();
  } finally {
    vi.useRealTimers();
  }
}

export async function atTimeAsync<T>(now: Date, fn: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(now);
  try {
    return await fn();
  } finally {
    vi.useRealTimers();
  }
}

/** A URL's query as a name → decoded value map (each name appears once in every URL these tests build). */
export function queryOf(url: string): Record<string, string> {
  return Object.fromEntries(new URL(url).searchParams);
}

export const signatureOf = (url: string, name: string): string => {
  const value = new URL(url).searchParams.get(name);
  if (value === null) throw new Error(`no ${name} in the URL`);
  return value;
};

/** The base64 `policy` field decoded back to the JSON document. */
export const policyOf = (fields: Readonly<Record<string, string>>): { expiration: string; conditions: unknown[] } =>
  JSON.parse(Buffer.from(fields['policy'] ?? '', 'base64').toString('utf8')) as { expiration: string; conditions: unknown[] };
