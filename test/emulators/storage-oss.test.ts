/**
 * The OSS stand-in's POST Object and presigned URLs, driven by the official SDK (ali-oss 6.23.0): forms
 * signed with `signPostObjectPolicyV4` (its README's V4 PostObject recipe) and `calculatePostSignature`
 * (V1), URLs from `signatureUrlV4` and `signatureUrl` (V1). Each accepted request stores or returns the
 * bytes; each refusal is asserted with OSS's status and error code.
 */
import { createRequire } from 'node:module';
import { beforeEach, describe, expect, it } from 'vitest';
import { startOssStandIn } from '../../emulators/storage/oss.js';
import type { StorageStandIn, TemporaryKey } from '../../emulators/storage/storage-stand-in.js';
import { type FormValue, basicIsoTime, expectDownload, expectRefused, expectStoredByForm, issueTestKey, postForm, sendTo } from './storage-client.js';
import { emulatorPerTest } from './emulator-per-test.js';

interface AliOssClient {
  signatureUrlV4(method: string, expires: number, request?: { headers?: Record<string, string>; queries?: Record<string, string> }, objectName?: string, additionalHeaders?: string[]): Promise<string>;
  signatureUrl(name: string, options?: { method?: string; expires?: number; 'Content-Type'?: string; response?: Record<string, string> }): string;
  signPostObjectPolicyV4(policy: object, date: Date): string;
  calculatePostSignature(policy: object): { OSSAccessKeyId: string; Signature: string; policy: string };
}
const require = createRequire(import.meta.url);
const OSS = require('ali-oss') as new (options: object) => AliOssClient;

const BUCKET = 'media';
const REGION = 'cn-hangzhou';

let oss: StorageStandIn;
/** Added to the stand-in's clock, to move past a URL's or a form's lifetime. */
let clockSkewMs = 0;
emulatorPerTest(
  () => startOssStandIn({ bucket: BUCKET, region: REGION, now: () => Date.now() + clockSkewMs }),
  (started) => (oss = started),
  () => (clockSkewMs = 0),
);

let alice: TemporaryKey;
let bob: TemporaryKey;
beforeEach(() => {
  alice = issueTestKey(oss, 'alice');
  bob = issueTestKey(oss, 'bob');
});

function clientFor(key: TemporaryKey, options: { withToken?: boolean; endpoint?: string } = {}): AliOssClient {
  return new OSS({
    accessKeyId: key.accessKeyId,
    accessKeySecret: key.accessKeySecret,
    // A refresh hook (never due) keeps ali-oss from warning that temporary keys have none.
    ...(options.withToken === false ? {} : { stsToken: key.securityToken, refreshSTSToken: async () => key, refreshSTSTokenInterval: 3_600_000 }),
    bucket: BUCKET,
    region: `oss-${REGION}`,
    endpoint: options.endpoint ?? oss.url,
    secure: false,
    ...(options.endpoint ? { cname: true } : {}),
  });
}

const png = (bytes: number) => ({ content: Buffer.alloc(bytes, 7), filename: 'photo.png', type: 'image/png' });

interface V4FormOptions {
  readonly key?: TemporaryKey;
  readonly conditions?: readonly unknown[];
  /** Replaces the form's fields after signing (a field set to undefined is left out). */
  readonly override?: Readonly<Record<string, FormValue | undefined>>;
  readonly expiration?: Date;
  readonly withTokenCondition?: boolean;
  readonly file?: FormValue;
  readonly fileFirst?: boolean;
}

/** A V4 PostObject form the way ali-oss's README builds one, pinning the key, a size range and the type. */
function v4Form(options: V4FormOptions = {}): [string, FormValue][] {
  const key = options.key ?? alice;
  const client = clientFor(key);
  const date = new Date();
  const ossDate = basicIsoTime(date);
  const credential = `${key.accessKeyId}/${ossDate.slice(0, 8)}/${REGION}/oss/aliyun_v4_request`;
  const conditions = [
    { bucket: BUCKET },
    { 'x-oss-credential': credential },
    { 'x-oss-date': ossDate },
    { 'x-oss-signature-version': 'OSS4-HMAC-SHA256' },
    ...(options.withTokenCondition === false ? [] : [{ 'x-oss-security-token': key.securityToken }]),
    ...(options.conditions ?? [['eq', '$key', 'users/alice/photo.png'], ['content-length-range', 1, 1024], ['eq', '$Content-Type', 'image/png']]),
  ];
  const policy = { expiration: (options.expiration ?? new Date(Date.now() + 300_000)).toISOString(), conditions };
  const fields: Record<string, FormValue | undefined> = {
    key: 'users/alice/photo.png',
    'Content-Type': 'image/png',
    'x-oss-signature-version': 'OSS4-HMAC-SHA256',
    'x-oss-credential': credential,
    'x-oss-date': ossDate,
    'x-oss-security-token': key.securityToken,
    policy: Buffer.from(JSON.stringify(policy), 'utf8').toString('base64'),
    'x-oss-signature': client.signPostObjectPolicyV4(policy, date),
    ...options.override,
  };
  const entries = Object.entries(fields).filter((entry): entry is [string, FormValue] => entry[1] !== undefined);
  const file: [string, FormValue] = ['file', options.file ?? png(100)];
  return options.fileFirst ? [file, ...entries] : [...entries, file];
}


describe('POST Object, V4 forms signed with ali-oss', () => {
  it('stores the file under the pinned key with the form type, answers 204 with ETag to the page origin, and lists it', async () => {
    const reply = await postForm(oss, `${oss.url}/`, v4Form());

    expectStoredByForm(reply, oss, 'users/alice/photo.png', 'image/png');
    expect(oss.object('users/alice/photo.png')).toEqual(Buffer.alloc(100, 7));
    expect(oss.calls).toEqual([expect.objectContaining({ method: 'POST', by: 'form', objectKey: 'users/alice/photo.png', accessKeyId: alice.accessKeyId, securityToken: alice.securityToken })]);
  });

  it('answers success_action_status 201 with the PostResponse document, and 200 empty', async () => {
    const created = await postForm(oss, `${oss.url}/`, v4Form({ override: { success_action_status: '201' } }));
    expect(created.status).toBe(201);
    expect(created.text).toContain('<Key>users/alice/photo.png</Key>');
    const ok = await postForm(oss, `${oss.url}/`, v4Form({ override: { success_action_status: '200' } }));
    expect({ status: ok.status, body: ok.text }).toEqual({ status: 200, body: '' });
  });

  it.each([
    ['a file over content-length-range', { file: png(1025) }, 400, 'EntityTooLarge'],
    ['an empty file under content-length-range', { file: png(0) }, 400, 'EntityTooSmall'],
    ['another Content-Type than the policy pins', { override: { 'Content-Type': 'text/html' } }, 403, 'AccessDenied', /Condition failed: \["eq","\$content-type"/],
    ['a changed key', { override: { key: 'users/bob/photo.png' } }, 403, 'AccessDenied', /Condition failed: \["eq","\$key"/],
    ['a policy changed after signing', { override: { policy: Buffer.from(JSON.stringify({ expiration: '2099-01-01T00:00:00.000Z', conditions: [{ bucket: BUCKET }] })).toString('base64') } }, 403, 'SignatureDoesNotMatch'],
    ['no policy field', { override: { policy: undefined } }, 403, 'AccessDenied', /must carry a policy/],
    ['a tampered signature', { override: { 'x-oss-signature': '0'.repeat(64) } }, 403, 'SignatureDoesNotMatch'],
    ['an expired policy', { expiration: new Date(Date.now() - 1000) }, 403, 'AccessDenied', /Policy expired/],
    ['no security token', { override: { 'x-oss-security-token': undefined } }, 403, 'InvalidSecurityToken', /need their security token/],
    ['another key’s security token', { override: { 'x-oss-security-token': 'token-of-someone-else-0123456789' } }, 403, 'InvalidSecurityToken', /does not belong/],
    ['a policy that does not pin the security token', { withTokenCondition: false }, 400, 'InvalidPolicyDocument', /x-oss-security-token/],
    ['the file before the other fields', { fileFirst: true }, 400, 'MalformedPOSTRequest', /file must be the last field/],
    ['a credential for another region', { override: { 'x-oss-credential': `STS.alice/${basicIsoTime(new Date()).slice(0, 8)}/cn-beijing/oss/aliyun_v4_request` } }, 400, 'InvalidArgument'],
  ] as const)('refuses %s', async (_case, options, status, code, because?: RegExp) => {
    const reply = await postForm(oss, `${oss.url}/`, v4Form(options as V4FormOptions));
    expectRefused(reply, status, code, because);
    expect(oss.storedObjects()).toEqual([]);
  });

  it('refuses a form signed with a temporary key that has expired', async () => {
    const expired = issueTestKey(oss, 'expired', -1000);
    expectRefused(await postForm(oss, `${oss.url}/`, v4Form({ key: expired })), 403, 'SecurityTokenExpired');
  });

  it('refuses a form that pins the key with starts-with when the key is outside the prefix', async () => {
    const conditions = [['starts-with', '$key', 'users/alice/'], ['content-length-range', 1, 1024]];
    expect((await postForm(oss, `${oss.url}/`, v4Form({ conditions }))).status).toBe(204);
    expectRefused(await postForm(oss, `${oss.url}/`, v4Form({ conditions, override: { key: 'users/bob/x.png' } })), 403, 'AccessDenied', /\["starts-with","\$key","users\/alice\/"\]/);
  });

  it('checks in and not-in on the content type and starts-with on it', async () => {
    const inList = [['in', '$content-type', ['image/png', 'image/jpeg']]];
    expect((await postForm(oss, `${oss.url}/`, v4Form({ conditions: inList }))).status).toBe(204);
    expectRefused(await postForm(oss, `${oss.url}/`, v4Form({ conditions: inList, override: { 'Content-Type': 'image/gif' } })), 403, 'AccessDenied', /\["in","\$content-type"/);
    const notIn = [['not-in', '$content-type', ['text/html']]];
    expectRefused(await postForm(oss, `${oss.url}/`, v4Form({ conditions: notIn, override: { 'Content-Type': 'text/html' } })), 403, 'AccessDenied', /\["not-in","\$content-type"/);
    const prefix = [['starts-with', '$Content-Type', 'image/']];
    expectRefused(await postForm(oss, `${oss.url}/`, v4Form({ conditions: prefix, override: { 'Content-Type': 'text/plain' } })), 403, 'AccessDenied', /\["starts-with","\$content-type","image\/"\]/);
  });

  it('refuses a second form to the same key with x-oss-forbid-overwrite, keeping the first object', async () => {
    const conditions = [['eq', '$key', 'users/alice/photo.png'], { 'x-oss-forbid-overwrite': 'true' }];
    const first = await postForm(oss, `${oss.url}/`, v4Form({ conditions, override: { 'x-oss-forbid-overwrite': 'true' } }));
    const second = await postForm(oss, `${oss.url}/`, v4Form({ conditions, override: { 'x-oss-forbid-overwrite': 'true' }, file: png(5) }));
    expect(first.status).toBe(204);
    expectRefused(second, 409, 'FileAlreadyExists');
    expect(oss.object('users/alice/photo.png')).toHaveLength(100);
  });

  it('never echoes a security token when the condition on it fails', async () => {
    // The form carries Alice's own token (so it passes as hers), but the policy pins Bob's.
    const conditions = [{ 'x-oss-security-token': bob.securityToken }];
    const reply = await postForm(oss, `${oss.url}/`, v4Form({ withTokenCondition: false, conditions }));
    expectRefused(reply, 403, 'AccessDenied', /Condition failed: .*\[redacted\]/);
    expect(reply.text).not.toContain(bob.securityToken);
    expect(reply.text).not.toContain(alice.securityToken);
  });
});

describe('POST Object, V1 forms signed with ali-oss calculatePostSignature', () => {
  const v1Form = (override: Record<string, string> = {}): [string, FormValue][] => {
    const policy = { expiration: new Date(Date.now() + 300_000).toISOString(), conditions: [['eq', '$key', 'users/alice/v1.png'], ['content-length-range', 1, 1024]] };
    const signed = clientFor(alice).calculatePostSignature(policy);
    const fields = { key: 'users/alice/v1.png', OSSAccessKeyId: signed.OSSAccessKeyId, policy: signed.policy, Signature: signed.Signature, 'x-oss-security-token': alice.securityToken, ...override };
    return [...Object.entries(fields), ['file', png(10)]];
  };

  it('stores a V1 form and refuses it with a tampered signature', async () => {
    expect((await postForm(oss, `${oss.url}/`, v1Form())).status).toBe(204);
    expectRefused(await postForm(oss, `${oss.url}/`, v1Form({ Signature: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' })), 403, 'SignatureDoesNotMatch');
    expect(oss.object('users/alice/v1.png')).toHaveLength(10);
  });
});

describe('presigned URLs, V4 from ali-oss signatureUrlV4', () => {
  const put = (url: string, body: string, headers: Record<string, string> = { 'content-type': 'text/plain' }) => sendTo(oss, url, { method: 'PUT', headers, body });

  it('stores a PUT bound to its content type and serves it back to a presigned GET, with the signed filename', async () => {
    const putUrl = await clientFor(alice).signatureUrlV4('PUT', 300, { headers: { 'content-type': 'text/plain' } }, 'users/alice/notes.txt');
    expect((await put(putUrl, 'hello')).status).toBe(200);

    const getUrl = await clientFor(alice).signatureUrlV4('GET', 300, { queries: { 'response-content-disposition': 'attachment; filename="notes.txt"' } }, 'users/alice/notes.txt');
    const got = await sendTo(oss, getUrl, { method: 'GET' });
    expectDownload(got, { body: 'hello', contentType: 'text/plain', disposition: 'attachment; filename="notes.txt"' });
    expect(oss.calls.map((call) => call.by)).toEqual(['query', 'query']);
  });

  it('refuses another Content-Type than the signed one, and a Content-Length other than the signed one', async () => {
    const url = await clientFor(alice).signatureUrlV4('PUT', 300, { headers: { 'content-type': 'text/plain' } }, 'users/alice/a.txt');
    expectRefused(await put(url, 'hello', { 'content-type': 'text/html' }), 403, 'SignatureDoesNotMatch');
    const sized = await clientFor(alice).signatureUrlV4('PUT', 300, { headers: { 'content-type': 'text/plain', 'content-length': '5' } }, 'users/alice/b.txt', ['content-length']);
    expectRefused(await put(sized, 'hello, world'), 403, 'SignatureDoesNotMatch');
    expect((await put(sized, 'hello')).status).toBe(200);
  });

  it('refuses a URL once x-oss-expires has passed', async () => {
    const url = await clientFor(alice).signatureUrlV4('PUT', 60, { headers: { 'content-type': 'text/plain' } }, 'users/alice/a.txt');
    clockSkewMs = 61_000;
    expectRefused(await put(url, 'hello'), 403, 'AccessDenied', /Request has expired/);
  });

  it('refuses a URL without the security token, with another key’s token, and from an expired key', async () => {
    expectRefused(await put(await clientFor(alice, { withToken: false }).signatureUrlV4('PUT', 300, { headers: { 'content-type': 'text/plain' } }, 'users/alice/a.txt'), 'x'), 403, 'InvalidSecurityToken');
    const mixed = clientFor({ ...alice, securityToken: bob.securityToken });
    expectRefused(await put(await mixed.signatureUrlV4('PUT', 300, { headers: { 'content-type': 'text/plain' } }, 'users/alice/a.txt'), 'x'), 403, 'InvalidSecurityToken');
    const expired = issueTestKey(oss, 'expired', -1000);
    expectRefused(await put(await clientFor(expired).signatureUrlV4('PUT', 300, { headers: { 'content-type': 'text/plain' } }, 'users/alice/a.txt'), 'x'), 403, 'SecurityTokenExpired');
  });

  it('refuses a tampered signature, another key in the path, and a response override added after signing', async () => {
    const url = await clientFor(alice).signatureUrlV4('GET', 300, {}, 'users/alice/a.txt');
    expectRefused(await sendTo(oss, url.replace(/x-oss-signature=[0-9a-f]{4}/, 'x-oss-signature=0000'), { method: 'GET' }), 403, 'SignatureDoesNotMatch');
    expectRefused(await sendTo(oss, url.replace('users/alice/a.txt', 'users/bob/a.txt'), { method: 'GET' }), 403, 'SignatureDoesNotMatch');
    expectRefused(await sendTo(oss, `${url}&response-content-disposition=attachment`, { method: 'GET' }), 403, 'SignatureDoesNotMatch');
  });

  it('refuses a second PUT to the key with x-oss-forbid-overwrite (409 FileAlreadyExists), and the URL without the signed header', async () => {
    const url = await clientFor(alice).signatureUrlV4('PUT', 300, { headers: { 'content-type': 'text/plain', 'x-oss-forbid-overwrite': 'true' } }, 'users/alice/once.txt');
    const headers = { 'content-type': 'text/plain', 'x-oss-forbid-overwrite': 'true' };
    expect((await put(url, 'first', headers)).status).toBe(200);
    expectRefused(await put(url, 'second', headers), 409, 'FileAlreadyExists');
    expectRefused(await put(url, 'third'), 403, 'SignatureDoesNotMatch');
    expect(oss.object('users/alice/once.txt')?.toString()).toBe('first');
  });
});

describe('presigned URLs, V1 from ali-oss signatureUrl', () => {
  // signatureUrl refuses IP endpoints, so the URL names localhost; the request still goes to the stand-in.
  const client = () => clientFor(alice, { endpoint: `http://localhost:${oss.host.split(':')[1]}` });

  it('stores a PUT, serves a GET with its signed response-content-disposition, and refuses it once expired', async () => {
    const putUrl = client().signatureUrl('users/alice/v1.txt', { method: 'PUT', expires: 60, 'Content-Type': 'text/plain' });
    expect((await sendTo(oss, putUrl, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'v1' })).status).toBe(200);
    expectRefused(await sendTo(oss, putUrl, { method: 'PUT', headers: { 'content-type': 'text/html' }, body: 'v1' }), 403, 'SignatureDoesNotMatch');

    const getUrl = client().signatureUrl('users/alice/v1.txt', { expires: 60, response: { 'content-disposition': 'attachment' } });
    const got = await sendTo(oss, getUrl, { method: 'GET' });
    expect({ status: got.status, body: got.text, disposition: got.headers['content-disposition'] }).toEqual({ status: 200, body: 'v1', disposition: 'attachment' });
    clockSkewMs = 61_000;
    expectRefused(await sendTo(oss, getUrl, { method: 'GET' }), 403, 'AccessDenied', /Request has expired/);
  });
});
