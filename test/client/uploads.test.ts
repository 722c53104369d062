/**
 * Signed uploads and downloads in the browser client, under fake timers: what `signUpload`, `upload` and
 * `downloadUrl` ask the token endpoint, how they check its answers, what `upload` sends with
 * XMLHttpRequest, when it signs again (only for an expired signature, and once), and what the app sees
 * when something fails: a typed error with a stable code and no signed value in it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createStsClient,
  downloadUrl,
  signUpload,
  StsClientError,
  UnauthorizedError,
  upload,
  UploadRefusedError,
  type StsClient,
  type SignUploadOptions,
  type StsClientOptions,
  type UploadProgress,
} from '../../client/index.js';
import { answer, deferred, ENDPOINT, fakeEndpoint, fakeJwt, hang, type FakeEndpoint, type Responder, settle, T0 } from './credentials-client.fakes.js';
import { FakeXhr, SIGNED_VALUES, signedDownload, signedUpload, storageError, FAKE_POLICY, FAKE_SECURITY_TOKEN, FAKE_SIGNATURE } from './uploads.fakes.js';

const ALICE = fakeJwt({ sub: 'alice' });

function clientFor(endpoint: FakeEndpoint, options: Partial<StsClientOptions> = {}): StsClient {
  return createStsClient({
    endpoint: ENDPOINT,
    getToken: () => ALICE,
    fetch: endpoint.fetch,
    XMLHttpRequest: FakeXhr,
    random: () => 0.5,
    ...options,
  });
}

const photo = (size = 1000) => new File([new Uint8Array(size)], 'photo.jpg', { type: 'image/jpeg' });

/** Lets promises and timers run until `done()` holds (a bounded number of fake milliseconds). */
async function until(done: () => boolean): Promise<void> {
  for (let step = 0; step < 1000 && !done(); step += 1) await vi.advanceTimersByTimeAsync(1);
  expect(done()).toBe(true);
}

/** Runs `promise` to its end under fake time and returns what it settled with. */
async function outcome<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  const state = settle(promise);
  await until(() => state().settled);
  return state();
}

/** The storage service answers every upload with `status`, `body`, `headers` (default: 204 with an ETag). */
function storageAnswers(...answers: [number, string?, Record<string, string>?][]): void {
  const queue = [...answers];
  FakeXhr.onSend = (xhr) => {
    const [status, body, headers] = queue.shift() ?? [204, '', { ETag: '"etag-of-the-object"' }];
    queueMicrotask(() => xhr.respond(status, body ?? '', headers ?? { ETag: '"etag-of-the-object"' }));
  };
}

/** Everything an app could print of an error: no signature, policy or security token may be in it. */
function expectNoSignedValue(error: unknown): void {
  const e = error as StsClientError;
  const printed = [String(e), e.message, e.description ?? '', JSON.stringify(e), e.stack ?? ''].join('\n');
  for (const value of SIGNED_VALUES) expect(printed).not.toContain(value);
  expect(printed).not.toContain(ALICE);
}

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
  FakeXhr.reset();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('where the signing routes are', () => {
  it.each([
    ['https://fn.example.com/aliyun', 'https://fn.example.com/aliyun/uploads', 'https://fn.example.com/aliyun/downloads'],
    ['https://fn.example.com/aliyun/', 'https://fn.example.com/aliyun/uploads', 'https://fn.example.com/aliyun/downloads'],
    ['https://fn.example.com', 'https://fn.example.com/uploads', 'https://fn.example.com/downloads'],
    ['https://gw.example.com/release/sts?app=photos', 'https://gw.example.com/release/sts/uploads?app=photos', 'https://gw.example.com/release/sts/downloads?app=photos'],
    ['/sts/tencent', '/sts/tencent/uploads', '/sts/tencent/downloads'],
  ])('%s: uploads at %s, downloads at %s', async (endpointUrl, uploads, downloads) => {
    const endpoint = fakeEndpoint(signedUpload('POST'));
    endpoint.next(signedUpload('POST'), signedDownload());
    const client = clientFor(endpoint, { endpoint: endpointUrl });
    await outcome(signUpload(client, photo()));
    await outcome(downloadUrl(client, 'users/alice/a.jpg'));
    expect(endpoint.calls.map((call) => call.url)).toEqual([uploads, downloads]);
  });

  it('uses uploadsEndpoint and downloadsEndpoint when given, and refuses empty ones at construction', async () => {
    const endpoint = fakeEndpoint(signedUpload('POST'));
    endpoint.next(signedUpload('POST'), signedDownload());
    const client = clientFor(endpoint, { uploadsEndpoint: 'https://up.example.com/sign', downloadsEndpoint: 'https://down.example.com/sign' });
    await outcome(signUpload(client, photo()));
    await outcome(downloadUrl(client, 'users/alice/a.jpg'));
    expect(endpoint.calls.map((call) => call.url)).toEqual(['https://up.example.com/sign', 'https://down.example.com/sign']);
    expect(() => clientFor(endpoint, { uploadsEndpoint: ' ' })).toThrow(/options\.uploadsEndpoint must be a non-empty URL string/);
    expect(() => clientFor(endpoint, { downloadsEndpoint: 42 as unknown as string })).toThrow(/options\.downloadsEndpoint/);
    expect(() => clientFor(endpoint, { XMLHttpRequest: {} as new () => unknown })).toThrow(/options\.XMLHttpRequest must be a function/);
  });
});

describe('signUpload: the request', () => {
  it('reads name, type and size from a File and sends the JWT, JSON and no cookies', async () => {
    const endpoint = fakeEndpoint(signedUpload('POST'));
    await outcome(signUpload(clientFor(endpoint), photo(1234)));
    const [call] = endpoint.calls;
    expect(JSON.parse(call!.body!)).toEqual({ filename: 'photo.jpg', contentType: 'image/jpeg', size: 1234, method: 'post' });
    expect(call!.method).toBe('POST');
    expect(call!.headers).toEqual({ Authorization: `Bearer ${ALICE}`, 'Content-Type': 'application/json' });
    expect(call!.credentials).toBe('omit');
  });

  it('takes a { name, type, size } descriptor, a method, a rule and a key; an empty type is application/octet-stream', async () => {
    const endpoint = fakeEndpoint(signedUpload('PUT'));
    await outcome(signUpload(clientFor(endpoint), { name: 'notes', type: '', size: 0 }, { method: 'put', rule: 'documents', key: 'users/alice/notes' }));
    expect(JSON.parse(endpoint.calls[0]!.body!)).toEqual({
      filename: 'notes',
      contentType: 'application/octet-stream',
      size: 0,
      method: 'put',
      rule: 'documents',
      key: 'users/alice/notes',
    });
  });

  it('lets filename and contentType override the file, which a Blob without a name needs', async () => {
    const endpoint = fakeEndpoint(signedUpload('POST'));
    await outcome(signUpload(clientFor(endpoint), new Blob(['hello']), { filename: 'hello.txt', contentType: 'text/plain; charset=utf-8' }));
    expect(JSON.parse(endpoint.calls[0]!.body!)).toMatchObject({ filename: 'hello.txt', contentType: 'text/plain; charset=utf-8', size: 5 });
  });

  it.each([
    ['a Blob without a name', () => [new Blob(['x']), {}], /the file has no name; pass options\.filename/],
    ['no file at all', () => [undefined, {}], /file must be a Blob, a File or/],
    ['a negative size', () => [{ name: 'a', size: -1 }, {}], /the file size must be a whole number of bytes/],
    ['a fractional size', () => [{ name: 'a', size: 1.5 }, {}], /the file size/],
    ['a content type with a line break', () => [{ name: 'a', size: 1, type: 'image/png\r\nx-evil: 1' }, {}], /the file type must be a printable ASCII media type/],
    ['an unknown method', () => [photo(), { method: 'get' }], /options\.method must be "post" or "put"/],
    ['an empty key', () => [photo(), { key: '' }], /options\.key must be a non-empty string/],
    ['a rule that is not a string', () => [photo(), { rule: 7 }], /options\.rule must be a non-empty string/],
    ['an empty filename option', () => [photo(), { filename: '' }], /options\.filename must be a non-empty string/],
    ['options that are not an object', () => [photo(), 'put'], /options must be an object/],
  ])('refuses %s with a TypeError naming it, before any request', async (_, args, message) => {
    const endpoint = fakeEndpoint(signedUpload('POST'));
    const [file, options] = args() as [Blob, SignUploadOptions];
    const { error } = await outcome(signUpload(clientFor(endpoint), file, options));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(message);
    expect(endpoint.calls).toHaveLength(0);
  });

  it('refuses a client that createStsClient did not make', async () => {
    const impostor = { getCredentials: async () => undefined } as unknown as StsClient;
    await expect(signUpload(impostor, photo())).rejects.toThrow(/signUpload: client must be a client made by createStsClient/);
    await expect(upload(impostor, photo())).rejects.toThrow(TypeError);
    await expect(downloadUrl(impostor, 'k')).rejects.toThrow(TypeError);
  });
});

describe('signUpload: the answer', () => {
  it('resolves with exactly the contract fields, frozen, the form fields in the answer order', async () => {
    const endpoint = fakeEndpoint(signedUpload('POST', { body: { extra: 'dropped' } }));
    const { value } = await outcome(signUpload(clientFor(endpoint), photo()));
    expect(Object.keys(value!).sort()).toEqual(['contentType', 'expiration', 'fields', 'key', 'maxSize', 'method', 'provider', 'url']);
    expect(value).toMatchObject({ provider: 'aliyun', method: 'POST', url: 'https://media.oss-cn-hangzhou.aliyuncs.com/', contentType: 'image/jpeg', maxSize: 10485760 });
    expect(Object.keys((value as { fields: object }).fields)[0]).toBe('key');
    expect(Object.isFrozen(value)).toBe(true);
    expect(Object.isFrozen((value as { fields: object }).fields)).toBe(true);
  });

  it('resolves a PUT answer with its headers', async () => {
    const endpoint = fakeEndpoint(signedUpload('PUT'));
    const { value } = await outcome(signUpload(clientFor(endpoint), photo(), { method: 'put' }));
    expect(value).toMatchObject({ method: 'PUT', headers: { 'Content-Type': 'image/jpeg', 'x-oss-forbid-overwrite': 'true' } });
    expect(Object.keys(value!).sort()).toEqual(['expiration', 'headers', 'key', 'method', 'provider', 'url']);
  });

  const post = (body: Record<string, unknown>) => signedUpload('POST', { body });
  const put = (body: Record<string, unknown>) => signedUpload('PUT', { body });
  it.each<[string, Responder, 'post' | 'put', RegExp, string?]>([
    ['not JSON', () => new Response('<html>', { status: 200 }), 'post', /the body is not JSON/],
    ['an unknown provider', post({ provider: 'aws' }), 'post', /provider must be one of aliyun, tencent, huawei/],
    ['a PUT where a POST was asked for', signedUpload('PUT'), 'post', /method is not POST/],
    ['a POST where a PUT was asked for', signedUpload('POST'), 'put', /method is not PUT/],
    ['a url that is not http(s)', post({ url: 'javascript:alert(1)' }), 'post', /url is not an absolute http\(s\) URL/],
    ['a relative url', post({ url: '/upload' }), 'post', /url is not an absolute/],
    ['no key', post({ key: undefined }), 'post', /key is missing/],
    ['another key than the one asked for', post({ key: 'users/bob/x' }), 'post', /key is not the key that was asked for/, 'users/alice/x'],
    ['an expiration that is not a date', post({ expiration: 'soon' }), 'post', /expiration is not a date/],
    ['fields that are not an object', post({ fields: ['key', 'a'] }), 'post', /fields is missing or not an object/],
    ['a field that is not a string', post({ fields: { key: 'a', 'content-length': 5 } }), 'post', /fields must map non-empty names to strings/],
    ['a field named file', post({ fields: { key: 'a', File: 'x' } }), 'post', /fields must not contain a field named file/],
    ['no maxSize', post({ maxSize: undefined }), 'post', /maxSize is missing or not a whole number of bytes/],
    ['a negative maxSize', post({ maxSize: -1 }), 'post', /maxSize/],
    ['no contentType', post({ contentType: '' }), 'post', /contentType is missing/],
    ['no headers', put({ headers: undefined }), 'put', /headers is missing or not an object/],
    ['a header value with a line break', put({ headers: { 'Content-Type': 'image/jpeg\r\nx-evil: 1' } }), 'put', /headers holds a value a header cannot carry/],
    ['a header name that is not a token', put({ headers: { 'Content Type': 'image/jpeg' } }), 'put', /headers holds a name that is not a header name/],
  ])('refuses %s as invalid_response, without retrying', async (_, responder, method, message, key) => {
    const endpoint = fakeEndpoint(responder);
    const { error } = await outcome(signUpload(clientFor(endpoint), photo(), { method, ...(key ? { key } : {}) }));
    expect(error).toBeInstanceOf(StsClientError);
    expect(error).toMatchObject({ code: 'invalid_response' });
    expect((error as Error).message).toMatch(message);
    expect(endpoint.calls).toHaveLength(1);
    expectNoSignedValue(error);
  });
});

describe('signUpload: the token endpoint, as for keys', () => {
  it('turns a 401 into UnauthorizedError', async () => {
    const endpoint = fakeEndpoint(answer(401, 'invalid_token'));
    const { error } = await outcome(signUpload(clientFor(endpoint), photo()));
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(endpoint.calls).toHaveLength(1);
  });

  it('does not call the endpoint when getToken gives no token', async () => {
    const endpoint = fakeEndpoint(signedUpload('POST'));
    const { error } = await outcome(signUpload(clientFor(endpoint, { getToken: () => null }), photo()));
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(endpoint.calls).toHaveLength(0);
  });

  it('passes a 403 insufficient_scope on at once, with the endpoint description (the limit it names)', async () => {
    const endpoint = fakeEndpoint(
      () => new Response(JSON.stringify({ error: 'insufficient_scope', error_description: 'size: above the rule maxSize of 1048576 bytes' }), { status: 403 }),
    );
    const { error } = await outcome(upload(clientFor(endpoint), photo()));
    expect(error).toMatchObject({ code: 'http_error', status: 403, error: 'insufficient_scope', description: 'size: above the rule maxSize of 1048576 bytes' });
    expect(endpoint.calls).toHaveLength(1);
    expect(FakeXhr.sent).toHaveLength(0);
  });

  it('retries 503 and network errors with the client backoff, asking getToken before each attempt', async () => {
    const endpoint = fakeEndpoint(signedUpload('POST'));
    endpoint.next(answer(503, 'temporarily_unavailable'), () => Promise.reject(new TypeError('Failed to fetch')));
    const getToken = vi.fn(() => ALICE);
    const { value } = await outcome(signUpload(clientFor(endpoint, { getToken }), photo()));
    expect(value?.method).toBe('POST');
    expect(endpoint.calls.map((call) => call.at - T0)).toEqual([0, 100, 300]);
    expect(getToken).toHaveBeenCalledTimes(3);
  });

  it('is refused with identity_changed when the user changes between attempts', async () => {
    const endpoint = fakeEndpoint(signedUpload('POST'));
    endpoint.next(answer(503, 'temporarily_unavailable'));
    const tokens = [ALICE, fakeJwt({ sub: 'bob' })];
    const { error } = await outcome(signUpload(clientFor(endpoint, { getToken: () => tokens.shift() ?? null }), photo()));
    expect(error).toMatchObject({ code: 'identity_changed' });
    expect(endpoint.calls).toHaveLength(1);
  });

  it('follows the signed-in user like getCredentials: another user drops the cached keys', async () => {
    const endpoint = fakeEndpoint(signedUpload('POST'));
    let token = ALICE;
    const client = clientFor(endpoint, { getToken: () => token });
    await outcome(signUpload(client, photo()));
    expect(client.identityGeneration).toBe(0);
    token = fakeJwt({ sub: 'bob' });
    await outcome(signUpload(client, photo()));
    expect(client.identityGeneration).toBe(1);
  });
});

describe('upload: a form POST', () => {
  it('sends the fields in the answer order, then the file last, and resolves with key, ETag and type', async () => {
    const endpoint = fakeEndpoint(signedUpload('POST'));
    storageAnswers([204, '', { ETag: '"d41d8cd98f00b204e9800998ecf8427e"' }]);
    const { value } = await outcome(upload(clientFor(endpoint), photo(2048)));

    expect(FakeXhr.sent).toHaveLength(1);
    const [xhr] = FakeXhr.sent;
    expect({ method: xhr!.method, url: xhr!.url, headers: xhr!.headers }).toEqual({ method: 'POST', url: 'https://media.oss-cn-hangzhou.aliyuncs.com/', headers: {} });
    const entries = xhr!.formEntries();
    expect(entries.map(([name]) => name)).toEqual([
      'key',
      'Content-Type',
      'x-oss-signature-version',
      'x-oss-credential',
      'x-oss-date',
      'x-oss-security-token',
      'policy',
      'x-oss-signature',
      'file',
    ]);
    expect(entries.at(-1)).toEqual(['file', { file: 'photo.jpg', size: 2048 }]);
    expect(value).toEqual({
      provider: 'aliyun',
      method: 'POST',
      key: entries[0]![1],
      etag: '"d41d8cd98f00b204e9800998ecf8427e"',
      size: 2048,
      contentType: 'image/jpeg',
      attempts: 1,
    });
  });

  it('reports progress from the upload events, and only listens when asked (a listener forces a CORS preflight)', async () => {
    const endpoint = fakeEndpoint(signedUpload('POST'));
    const seen: UploadProgress[] = [];
    const pending = settle(upload(clientFor(endpoint), photo(300_000), { onProgress: (progress) => seen.push(progress) }));
    await until(() => FakeXhr.sent.length === 1);
    const xhr = FakeXhr.sent[0]!;
    xhr.upload.onprogress!({ lengthComputable: false, loaded: 10, total: 0 });
    xhr.progress(100_000, 300_900);
    xhr.progress(300_900, 300_900);
    xhr.respond(204, '', {});
    await until(() => pending().settled);
    expect(seen).toEqual([
      { loaded: 100_000, total: 300_900, attempt: 1 },
      { loaded: 300_900, total: 300_900, attempt: 1 },
    ]);
    expect(pending().value?.etag).toBeUndefined();

    storageAnswers();
    await outcome(upload(clientFor(endpoint), photo()));
    expect(FakeXhr.sent[1]!.upload.onprogress).toBeNull();
  });

  it('finishes the upload when the progress callback throws, and reports the error as uncaught', async () => {
    const endpoint = fakeEndpoint(signedUpload('POST'));
    const pending = settle(upload(clientFor(endpoint), photo(), { onProgress: () => { throw new Error('app bug'); } }));
    await until(() => FakeXhr.sent.length === 1);
    FakeXhr.sent[0]!.progress(1, 2);
    FakeXhr.sent[0]!.respond(204);
    await expect(vi.advanceTimersByTimeAsync(1)).rejects.toThrow('app bug');
    await until(() => pending().settled);
    expect(pending().value?.attempts).toBe(1);
  });

  it('refuses a descriptor (there are no bytes to send) and a runtime without XMLHttpRequest, before signing', async () => {
    const endpoint = fakeEndpoint(signedUpload('POST'));
    await expect(upload(clientFor(endpoint), { name: 'a', size: 1 } as unknown as Blob)).rejects.toThrow(/upload: file must be a Blob or a File/);
    const noXhr = createStsClient({ endpoint: ENDPOINT, getToken: () => ALICE, fetch: endpoint.fetch });
    await expect(upload(noXhr, photo())).rejects.toThrow(/there is no XMLHttpRequest here/);
    await expect(upload(clientFor(endpoint), photo(), { onProgress: 'yes' as unknown as () => void })).rejects.toThrow(/options\.onProgress must be a function/);
    expect(endpoint.calls).toHaveLength(0);
  });
});

describe('upload: a presigned PUT', () => {
  it('sends the file as the body with exactly the signed headers', async () => {
    const endpoint = fakeEndpoint(signedUpload('PUT', { body: { headers: { 'Content-Type': 'image/jpeg', 'x-oss-forbid-overwrite': 'true', 'Content-Length': '1000' } } }));
    storageAnswers([200, '', { ETag: '"abc"' }]);
    const file = photo(1000);
    const { value } = await outcome(upload(clientFor(endpoint), file, { method: 'put' }));
    const [xhr] = FakeXhr.sent;
    expect(xhr!.method).toBe('PUT');
    expect(xhr!.url).toMatch(/^https:\/\/media\.oss-cn-hangzhou\.aliyuncs\.com\/users%2Falice%2Fupload-/);
    expect(xhr!.body).toBe(file);
    // Content-Length is the browser's to send (from the body); a script may not set it.
    expect(xhr!.headers).toEqual({ 'Content-Type': 'image/jpeg', 'x-oss-forbid-overwrite': 'true' });
    expect(value).toMatchObject({ method: 'PUT', etag: '"abc"', contentType: 'image/jpeg', attempts: 1 });
  });
});

describe('upload: abort', () => {
  it('aborts the XHR and rejects with aborted', async () => {
    const endpoint = fakeEndpoint(signedUpload('POST'));
    const controller = new AbortController();
    const pending = settle(upload(clientFor(endpoint), photo(), { signal: controller.signal }));
    await until(() => FakeXhr.sent.length === 1);
    controller.abort(new Error('user left'));
    await until(() => pending().settled);
    expect(FakeXhr.sent[0]!.aborted).toBe(true);
    expect(pending().error).toMatchObject({ code: 'aborted', message: 'the upload was aborted', cause: new Error('user left') });
  });

  it('aborts the signing request, and waits for no backoff', async () => {
    const endpoint = fakeEndpoint(hang());
    const controller = new AbortController();
    const pending = settle(upload(clientFor(endpoint), photo(), { signal: controller.signal }));
    await until(() => endpoint.calls.length === 1);
    controller.abort();
    await until(() => pending().settled);
    expect(pending().error).toMatchObject({ code: 'aborted' });
    expect(endpoint.calls[0]!.signal?.aborted).toBe(true);

    const retrying = fakeEndpoint(answer(503, 'temporarily_unavailable'));
    const second = new AbortController();
    const during = settle(signUpload(clientFor(retrying, { baseBackoffMs: 60_000, maxBackoffMs: 60_000 }), photo(), { signal: second.signal }));
    await until(() => retrying.calls.length === 1);
    second.abort();
    await vi.advanceTimersByTimeAsync(5);
    expect(during()).toMatchObject({ settled: true, error: expect.objectContaining({ code: 'aborted' }) });
    expect(retrying.calls).toHaveLength(1);
  });

  it('sends nothing at all when the signal has already aborted', async () => {
    const endpoint = fakeEndpoint(signedUpload('POST'));
    const { error } = await outcome(upload(clientFor(endpoint), photo(), { signal: AbortSignal.abort() }));
    expect(error).toMatchObject({ code: 'aborted' });
    expect(endpoint.calls).toHaveLength(0);
    expect(FakeXhr.sent).toHaveLength(0);
  });
});

describe('upload: one new signature when the first has expired', () => {
  it.each([
    ['OSS and OBS, an expired URL', 'AccessDenied', 'Request has expired.'],
    ['COS, an expired URL', 'AccessDenied', 'Request has expired'],
    ['OSS and OBS, an expired form', 'AccessDenied', 'Invalid according to Policy: Policy expired.'],
    ['COS, an expired form', 'AccessDenied', 'You post object request has been expired, expiration time: 1772323500 but the time now : 1772323800'],
    ['the signing keys expired', 'SecurityTokenExpired', 'The security token has expired.'],
  ])('%s (403 %s): signs again and uploads once more, progress restarting as attempt 2', async (_, code, message) => {
    const endpoint = fakeEndpoint(signedUpload('POST'));
    storageAnswers([403, storageError(code, message)], [204, '', { ETag: '"second"' }]);
    const seen: number[] = [];
    const pending = settle(upload(clientFor(endpoint), photo(), { onProgress: ({ attempt }) => seen.push(attempt) }));
    await until(() => FakeXhr.sent.length >= 1);
    FakeXhr.sent[0]!.progress(1, 2);
    await until(() => FakeXhr.sent.length === 2);
    FakeXhr.sent[1]!.progress(1, 2);
    await until(() => pending().settled);

    expect(pending().value).toMatchObject({ etag: '"second"', attempts: 2 });
    expect(endpoint.calls).toHaveLength(2);
    // A new signature: the second form carries the second answer's key.
    const keys = FakeXhr.sent.map((xhr) => xhr.formEntries()[0]![1]);
    expect(keys[0]).not.toBe(keys[1]);
    expect(pending().value?.key).toBe(keys[1]);
    expect(seen).toEqual([1, 2]);
  });

  it('gives up after the second expired signature with upload_refused, the service status and code', async () => {
    const endpoint = fakeEndpoint(signedUpload('PUT'));
    storageAnswers([403, storageError('AccessDenied', 'Request has expired.')], [403, storageError('AccessDenied', 'Request has expired.', 'req-2')]);
    const { error } = await outcome(upload(clientFor(endpoint), photo(), { method: 'put' }));
    expect(error).toBeInstanceOf(UploadRefusedError);
    expect(error).toMatchObject({ code: 'upload_refused', status: 403, error: 'AccessDenied', description: 'Request has expired.', requestId: 'req-2' });
    expect((error as Error).message).toBe('the storage service refused the upload (403 AccessDenied)');
    expect(endpoint.calls).toHaveLength(2);
    expect(FakeXhr.sent).toHaveLength(2);
  });

  it('signs again before sending when the server clock says the answer has already expired', async () => {
    const endpoint = fakeEndpoint(signedUpload('POST'));
    // The server runs 10 minutes ahead of this device; its first answer expired a second ago on ITS clock.
    endpoint.next(signedUpload('POST', { serverAheadMs: 600_000, expiresInSeconds: -1 }));
    storageAnswers();
    const { value } = await outcome(upload(clientFor(endpoint), photo()));
    expect(value?.attempts).toBe(2);
    expect(endpoint.calls).toHaveLength(2);
    expect(FakeXhr.sent).toHaveLength(1);
  });

  it('trusts the server clock over the device clock: a device 10 minutes fast does not re-sign a fresh answer', async () => {
    const endpoint = fakeEndpoint(signedUpload('POST', { serverAheadMs: -600_000 }));
    storageAnswers();
    const { value } = await outcome(upload(clientFor(endpoint), photo()));
    expect(value?.attempts).toBe(1);
    expect(endpoint.calls).toHaveLength(1);
  });

  it('counts a 403 with no readable code as expired only when the clock agrees', async () => {
    const endpoint = fakeEndpoint(signedUpload('POST', { expiresInSeconds: 60 }));
    const pending = settle(upload(clientFor(endpoint), photo()));
    await until(() => FakeXhr.sent.length === 1);
    await vi.advanceTimersByTimeAsync(61_000);
    storageAnswers();
    FakeXhr.sent[0]!.respond(403, '', {});
    await until(() => pending().settled);
    expect(pending().value?.attempts).toBe(2);

    const fresh = fakeEndpoint(signedUpload('POST'));
    storageAnswers([403, '']);
    const { error } = await outcome(upload(clientFor(fresh), photo()));
    expect(error).toMatchObject({ code: 'upload_refused', status: 403, error: undefined });
    expect(fresh.calls).toHaveLength(1);
  });
});

describe('upload: other refusals are final', () => {
  it.each([
    ['a file over the size range', 400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size.'],
    ['a failed policy condition that quotes the word expired', 403, 'AccessDenied', 'Invalid according to Policy: Policy Condition failed: ["eq", "$key", "users/alice/expired.jpg"]'],
    ['a wrong signature', 403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.'],
    ['an existing object under no-overwrite', 409, 'FileAlreadyExists', 'The object you specified already exists and can not be overwritten.'],
    ['a foreign security token', 403, 'InvalidSecurityToken', 'The security token does not belong to this access key id.'],
    ['a server error', 503, 'ServiceUnavailable', 'Please reduce your request rate.'],
  ])('%s: one signature, one upload, upload_refused %i %s', async (_, status, code, message) => {
    const endpoint = fakeEndpoint(signedUpload('POST'));
    storageAnswers([status, storageError(code, message), { 'x-oss-request-id': 'header-id' }]);
    const { error } = await outcome(upload(clientFor(endpoint), photo()));
    expect(error).toBeInstanceOf(UploadRefusedError);
    expect(error).toMatchObject({ code: 'upload_refused', status, error: code, description: message, requestId: 'fake-request-id-1' });
    expect(endpoint.calls).toHaveLength(1);
    expect(FakeXhr.sent).toHaveLength(1);
  });

  it('takes the request id from the service header when the body has none', async () => {
    const endpoint = fakeEndpoint(signedUpload('POST'));
    storageAnswers([400, '<Error><Code>EntityTooSmall</Code><Message>too small</Message></Error>', { 'X-Oss-Request-Id': 'header-id' }]);
    const { error } = await outcome(upload(clientFor(endpoint), photo()));
    expect(error).toMatchObject({ error: 'EntityTooSmall', requestId: 'header-id' });
  });

  it('reports a network failure (or a CORS refusal, which looks the same) as network_error, without sending again', async () => {
    const endpoint = fakeEndpoint(signedUpload('POST'));
    FakeXhr.onSend = (xhr) => queueMicrotask(() => xhr.failNetwork());
    const { error } = await outcome(upload(clientFor(endpoint), photo()));
    expect(error).toMatchObject({ code: 'network_error' });
    expect((error as Error).message).toMatch(/CORS rules/);
    expect(FakeXhr.sent).toHaveLength(1);
  });

  it('keeps every signed value out of the error, even when the service quotes them', async () => {
    for (const method of ['post', 'put'] as const) {
      FakeXhr.reset();
      const endpoint = fakeEndpoint(signedUpload(method === 'post' ? 'POST' : 'PUT'));
      // A PUT answer carries no policy: the signature and the token are in its URL.
      const signed = method === 'post' ? `${FAKE_POLICY} with ${FAKE_SECURITY_TOKEN}` : FAKE_SECURITY_TOKEN;
      const quoted = `The request signature we calculated does not match: ${FAKE_SIGNATURE} over ${signed}`;
      storageAnswers([403, storageError('SignatureDoesNotMatch', quoted)]);
      const { error } = await outcome(upload(clientFor(endpoint), photo(), { method }));
      expect((error as StsClientError).description).toContain('[redacted]');
      expect((error as StsClientError).description).toContain('The request signature we calculated does not match');
      expectNoSignedValue(error);
    }
  });

  it('bounds a long message to 300 characters and ignores a code that is not a code', async () => {
    const endpoint = fakeEndpoint(signedUpload('POST'));
    storageAnswers([403, storageError('<script>', 'x'.repeat(1000))]);
    const { error } = await outcome(upload(clientFor(endpoint), photo()));
    expect(error).toMatchObject({ error: undefined });
    expect((error as StsClientError).description).toHaveLength(300);
  });
});

describe('downloadUrl', () => {
  it('asks for the key, lifetime and filename, and resolves with the checked answer', async () => {
    const endpoint = fakeEndpoint(signedDownload());
    const { value } = await outcome(downloadUrl(clientFor(endpoint), 'users/alice/photo.jpg', { expiresIn: 120, filename: 'My photo.jpg' }));
    expect(JSON.parse(endpoint.calls[0]!.body!)).toEqual({ key: 'users/alice/photo.jpg', expiresIn: 120, filename: 'My photo.jpg' });
    expect(endpoint.calls[0]!.headers.Authorization).toBe(`Bearer ${ALICE}`);
    expect(value).toEqual({ provider: 'aliyun', method: 'GET', url: expect.stringMatching(/^https:\/\/media\.oss-cn-hangzhou\.aliyuncs\.com\/users%2Falice%2Fphoto\.jpg\?/), expiration: expect.any(String) });
    expect(Object.isFrozen(value)).toBe(true);
  });

  it.each([
    ['an empty key', ['', {}], /downloadUrl: key must be a non-empty string/],
    ['a zero lifetime', ['k', { expiresIn: 0 }], /options\.expiresIn must be a whole number of seconds above 0/],
    ['a fractional lifetime', ['k', { expiresIn: 1.5 }], /options\.expiresIn/],
    ['an empty filename', ['k', { filename: '' }], /options\.filename must be a non-empty string/],
  ])('refuses %s before any request', async (_, [key, options], message) => {
    const endpoint = fakeEndpoint(signedDownload());
    await expect(downloadUrl(clientFor(endpoint), key as string, options as object)).rejects.toThrow(message);
    expect(endpoint.calls).toHaveLength(0);
  });

  it.each([
    ['a PUT answer', signedDownload({ method: 'PUT' }), /method is not GET/],
    ['no url', signedDownload({ url: undefined }), /url is missing/],
    ['a data: url', signedDownload({ url: 'data:text/html,hi' }), /url is not an absolute http\(s\) URL/],
  ])('refuses %s as invalid_response', async (_, responder, message) => {
    const { error } = await outcome(downloadUrl(clientFor(fakeEndpoint(responder)), 'k'));
    expect(error).toMatchObject({ code: 'invalid_response' });
    expect((error as Error).message).toMatch(message);
  });

  it('passes a 403 for another user key on as http_error', async () => {
    const endpoint = fakeEndpoint(() => new Response(JSON.stringify({ error: 'insufficient_scope', error_description: 'key: not readable under the rules' }), { status: 403 }));
    const { error } = await outcome(downloadUrl(clientFor(endpoint), 'users/bob/x'));
    expect(error).toMatchObject({ code: 'http_error', status: 403, error: 'insufficient_scope' });
  });

  it('can be aborted', async () => {
    const gate = deferred();
    const endpoint = fakeEndpoint(gate.responder);
    const controller = new AbortController();
    const pending = settle(downloadUrl(clientFor(endpoint), 'k', { signal: controller.signal }));
    await until(() => endpoint.calls.length === 1);
    controller.abort();
    await until(() => pending().settled);
    expect(pending().error).toMatchObject({ code: 'aborted' });
  });
});
