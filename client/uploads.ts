/**
 * Signed uploads and downloads: one object, one request, signed by the token service (its `uploads` and
 * `downloads` routes) and sent straight to the bucket. Unlike temporary keys, a signature can bind an
 * exact key, a size range and a content type, which the storage service then enforces.
 *
 * Functions that take the client rather than methods on it: the key cache stays free of upload code, an
 * app that never uploads this way does not ship it, and the calls still share the client's endpoint,
 * `getToken`, retry rules and signed-in user (the same JWT handling as `getCredentials`).
 *
 * @module
 */
import { UploadRefusedError } from './errors.js';
import { type ClientInternals, internalsOf } from './internal/client-internals.js';
import { type Exchanged, exchange } from './internal/fetch-credentials.js';
import { parseSignedDownload, parseSignedUpload } from './internal/upload-answer.js';
import { type DescribedFile, describeFile, downloadRequestBody, uploadRequestBody } from './internal/upload-request.js';
import { readRefusal, redact, saysExpired } from './internal/storage-refusal.js';
import { sendWithXhr, type XhrAnswer } from './internal/xhr-send.js';
import type { StsClient } from './types.js';
import type {
  DownloadUrlOptions,
  FileDescriptor,
  SignedDownload,
  SignedUpload,
  SignUploadOptions,
  StorageProvider,
  UploadOptions,
  UploadResult,
} from './upload-types.js';

/**
 * Asks the token service to sign an upload of `file` (a File, a Blob with `options.filename`, or a
 * `{ name, type, size }` descriptor) and resolves with the signed form or URL, checked field by field.
 *
 * Rejects with a TypeError for a bad argument (before any request); with UnauthorizedError when
 * `getToken` gives no token or the endpoint answers 401; with StsClientError `http_error` for another
 * refusal (403 `insufficient_scope` when the size, type or key is beyond the user's rules; 429 and 5xx
 * after the client's retries), `network_error`, `invalid_response`, `identity_changed` or `aborted`.
 */
export async function signUpload(client: StsClient, file: Blob | FileDescriptor, options: SignUploadOptions = {}): Promise<SignedUpload> {
  const internals = internalsOf(client, 'signUpload');
  const described = describeFile(file, checkedOptions(options, 'signUpload'), 'signUpload');
  return (await requestUpload(internals, described, options, 'signUpload')).value;
}

/**
 * Signs and performs the upload of `file` (a File, or a Blob with `options.filename`) with
 * XMLHttpRequest: a multipart form POST (the answer's fields in its order, then the file, last) or a PUT
 * with exactly the signed headers. Reports progress to `options.onProgress`; `options.signal` aborts.
 *
 * When the signature has expired (the clock says so before sending, or the storage service answers 403
 * saying so) the upload goes out once more on a new signature, from the start. No other refusal is
 * retried, and neither is a network failure: a body that may have arrived is not sent twice.
 *
 * Rejects as `signUpload` does, and with UploadRefusedError (`upload_refused`) when the storage service
 * refuses, StsClientError `network_error` when it cannot be reached (or its CORS rules do not let the
 * page in), `aborted` when the signal aborts.
 */
export async function upload(client: StsClient, file: Blob, options: UploadOptions = {}): Promise<UploadResult> {
  const internals = internalsOf(client, 'upload');
  const described = describeFile(file, checkedOptions(options, 'upload'), 'upload');
  const { blob } = described;
  if (!blob) throw new TypeError('upload: file must be a Blob or a File (signUpload takes a { name, type, size } descriptor)');
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') throw new TypeError('upload: options.onProgress must be a function');
  const Xhr = internals.options.XMLHttpRequest();
  if (typeof Xhr !== 'function') throw new TypeError('upload: there is no XMLHttpRequest here; pass options.XMLHttpRequest to createStsClient');
  const now = internals.options.now;

  let attempts = 1;
  let signed = await requestUpload(internals, described, options, 'upload');
  if (expiredOnServerClock(signed, now())) {
    attempts = 2;
    signed = await requestUpload(internals, described, options, 'upload');
  }
  let answer = await send(Xhr, signed.value, blob, described, options, attempts);
  if (!succeeded(answer) && attempts === 1 && saysExpired(refusalOf(answer, signed.value.provider), expiredOnServerClock(signed, now()))) {
    attempts = 2;
    signed = await requestUpload(internals, described, options, 'upload');
    answer = await send(Xhr, signed.value, blob, described, options, attempts);
  }
  if (!succeeded(answer)) throw refusedError(refusalOf(answer, signed.value.provider), signed.value);

  const done = signed.value;
  return Object.freeze({
    provider: done.provider,
    method: done.method,
    key: done.key,
    etag: answer.header('ETag') ?? undefined,
    size: described.size,
    contentType: done.method === 'POST' ? done.contentType : (headerValue(done.headers, 'content-type') ?? described.contentType),
    attempts,
  });
}

/**
 * Asks the token service for a presigned GET URL for `key` (which the login token must be allowed to
 * read). Resolves with `{ provider, method: 'GET', url, expiration }`; rejects as `signUpload` does.
 */
export async function downloadUrl(client: StsClient, key: string, options: DownloadUrlOptions = {}): Promise<SignedDownload> {
  const internals = internalsOf(client, 'downloadUrl');
  const body = downloadRequestBody(key, checkedOptions(options, 'downloadUrl'), 'downloadUrl');
  const tokenFor = await internals.tokensForExchange();
  const signed = await exchange(internals.options, { url: internals.options.downloadsEndpoint, body, tokenFor, parse: parseSignedDownload, signal: options.signal });
  return signed.value;
}

function requestUpload(internals: ClientInternals, file: DescribedFile, options: SignUploadOptions, caller: string): Promise<Exchanged<SignedUpload>> {
  const body = uploadRequestBody(file, options, caller);
  const expected = { method: options.method === 'put' ? 'PUT' : 'POST', key: options.key } as const;
  return internals
    .tokensForExchange()
    .then((tokenFor) => exchange(internals.options, { url: internals.options.uploadsEndpoint, body, tokenFor, parse: (text) => parseSignedUpload(text, expected), signal: options.signal }));
}

function send(Xhr: typeof XMLHttpRequest, signed: SignedUpload, blob: Blob, file: DescribedFile, options: UploadOptions, attempt: number): Promise<XhrAnswer> {
  const { onProgress } = options;
  const progress = onProgress && ((loaded: number, total: number) => onProgress({ loaded, total, attempt }));
  if (signed.method === 'PUT') {
    return sendWithXhr(Xhr, { method: 'PUT', url: signed.url, headers: signed.headers, body: blob, onProgress: progress, signal: options.signal });
  }
  const form = new FormData();
  for (const [name, value] of Object.entries(signed.fields)) form.append(name, value);
  // Last: OSS and OBS ignore every field after the file, and refuse the form.
  form.append('file', blob, file.filename);
  return sendWithXhr(Xhr, { method: 'POST', url: signed.url, headers: {}, body: form, onProgress: progress, signal: options.signal });
}

const succeeded = (answer: XhrAnswer) => answer.status >= 200 && answer.status < 300;

const REQUEST_ID_HEADERS: Readonly<Record<StorageProvider, string>> = { aliyun: 'x-oss-request-id', tencent: 'x-cos-request-id', huawei: 'x-obs-request-id' };

const refusalOf = (answer: XhrAnswer, provider: StorageProvider) => readRefusal(answer.status, answer.body, answer.header(REQUEST_ID_HEADERS[provider]) ?? undefined);

function refusedError(refusal: ReturnType<typeof readRefusal>, signed: SignedUpload): UploadRefusedError {
  const { status, code, message, requestId } = refusal;
  return new UploadRefusedError(`the storage service refused the upload (${status}${code ? ` ${code}` : ''})`, {
    status,
    ...(code ? { error: code } : {}),
    ...(message ? { description: redact(message, signedValues(signed)) } : {}),
    ...(requestId ? { requestId } : {}),
  });
}

/**
 * What a refusal must not quote back to the app's logs: the policy, signature, credential and security
 * token in the form or the URL. The key and the content type stay readable; so do short values
 * (`true`, `sha1`), which would only garble the message.
 */
function signedValues(signed: SignedUpload): string[] {
  const readable = new Set([signed.key, signed.method === 'POST' ? signed.contentType : headerValue(signed.headers, 'content-type')]);
  const values = Object.values(signed.method === 'POST' ? signed.fields : signed.headers);
  new URL(signed.url).searchParams.forEach((value) => values.push(value));
  return values.filter((value) => value.length >= 8 && !readable.has(value));
}

/** The server's clock says the answer has expired (its `Date` moves `expiration` onto the local clock). */
function expiredOnServerClock(signed: Exchanged<SignedUpload>, now: number): boolean {
  const skewMs = signed.serverDate === undefined ? 0 : signed.serverDate - signed.receivedAt;
  return now + skewMs >= Date.parse(signed.value.expiration);
}

function headerValue(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  return Object.entries(headers).find(([header]) => header.toLowerCase() === name)?.[1];
}

function checkedOptions<T>(options: T, caller: string): T {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${caller}: options must be an object`);
  return options;
}
