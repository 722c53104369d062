/**
 * The COS stand-in's POST Object and presigned URLs. cos-js-sdk-v5 (1.10.1) signs the URLs
 * (`getObjectUrl` with `Sign: true`); it has no form helper, so forms are built from COS's published POST
 * algorithm, and the stand-in's check of that algorithm is pinned by COS's own worked example (the POST
 * Object page's "签名保护" case, whose intermediate values it reproduces). Each refusal is asserted with
 * COS's status and error code.
 */
import { createHash, createHmac } from 'node:crypto';
import COS from 'cos-js-sdk-v5';
import { beforeEach, describe, expect, it } from 'vitest';
import { startCosStandIn } from '../../emulators/storage/cos.js';
import type { StorageStandIn, TemporaryKey } from '../../emulators/storage/storage-stand-in.js';
import { secretGuard } from '../helpers/secret-guard.js';
import { type FormValue, expectDownload, expectRefused, expectStoredByForm, issueTestKey, postForm, sendTo } from './storage-client.js';
import { emulatorPerTest } from './emulator-per-test.js';

const BUCKET = 'media-1250000000';
const REGION = 'ap-guangzhou';

let cos: StorageStandIn;
let clockSkewMs = 0;
let clock: () => number = () => Date.now() + clockSkewMs;
const restart = emulatorPerTest(
  (options?: { bucket: string }) => startCosStandIn({ bucket: options?.bucket ?? BUCKET, now: () => clock() }),
  (started) => (cos = started),
  () => {
    clockSkewMs = 0;
    clock = () => Date.now() + clockSkewMs;
  },
);

let alice: TemporaryKey;
let bob: TemporaryKey;
beforeEach(() => {
  alice = issueTestKey(cos, 'alice');
  bob = issueTestKey(cos, 'bob');
});


const hmacSha1Hex = (key: string, text: string) => createHmac('sha1', key).update(text).digest('hex');
const sha1Hex = (text: string) => createHash('sha1').update(text).digest('hex');
const jpeg = (bytes: number) => ({ content: Buffer.alloc(bytes, 3), filename: 'photo.jpg', type: 'image/jpeg' });

describe("POST Object, COS's worked example", () => {
  // From the POST Object page: SecretId/SecretKey, KeyTime, policy and the signature 7758dc9a…fdef.
  const example = {
    secretId: 'AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q',
    secretKey: 'BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz',
    keyTime: '1567150692;1567157892',
    policy:
      'ewogICAgImV4cGlyYXRpb24iOiAiMjAxOS0wOC0zMFQwOTozODoxMi40MTRaIiwKICAgICJjb25kaXRpb25zIjogWwogICAgICAgIHsgImFjbCI6ICJkZWZhdWx0IiB9LAogICAgICAgIHsgImJ1Y2tldCI6ICJleGFtcGxlYnVja2V0LTEyNTAwMDAwMDAiIH0sCiAgICAgICAgWyAic3RhcnRzLXdpdGgiLCAiJGtleSIsICJmb2xkZXIvc3ViZm9sZGVyLyIgXSwKICAgICAgICBbICJzdGFydHMtd2l0aCIsICIkQ29udGVudC1UeXBlIiwgImltYWdlLyIgXSwKICAgICAgICBbICJzdGFydHMtd2l0aCIsICIkc3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiLCAiaHR0cHM6Ly9teS53ZWJzaXRlLyIgXSwKICAgICAgICBbICJlcSIsICIkeC1jb3Mtc2VydmVyLXNpZGUtZW5jcnlwdGlvbiIsICJBRVMyNTYiIF0sCiAgICAgICAgeyAicS1zaWduLWFsZ29yaXRobSI6ICJzaGExIiB9LAogICAgICAgIHsgInEtYWsiOiAiQUtJRFFqejNsdG9tcFZqQm5pNUxpdGtXSEZsRnB3a245VTVxIiB9LAogICAgICAgIHsgInEtc2lnbi10aW1lIjogIjE1NjcxNTA2OTI7MTU2NzE1Nzg5MiIgfQogICAgXQp9',
    signature: '7758dc9a832e9d301dca704cacbf9d9f8172fdef',
  };
  const exampleForm = (signature: string): [string, FormValue][] => [
    ['key', 'folder/subfolder/photo.jpg'],
    ['acl', 'default'],
    ['Content-Type', 'image/jpeg'],
    ['success_action_redirect', 'https://my.website/done.html'],
    ['x-cos-server-side-encryption', 'AES256'],
    ['policy', example.policy],
    ['q-sign-algorithm', 'sha1'],
    ['q-ak', example.secretId],
    ['q-key-time', example.keyTime],
    ['q-signature', signature],
    // The example signs with permanent keys; the stand-in accepts temporary ones only, so the token rides along.
    ['x-cos-security-token', 'token-for-the-documented-example'],
    ['file', jpeg(16)],
  ];

  beforeEach(async () => {
    clock = () => Date.parse('2019-08-30T07:40:00Z');
    await restart({ bucket: 'examplebucket-1250000000' });
    cos.issueKey({ accessKeyId: example.secretId, accessKeySecret: example.secretKey, securityToken: 'token-for-the-documented-example', expiresAt: Date.parse('2019-08-30T12:00:00Z') });
    secretGuard.issued(() => [example.secretKey]);
  });

  it('accepts the documented form, signature and all, and refuses it with the signature changed', async () => {
    expect((await postForm(cos, `${cos.url}/`, exampleForm(example.signature))).status).toBe(204);
    expect(cos.object('folder/subfolder/photo.jpg')).toHaveLength(16);
    expectRefused(await postForm(cos, `${cos.url}/`, exampleForm(example.signature.replace(/.$/, '0'))), 403, 'SignatureDoesNotMatch');
  });
});

interface CosFormOptions {
  readonly key?: TemporaryKey;
  readonly conditions?: readonly unknown[];
  readonly qAkCondition?: string;
  readonly withQConditions?: boolean;
  readonly expiration?: Date;
  readonly override?: Readonly<Record<string, FormValue | undefined>>;
  readonly file?: FormValue;
}

/** A POST form built by COS's published algorithm, the file first (COS's examples put fields after it). */
function cosForm(options: CosFormOptions = {}): [string, FormValue][] {
  const key = options.key ?? alice;
  const now = Math.floor(Date.now() / 1000);
  const keyTime = `${now - 5};${now + 600}`;
  const qConditions = options.withQConditions === false ? [] : [{ 'q-sign-algorithm': 'sha1' }, { 'q-ak': options.qAkCondition ?? key.accessKeyId }, { 'q-sign-time': keyTime }];
  const policy = JSON.stringify({
    expiration: (options.expiration ?? new Date(Date.now() + 300_000)).toISOString(),
    conditions: [
      ...qConditions,
      { bucket: BUCKET },
      ...(options.conditions ?? [['eq', '$key', 'users/alice/photo.jpg'], ['content-length-range', 1, 1024], ['starts-with', '$Content-Type', 'image/']]),
    ],
  });
  const fields: Record<string, FormValue | undefined> = {
    key: 'users/alice/photo.jpg',
    'Content-Type': 'image/jpeg',
    policy: Buffer.from(policy).toString('base64'),
    'q-sign-algorithm': 'sha1',
    'q-ak': key.accessKeyId,
    'q-key-time': keyTime,
    'q-signature': hmacSha1Hex(hmacSha1Hex(key.accessKeySecret, keyTime), sha1Hex(policy)),
    'x-cos-security-token': key.securityToken,
    ...options.override,
  };
  return [['file', options.file ?? jpeg(100)], ...Object.entries(fields).filter((entry): entry is [string, FormValue] => entry[1] !== undefined)];
}

describe('POST Object, forms built by the published algorithm', () => {
  it('stores the file (fields after it are fine on COS), answers 204 with ETag to the page origin, and lists it', async () => {
    const reply = await postForm(cos, `${cos.url}/`, cosForm());
    expectStoredByForm(reply, cos, 'users/alice/photo.jpg', 'image/jpeg');
  });

  it('answers success_action_status 201 with the PostResponse document', async () => {
    const reply = await postForm(cos, `${cos.url}/`, cosForm({ override: { success_action_status: '201' } }));
    expect(reply.status).toBe(201);
    expect(reply.text).toContain('<Key>users/alice/photo.jpg</Key>');
  });

  it.each([
    ['a file over content-length-range', { file: jpeg(1025) }, 400, 'EntityTooLarge', /content-length-range/],
    ['an empty file under content-length-range', { file: jpeg(0) }, 400, 'EntityTooSmall', /content-length-range/],
    ['a content type outside the policy prefix', { override: { 'Content-Type': 'text/html' } }, 403, 'AccessDenied', /Condition key content-type doesn't match the value text\/html/],
    ['a changed key', { override: { key: 'users/bob/photo.jpg' } }, 403, 'AccessDenied', /Condition key key doesn't match/],
    ['a policy changed after signing', { override: { policy: Buffer.from('{"expiration":"2099-01-01T00:00:00Z","conditions":[{"bucket":"media-1250000000"}]}').toString('base64') } }, 403, 'SignatureDoesNotMatch', /Signature you specified is invalid/],
    ['a policy without the q-sign-* conditions', { withQConditions: false }, 400, 'InvalidPolicyDocument', /q-sign-algorithm/],
    ['a policy that names another SecretId', { qAkCondition: 'AKIDsomebodyelse' }, 403, 'AccessDenied', /Condition key q-ak doesn't match/],
    ['an expired policy', { expiration: new Date(Date.now() - 1000) }, 403, 'AccessDenied', /You post object request has been expired/],
    ['an in condition, which COS does not have', { conditions: [['in', '$Content-Type', ['image/jpeg']]] }, 400, 'InvalidPolicyDocument', /in is not supported/],
    ['no security token', { override: { 'x-cos-security-token': undefined } }, 403, 'InvalidSecurityToken', undefined],
    ['another key’s security token', { override: { 'x-cos-security-token': 'token-of-someone-else-0123456789' } }, 403, 'InvalidSecurityToken', undefined],
    ['a tampered signature', { override: { 'q-signature': '0'.repeat(40) } }, 403, 'SignatureDoesNotMatch', undefined],
    ['no policy', { override: { policy: undefined } }, 403, 'AccessDenied', /must carry a policy/],
  ] as const)('refuses %s', async (_case, options, status, code, because) => {
    expectRefused(await postForm(cos, `${cos.url}/`, cosForm(options as CosFormOptions)), status, code, because);
    expect(cos.storedObjects()).toEqual([]);
  });

  it('refuses a form signed with a temporary key that has expired', async () => {
    expectRefused(await postForm(cos, `${cos.url}/`, cosForm({ key: issueTestKey(cos, 'expired', -1000) })), 403, 'SecurityTokenExpired');
  });

  it('refuses a second form to the same key with x-cos-forbid-overwrite', async () => {
    const form = () => cosForm({ conditions: [['eq', '$key', 'users/alice/photo.jpg']], override: { 'x-cos-forbid-overwrite': 'true' } });
    expect((await postForm(cos, `${cos.url}/`, form())).status).toBe(204);
    expectRefused(await postForm(cos, `${cos.url}/`, form()), 409, 'FileAlreadyExists');
  });
});

describe('presigned URLs from cos-js-sdk-v5 getObjectUrl', () => {
  const clientFor = (key: TemporaryKey, withToken = true) =>
    new COS({ SecretId: key.accessKeyId, SecretKey: key.accessKeySecret, ...(withToken ? { SecurityToken: key.securityToken } : {}), Domain: cos.host, Protocol: 'http:' });
  const signedUrl = (key: TemporaryKey, params: { Method: 'GET' | 'PUT'; Key: string; Expires?: number; Headers?: Record<string, string>; Query?: Record<string, string> }, withToken = true) =>
    clientFor(key, withToken).getObjectUrl({ Bucket: BUCKET, Region: REGION, Sign: true, ...params }, () => undefined) as string;

  it('stores a PUT bound to its Content-Length and no-overwrite header, refuses a second, and serves a GET with its signed filename', async () => {
    const headers = { 'content-length': '5', 'x-cos-forbid-overwrite': 'true' };
    const url = signedUrl(alice, { Method: 'PUT', Key: 'users/alice/notes.txt', Headers: headers });
    expectRefused(await sendTo(cos, url, { method: 'PUT', headers: { 'x-cos-forbid-overwrite': 'true' }, body: 'hello, world' }), 403, 'SignatureDoesNotMatch');
    expect((await sendTo(cos, url, { method: 'PUT', headers: { 'content-type': 'text/plain', 'x-cos-forbid-overwrite': 'true' }, body: 'hello' })).status).toBe(200);
    expectRefused(await sendTo(cos, url, { method: 'PUT', headers: { 'x-cos-forbid-overwrite': 'true' }, body: 'again' }), 409, 'FileAlreadyExists');

    const getUrl = signedUrl(alice, { Method: 'GET', Key: 'users/alice/notes.txt', Query: { 'response-content-disposition': 'attachment; filename="notes.txt"' } });
    const got = await sendTo(cos, getUrl, { method: 'GET' });
    expectDownload(got, { body: 'hello', contentType: 'text/plain', disposition: 'attachment; filename="notes.txt"' });
    // Authenticated: the PUT stored, the PUT refused for the existing key, the GET.
    expect(cos.calls.map((call) => [call.method, call.by])).toEqual([['PUT', 'query'], ['PUT', 'query'], ['GET', 'query']]);
  });

  it('refuses a response override the signature does not cover (strict signature mode)', async () => {
    const url = signedUrl(alice, { Method: 'GET', Key: 'users/alice/a.txt' });
    expectRefused(await sendTo(cos, `${url}&response-content-disposition=attachment`, { method: 'GET' }), 403, 'AccessDenied', /Strict signature missing param/);
  });

  it('refuses a URL past its q-sign-time', async () => {
    const url = signedUrl(alice, { Method: 'GET', Key: 'users/alice/a.txt', Expires: 60 });
    clockSkewMs = 120_000;
    expectRefused(await sendTo(cos, url, { method: 'GET' }), 403, 'AccessDenied', /Request has expired/);
  });

  it('refuses a URL without the token, with another key’s token, from an expired key, and with a tampered signature', async () => {
    expectRefused(await sendTo(cos, signedUrl(alice, { Method: 'GET', Key: 'users/alice/a.txt' }, false), { method: 'GET' }), 403, 'InvalidSecurityToken');
    expectRefused(await sendTo(cos, signedUrl({ ...alice, securityToken: bob.securityToken }, { Method: 'GET', Key: 'users/alice/a.txt' }), { method: 'GET' }), 403, 'InvalidSecurityToken');
    expectRefused(await sendTo(cos, signedUrl(issueTestKey(cos, 'expired', -1000), { Method: 'GET', Key: 'users/alice/a.txt' }), { method: 'GET' }), 403, 'SecurityTokenExpired');
    const url = signedUrl(alice, { Method: 'GET', Key: 'users/alice/a.txt' });
    expectRefused(await sendTo(cos, url.replace(/q-signature=[0-9a-f]{4}/, 'q-signature=0000'), { method: 'GET' }), 403, 'SignatureDoesNotMatch');
    expectRefused(await sendTo(cos, url.replace('users/alice/a.txt', 'users/bob/a.txt'), { method: 'GET' }), 403, 'SignatureDoesNotMatch');
  });

  it('refuses another Content-Type than a URL signs (signed by the published algorithm: the SDK never signs it)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const keyTime = `${now - 5};${now + 300}`;
    const httpString = `put\n/users/alice/typed.txt\n\ncontent-type=text%2Fplain&host=${encodeURIComponent(cos.host)}\n`;
    const signature = hmacSha1Hex(hmacSha1Hex(alice.accessKeySecret, keyTime), `sha1\n${keyTime}\n${sha1Hex(httpString)}\n`);
    const query = `q-sign-algorithm=sha1&q-ak=${alice.accessKeyId}&q-sign-time=${keyTime}&q-key-time=${keyTime}&q-header-list=content-type;host&q-url-param-list=&q-signature=${signature}&x-cos-security-token=${alice.securityToken}`;
    const url = `${cos.url}/users/alice/typed.txt?${query}`;
    expectRefused(await sendTo(cos, url, { method: 'PUT', headers: { 'content-type': 'text/html' }, body: 'x' }), 403, 'SignatureDoesNotMatch');
    expect((await sendTo(cos, url, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'x' })).status).toBe(200);
  });
});
