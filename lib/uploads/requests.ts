/**
 * The bodies of the signing routes, checked field by field: a malformed value is a 400 that names the
 * field and what it must be, whatever it asks for; asking for more than the grants allow is decided
 * later, as a 403.
 *
 *   uploads:   {"filename", "contentType", "size", "method"?: "post" | "put", "rule"?, "key"?}
 *   downloads: {"key", "expiresIn"?, "filename"?}
 *
 * @module
 */
import * as z from 'zod/mini';
import { invalidRequest } from '../errors.js';
import { lazy } from '../lazy.js';
import { jsonObjectBody, parsedBody } from '../request-body.js';
import { RULE_NAME } from '../rules/document.js';
import { MEDIA_TYPE } from '../sign/validate.js';
import { MAX_KEY_LENGTH, objectKeyProblem } from './object-keys.js';

export interface UploadRequest {
  readonly filename: string;
  readonly contentType: string;
  readonly size: number;
  readonly method: 'post' | 'put';
  readonly rule?: string | undefined;
  readonly key?: string | undefined;
}

export interface DownloadRequest {
  readonly key: string;
  readonly expiresIn?: number | undefined;
  readonly filename?: string | undefined;
}

const MAX_FILENAME_LENGTH = 255;
const MAX_CONTENT_TYPE_LENGTH = 255;
/** Control characters, and UTF-16 halves without their pair: neither belongs in a name that reaches a header. */
const NOT_TEXT = /[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const FILENAME_IS = `filename must be a file name of 1 to ${MAX_FILENAME_LENGTH} characters without control characters`;
const CONTENT_TYPE_IS = 'contentType must be a media type such as image/jpeg, in printable ASCII';
const SIZE_IS = 'size must be the file size in bytes (a whole JSON number, 0 or more)';
const METHOD_IS = 'method must be "post" or "put"';
const RULE_IS = 'rule must be a rule name: 1 to 32 characters of a-z, 0-9, "-"';
const EXPIRES_IS = 'expiresIn must be a whole number of seconds, 1 or more';

const filename = (error: string) =>
  z.string({ error }).check(z.refine((v) => v.length > 0 && v.length <= MAX_FILENAME_LENGTH && !NOT_TEXT.test(v), error));

/** A key named by the caller: its form only (400); whether it is granted is the route's to decide (403). */
const objectKey = z.string({ error: `key must be a string of 1 to ${MAX_KEY_LENGTH} characters` }).check(
  z.superRefine((key, ctx) => {
    const problem = objectKeyProblem(key);
    if (problem) ctx.issues.push({ code: 'custom', input: key, message: `key ${problem}` });
  }),
);

const uploadSchema = lazy(() =>
  z.strictObject({
    filename: filename(FILENAME_IS),
    contentType: z
      .string({ error: CONTENT_TYPE_IS })
      .check(z.refine((v) => v.length <= MAX_CONTENT_TYPE_LENGTH && /^[\x20-\x7e]+$/.test(v) && MEDIA_TYPE.test(v), CONTENT_TYPE_IS)),
    size: z.number({ error: SIZE_IS }).check(z.refine((n) => Number.isSafeInteger(n) && n >= 0, SIZE_IS)),
    method: z.optional(z.enum(['post', 'put'], { error: METHOD_IS })),
    rule: z.optional(z.string({ error: RULE_IS }).check(z.regex(RULE_NAME, RULE_IS))),
    key: z.optional(objectKey),
  }),
);

const downloadSchema = lazy(() =>
  z.strictObject({
    key: objectKey,
    expiresIn: z.optional(z.number({ error: EXPIRES_IS }).check(z.refine((n) => Number.isSafeInteger(n) && n >= 1, EXPIRES_IS))),
    filename: z.optional(filename(`filename must be a download name of 1 to ${MAX_FILENAME_LENGTH} characters without control characters`)),
  }),
);

/** A body is required: without one there is nothing to sign. */
function required(body: string | undefined, example: string): Record<string, unknown> {
  if (body === undefined || body.trim() === '') throw invalidRequest(`the request body is required: a JSON object such as ${example}`);
  return jsonObjectBody(body, example);
}

export function parseUploadRequest(body: string | undefined): UploadRequest {
  const parsed = parsedBody(uploadSchema(), required(body, '{"filename": "photo.jpg", "contentType": "image/jpeg", "size": 123456}'));
  return { ...parsed, method: parsed.method ?? 'post' };
}

export function parseDownloadRequest(body: string | undefined): DownloadRequest {
  return parsedBody(downloadSchema(), required(body, '{"key": "users/alice/photo.jpg"}'));
}
