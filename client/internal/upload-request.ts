/**
 * What a signing request says, built from the caller's file and options and checked before anything is
 * sent: a mistake in the app is a TypeError naming the option (never quoting its value), not a 400 from
 * the server a round trip later.
 *
 * @module
 */
import type { DownloadUrlOptions, FileDescriptor, SignUploadOptions, UploadMethod } from '../upload-types.js';

/** The file as the upload request describes it, and its bytes when the caller gave a Blob. */
export interface DescribedFile {
  readonly filename: string;
  readonly contentType: string;
  readonly size: number;
  readonly blob: Blob | undefined;
}

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
const METHODS: readonly UploadMethod[] = ['post', 'put'];

/** Reads name, type and size from a Blob/File or a descriptor; the options' `filename` and `contentType` win. */
export function describeFile(file: Blob | FileDescriptor, options: SignUploadOptions, caller: string): DescribedFile {
  const blob = isBlob(file) ? file : undefined;
  if (!blob && (typeof file !== 'object' || file === null)) throw new TypeError(`${caller}: file must be a Blob, a File or { name, type, size }`);
  const source = file as Partial<FileDescriptor>;

  const filename = options.filename ?? source.name;
  if (typeof filename !== 'string' || filename === '') {
    throw new TypeError(`${caller}: ${options.filename === undefined ? 'the file has no name; pass options.filename' : 'options.filename must be a non-empty string'}`);
  }
  const contentType = options.contentType ?? (source.type || DEFAULT_CONTENT_TYPE);
  // It becomes a signed header or form field: no line breaks or other control characters.
  if (typeof contentType !== 'string' || !/^[\x20-\x7e]+$/.test(contentType)) {
    throw new TypeError(`${caller}: ${options.contentType === undefined ? 'the file type' : 'options.contentType'} must be a printable ASCII media type`);
  }
  const size = source.size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new TypeError(`${caller}: the file size must be a whole number of bytes`);
  return { filename, contentType, size, blob };
}

/** The upload request body: `{ filename, contentType, size, method, rule?, key? }`. */
export function uploadRequestBody(file: DescribedFile, options: SignUploadOptions, caller: string): string {
  const method = options.method ?? 'post';
  if (!METHODS.includes(method)) throw new TypeError(`${caller}: options.method must be "post" or "put"`);
  return JSON.stringify({
    filename: file.filename,
    contentType: file.contentType,
    size: file.size,
    method,
    ...optionalString(options, 'rule', caller),
    ...optionalString(options, 'key', caller),
  });
}

/** The download request body: `{ key, expiresIn?, filename? }`. */
export function downloadRequestBody(key: string, options: DownloadUrlOptions, caller: string): string {
  if (typeof key !== 'string' || key === '') throw new TypeError(`${caller}: key must be a non-empty string`);
  const { expiresIn } = options;
  if (expiresIn !== undefined && (typeof expiresIn !== 'number' || !Number.isSafeInteger(expiresIn) || expiresIn <= 0)) {
    throw new TypeError(`${caller}: options.expiresIn must be a whole number of seconds above 0`);
  }
  return JSON.stringify({ key, ...(expiresIn === undefined ? {} : { expiresIn }), ...optionalString(options, 'filename', caller) });
}

function optionalString<T extends object>(options: T, name: keyof T & string, caller: string): Record<string, string> {
  const value: unknown = options[name];
  if (value === undefined) return {};
  if (typeof value !== 'string' || value === '') throw new TypeError(`${caller}: options.${name} must be a non-empty string`);
  return { [name]: value };
}

/** `instanceof Blob` where Blob exists; mini-program runtimes without it can still sign a descriptor. */
function isBlob(value: unknown): value is Blob {
  return typeof Blob !== 'undefined' && value instanceof Blob;
}
