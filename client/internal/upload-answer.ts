/**
 * Checks the `uploads` and `downloads` routes' 200 bodies field by field, as `response-body.ts` does for
 * keys, and checks they answer what was asked (the method, and the key when one was named). What goes on
 * the wire next (a URL, form fields, headers) is checked to be something a browser can send as is.
 * Messages name the field, never its value: the values are signatures and security tokens.
 *
 * @module
 */
import { StsClientError } from '../errors.js';
import type { SignedDownload, SignedPostUpload, SignedPutUpload, SignedUpload, StorageProvider } from '../upload-types.js';
import { jsonObject, PROVIDERS } from './response-body.js';

export interface UploadExpectation {
  readonly method: 'POST' | 'PUT';
  /** The key the request named, if it named one. */
  readonly key: string | undefined;
}

/** RFC 9110 token: what a header name may be. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function parseSignedUpload(text: string, expected: UploadExpectation): SignedUpload {
  const body = jsonObject(text, invalidUpload);
  const common = commonFields(body, expected.method, invalidUpload);
  const key = nonEmptyString(body, 'key', invalidUpload);
  if (expected.key !== undefined && key !== expected.key) throw invalidUpload('key is not the key that was asked for');

  if (common.method === 'POST') {
    const fields = stringRecord(body, 'fields', invalidUpload);
    // The client appends the file itself, last; a field of that name would be a second file part.
    if (Object.keys(fields).some((name) => name.toLowerCase() === 'file')) throw invalidUpload('fields must not contain a field named file');
    const maxSize = body.maxSize;
    if (typeof maxSize !== 'number' || !Number.isSafeInteger(maxSize) || maxSize < 0) throw invalidUpload('maxSize is missing or not a whole number of bytes');
    const answer: SignedPostUpload = { ...common, method: 'POST', fields, key, maxSize, contentType: nonEmptyString(body, 'contentType', invalidUpload) };
    return Object.freeze(answer);
  }
  const headers = stringRecord(body, 'headers', invalidUpload);
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) throw invalidUpload('headers holds a name that is not a header name');
    if (/[\0\r\n]/.test(value)) throw invalidUpload('headers holds a value a header cannot carry');
  }
  const answer: SignedPutUpload = { ...common, method: 'PUT', headers, key };
  return Object.freeze(answer);
}

export function parseSignedDownload(text: string): SignedDownload {
  const body = jsonObject(text, invalidDownload);
  const answer: SignedDownload = { ...commonFields(body, 'GET', invalidDownload), method: 'GET' };
  return Object.freeze(answer);
}

type Invalid = (reason: string) => StsClientError;

/** What every answer has: `provider`, `method`, an http(s) `url` and a parseable `expiration`. */
function commonFields<M extends string>(body: Record<string, unknown>, method: M, invalid: Invalid) {
  const provider = body.provider;
  if (typeof provider !== 'string' || !(PROVIDERS as readonly string[]).includes(provider)) throw invalid(`provider must be one of ${PROVIDERS.join(', ')}`);
  if (body.method !== method) throw invalid(`method is not ${method}`);
  const url = nonEmptyString(body, 'url', invalid);
  if (!isHttpUrl(url)) throw invalid('url is not an absolute http(s) URL');
  const expiration = nonEmptyString(body, 'expiration', invalid);
  if (!Number.isFinite(Date.parse(expiration))) throw invalid('expiration is not a date');
  return { provider: provider as StorageProvider, method, url, expiration };
}

function nonEmptyString(body: Record<string, unknown>, name: string, invalid: Invalid): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '') throw invalid(`${name} is missing or not a non-empty string`);
  return value;
}

/** A fresh frozen copy, in the answer's order (form fields must go out in it). */
function stringRecord(body: Record<string, unknown>, name: string, invalid: Invalid): Readonly<Record<string, string>> {
  const value = body[name];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`${name} is missing or not an object`);
  const entries = Object.entries(value as Record<string, unknown>);
  if (!entries.every(([field, text]) => field !== '' && typeof text === 'string')) throw invalid(`${name} must map non-empty names to strings`);
  return Object.freeze(Object.fromEntries(entries) as Record<string, string>);
}

function isHttpUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

function invalidUpload(reason: string): StsClientError {
  return new StsClientError('invalid_response', `the token endpoint answered 200 without a valid signed upload: ${reason}`);
}

function invalidDownload(reason: string): StsClientError {
  return new StsClientError('invalid_response', `the token endpoint answered 200 without a valid signed download: ${reason}`);
}
