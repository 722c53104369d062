/**
 * The OBS stand-in's POST upload and presigned URLs, driven by the official browser SDK
 * (esdk-obs-browserjs 3.25.6): forms from `createPostSignatureSync`, URLs from `createSignedUrlSync`. The
 * SDK's form helper cannot express a size range, so those forms are built from OBS's published POST
 * algorithm. Each refusal is asserted with OBS's status and error code.
 */
import { createHmac } from 'node:crypto';
import ObsClient from 'esdk-obs-browserjs';
import { beforeEach, describe, expect, it } from 'vitest';
import { startObsStandIn } from '../../emulators/storage/obs.js';
import type { StorageStandIn, TemporaryKey } from '../../emulators/storage/storage-stand-in.js';
import { type FormValue, expectDownload, expectRefused, expectStoredByForm, issueTestKey, postForm, sendTo } from './storage-client.js';
import { emulatorPerTest } from './emulator-per-test.js';

const BUCKET = 'media';

let obs: StorageStandIn;
let clockSkewMs = 0;
emulatorPerTest(
  () => startObsStandIn({ bucket: BUCKET, now: () => Date.now() + clockSkewMs }),
  (started) => (obs = started),
  () => (clockSkewMs = 0),
);

let alice: TemporaryKey;
let bob: TemporaryKey;
beforeEach(() => {
  alice = issueTestKey(obs, 'alice');
  bob = issueTestKey(obs, 'bob');
});


/** The SDK addresses the bucket as `<bucket>.localhost:<port>`; the stand-in serves it so. */
const bucketUrl = () => `http://${BUCKET}.localhost:${obs.host.split(':')[1]}/`;
/**
 * Runs `use` with an ObsClient for `key`. The browser SDK reads `window` (its console, `btoa`), which
 * Node lacks, so the global stands in for it while the SDK runs.
 */
function withSdk<Result>(key: TemporaryKey, use: (client: ObsClient) => Result, withToken = true): Result {
  const scope = globalThis as { window?: unknown };
  const had = 'window' in scope;
  scope.window ??= globalThis;
  try {
    const server = `http://localhost:${obs.host.split(':')[1]}`;
    return use(new ObsClient({ access_key_id: key.accessKeyId, secret_access_key: key.accessKeySecret, ...(withToken ? { security_token: key.securityToken } : {}), server }));
  } finally {
    if (!had) delete scope.window;
  }
}

const png = (bytes: number) => ({ content: Buffer.alloc(bytes, 9), filename: 'photo.png', type: 'image/png' });

interface SdkFormOptions {
  readonly key?: TemporaryKey;
  readonly formParams?: Record<string, string>;
  readonly expires?: number;
  readonly override?: Readonly<Record<string, FormValue | undefined>>;
  readonly fileFirst?: boolean;
  readonly withToken?: boolean;
}

/** A form signed by the SDK: its policy pins bucket, key, the Content-Type and the token. */
function sdkForm(options: SdkFormOptions = {}): [string, FormValue][] {
  const key = options.key ?? alice;
  const formParams = options.formParams ?? { 'Content-Type': 'image/png' };
  const signed = withSdk(key, (client) => client.createPostSignatureSync({ Bucket: BUCKET, Key: 'users/alice/photo.png', Expires: options.expires ?? 300, FormParams: formParams }), options.withToken);
  const fields: Record<string, FormValue | undefined> = {
    key: 'users/alice/photo.png',
    ...formParams,
    policy: signed.Policy,
    AccessKeyId: key.accessKeyId,
    signature: signed.Signature,
    'x-obs-security-token': key.securityToken,
    ...options.override,
  };
  const entries = Object.entries(fields).filter((entry): entry is [string, FormValue] => entry[1] !== undefined);
  const file: [string, FormValue] = ['file', png(100)];
  return options.fileFirst ? [file, ...entries] : [...entries, file];
}

/** A form whose policy carries a size range, signed by OBS's published POST algorithm. */
function rangedForm(file: FormValue): [string, FormValue][] {
  const policy = Buffer.from(
    JSON.stringify({
      expiration: new Date(Date.now() + 300_000).toISOString(),
      conditions: [{ bucket: BUCKET }, { key: 'users/alice/photo.png' }, ['content-length-range', 1, 1024], { 'x-obs-security-token': alice.securityToken }],
    }),
  ).toString('base64');
  const signature = createHmac('sha1', alice.accessKeySecret).update(policy).digest('base64');
  return [['key', 'users/alice/photo.png'], ['policy', policy], ['AccessKeyId', alice.accessKeyId], ['signature', signature], ['x-obs-security-token', alice.securityToken], ['file', file]];
}

describe('POST upload, forms signed with esdk-obs-browserjs createPostSignatureSync', () => {
  it('stores the file under the pinned key with the form type, answers 204 with ETag to the page origin, and lists it', async () => {
    const reply = await postForm(obs, bucketUrl(), sdkForm());
    expectStoredByForm(reply, obs, 'users/alice/photo.png', 'image/png');
  });

  it('accepts x-ignore- fields the policy does not speak of', async () => {
    expect((await postForm(obs, bucketUrl(), sdkForm({ override: { 'x-ignore-note': 'anything' } }))).status).toBe(204);
  });

  it.each([
    ['a field the policy does not cover', { override: { success_action_status: '201' } }, 403, 'AccessDenied', /Extra input fields: success_action_status/],
    ['another Content-Type than the policy pins', { override: { 'Content-Type': 'text/html' } }, 403, 'AccessDenied', /Condition failed: \["eq","\$content-type","image\/png"\]/],
    ['a changed key', { override: { key: 'users/bob/photo.png' } }, 403, 'AccessDenied', /Condition failed: \["eq","\$key"/],
    ['a policy changed after signing', { override: { policy: Buffer.from('{"expiration":"2099-01-01T00:00:00Z","conditions":[{"bucket":"media"}]}').toString('base64') } }, 403, 'SignatureDoesNotMatch', undefined],
    ['an expired policy', { expires: -60 }, 403, 'AccessDenied', /Policy expired/],
    ['no security token', { override: { 'x-obs-security-token': undefined } }, 403, 'InvalidSecurityToken', undefined],
    ['a token the policy does not cover', { withToken: false }, 403, 'AccessDenied', /Extra input fields: x-obs-security-token/],
    ['another key’s security token', { override: { 'x-obs-security-token': 'token-of-someone-else-0123456789' } }, 403, 'InvalidSecurityToken', undefined],
    ['a tampered signature', { override: { signature: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' } }, 403, 'SignatureDoesNotMatch', undefined],
    ['the file before the other fields', { fileFirst: true }, 400, 'MalformedPOSTRequest', /last field/],
  ] as const)('refuses %s', async (_case, options, status, code, because) => {
    expectRefused(await postForm(obs, bucketUrl(), sdkForm(options as SdkFormOptions)), status, code, because);
    expect(obs.storedObjects()).toEqual([]);
  });

  it('refuses a form signed with a temporary key that has expired', async () => {
    expectRefused(await postForm(obs, bucketUrl(), sdkForm({ key: issueTestKey(obs, 'expired', -1000) })), 403, 'SecurityTokenExpired');
  });

  it('enforces content-length-range against the file actually sent', async () => {
    expect((await postForm(obs, bucketUrl(), rangedForm(png(1024)))).status).toBe(204);
    expectRefused(await postForm(obs, bucketUrl(), rangedForm(png(1025))), 400, 'EntityTooLarge');
    expectRefused(await postForm(obs, bucketUrl(), rangedForm(png(0))), 400, 'EntityTooSmall');
  });

  it('refuses a second form to the same key with x-obs-forbid-overwrite', async () => {
    const form = () => sdkForm({ formParams: { 'Content-Type': 'image/png', 'x-obs-forbid-overwrite': 'true' } });
    expect((await postForm(obs, bucketUrl(), form())).status).toBe(204);
    expectRefused(await postForm(obs, bucketUrl(), form()), 409, 'ObjectAlreadyExists');
  });
});

describe('presigned URLs from esdk-obs-browserjs createSignedUrlSync', () => {
  const signedUrl = (key: TemporaryKey, params: { Method: string; Key: string; Expires?: number; Headers?: Record<string, string>; QueryParams?: Record<string, string> }, withToken = true) =>
    withSdk(key, (client) => client.createSignedUrlSync({ Bucket: BUCKET, ...params }).SignedUrl, withToken);

  it('stores a PUT bound to its content type, refuses a second with x-obs-forbid-overwrite, and serves a GET with its signed filename', async () => {
    const headers = { 'content-type': 'text/plain', 'x-obs-forbid-overwrite': 'true' };
    const url = signedUrl(alice, { Method: 'PUT', Key: 'users/alice/notes.txt', Headers: { 'Content-Type': 'text/plain', 'x-obs-forbid-overwrite': 'true' } });
    expectRefused(await sendTo(obs, url, { method: 'PUT', headers: { ...headers, 'content-type': 'text/html' }, body: 'hello' }), 403, 'SignatureDoesNotMatch');
    expect((await sendTo(obs, url, { method: 'PUT', headers, body: 'hello' })).status).toBe(200);
    expectRefused(await sendTo(obs, url, { method: 'PUT', headers, body: 'again' }), 409, 'ObjectAlreadyExists');

    const getUrl = signedUrl(alice, { Method: 'GET', Key: 'users/alice/notes.txt', QueryParams: { 'response-content-disposition': 'attachment; filename="notes.txt"' } });
    const got = await sendTo(obs, getUrl, { method: 'GET' });
    expectDownload(got, { body: 'hello', contentType: 'text/plain', disposition: 'attachment; filename="notes.txt"' });
  });

  it('refuses a response override added after signing, and a URL past its Expires', async () => {
    const url = signedUrl(alice, { Method: 'GET', Key: 'users/alice/a.txt', Expires: 60 });
    expectRefused(await sendTo(obs, `${url}&response-content-disposition=attachment`, { method: 'GET' }), 403, 'SignatureDoesNotMatch');
    clockSkewMs = 61_000;
    expectRefused(await sendTo(obs, url, { method: 'GET' }), 403, 'AccessDenied', /Request has expired/);
  });

  it('refuses a URL without the token, with another key’s token, from an expired key, and with a tampered signature', async () => {
    const get = (url: string) => sendTo(obs, url, { method: 'GET' });
    expectRefused(await get(signedUrl(alice, { Method: 'GET', Key: 'users/alice/a.txt' }, false)), 403, 'InvalidSecurityToken');
    expectRefused(await get(signedUrl({ ...alice, securityToken: bob.securityToken }, { Method: 'GET', Key: 'users/alice/a.txt' })), 403, 'InvalidSecurityToken');
    expectRefused(await get(signedUrl(issueTestKey(obs, 'expired', -1000), { Method: 'GET', Key: 'users/alice/a.txt' })), 403, 'SecurityTokenExpired');
    const url = signedUrl(alice, { Method: 'GET', Key: 'users/alice/a.txt' });
    expectRefused(await get(url.replace(/Signature=[^&]{4}/, 'Signature=AAAA')), 403, 'SignatureDoesNotMatch');
    expectRefused(await get(url.replace('users/alice/a.txt', 'users/bob/a.txt')), 403, 'SignatureDoesNotMatch');
  });
});
