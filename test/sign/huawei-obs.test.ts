/**
 * Huawei OBS signatures (lib/sign/huawei):
 *  1. the official examples of "URL中携带签名" (support.huaweicloud.com/api-obs/obs_04_0011.html; huaweicloudDocs/obs,
 *     cn.zh-cn/API参考/URL中携带签名.md): the StringToSign of a download with long-term keys, of the same download with
 *     a security token (a sub-resource of the CanonicalizedResource), and the documented CanonicalizedResource with
 *     two sub-resources, byte for byte. The page publishes signatures but not the SK that made them (its AccessKeyId
 *     is shown as a placeholder), and the POST pages ("POST上传", "基于浏览器上传的表单中携带签名") likewise show
 *     signatures without a secret, so no published signature value can be reproduced: the HMAC itself is pinned by
 *     the differential tests;
 *  2. differential tests against esdk-obs-browserjs 3.25.6 (its shipped browser bundle) over generated inputs: `createSignedUrlSync` for presigned
 *     PUT and GET (the exact Signature and URL), `createPostSignatureSync` for the form signature, with our policy
 *     required to bind everything the SDK's does;
 *  3. where the SDK departs from what OBS documents, pinned;
 *  4. what the form, the PUT URL and the GET URL bind.
 */
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { obsSignature, obsStringToSign } from '../../lib/sign/huawei/obs-signature.js';
import { objectSigners, type SigningCredentials } from '../../lib/sign/index.js';
import { atTime, contentType, credentials, filename, objectKey, policyOf, queryOf, RUNS, SEED, signingTime } from './sign-fixtures.js';

const obs = objectSigners.huawei;
const require = createRequire(import.meta.url);

interface ObsClient {
  createSignedUrlSync(param: Record<string, unknown>): { SignedUrl: string; ActualSignedRequestHeaders: Record<string, string> };
  createPostSignatureSync(param: Record<string, unknown>): { OriginPolicy: string; Policy: string; Signature: string };
}
/**
 * The browser bundle the package ships (the code a web page runs). Its UMD wrapper reads the global `self`, which
 * Node spells `globalThis`.
 */
if (!('self' in globalThis)) Object.assign(globalThis, { self: globalThis });
const ObsSdk = require('esdk-obs-browserjs/dist/@cloud/esdk-obs-browserjs-without-polyfill.3.25.6.min.js') as new (options: Record<string, unknown>) => ObsClient;
const OBS_SDK_VERSION = (require('esdk-obs-browserjs/package.json') as { version: string }).version;

function obsClient(region: string, creds: SigningCredentials): ObsClient {
  return new ObsSdk({
    access_key_id: creds.accessKeyId,
    secret_access_key: creds.accessKeySecret,
    ...(creds.securityToken === undefined ? {} : { security_token: creds.securityToken }),
    server: `https://obs.${region}.myhuaweicloud.com`,
  });
}

// createPostSignatureSync base64-encodes with `window.btoa` when there is one, else with js-base64 (UTF-8). Node has
// no window: an empty one makes the SDK take the UTF-8 path, which is what its signatures must be compared with.
const hadWindow = 'window' in globalThis;
beforeAll(() => {
  if (!hadWindow) Object.assign(globalThis, { window: {} });
});
afterAll(() => {
  if (!hadWindow) Reflect.deleteProperty(globalThis, 'window');
});

// ---------------------------------------------------------------------------------------------------------------
// 1. Official examples (StringToSign).
// ---------------------------------------------------------------------------------------------------------------

describe('official examples: URL中携带签名 (obs_04_0011)', () => {
  const download = { method: 'GET', bucket: 'examplebucket', key: 'objectkey', expires: 1532779451, obsHeaders: {} } as const;

  it('a download with long-term keys: GET\\n\\n\\n1532779451\\n/examplebucket/objectkey', () => {
    expect(obsStringToSign({ ...download, subResources: {} })).toBe('GET\n\n\n1532779451\n/examplebucket/objectkey');
  });

  it('with temporary keys the security token is a sub-resource of the CanonicalizedResource', () => {
    expect(obsStringToSign({ ...download, subResources: { 'x-obs-security-token': 'YwkaRTbdY8g7q....' } })).toBe(
      'GET\n\n\n1532779451\n/examplebucket/objectkey?x-obs-security-token=YwkaRTbdY8g7q....',
    );
  });

  it('sub-resources are sorted and their values signed as they are: /bucket-test/object-test?response-content-type=text/plain&versionId=xxx', () => {
    const stringToSign = obsStringToSign({ ...download, bucket: 'bucket-test', key: 'object-test', subResources: { versionId: 'xxx', 'response-content-type': 'text/plain' } });
    expect(stringToSign.split('\n').at(-1)).toBe('/bucket-test/object-test?response-content-type=text/plain&versionId=xxx');
  });

  it('x-obs-* headers are lower-cased, trimmed, sorted, one line each, between Expires and the resource', () => {
    expect(obsStringToSign({ ...download, method: 'PUT', contentType: 'image/jpeg', obsHeaders: { 'X-Obs-Meta-B': ' 2 ', 'x-obs-acl': 'private' }, subResources: {} })).toBe(
      'PUT\n\nimage/jpeg\n1532779451\nx-obs-acl:private\nx-obs-meta-b:2\n/examplebucket/objectkey',
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 2. Differential tests against esdk-obs-browserjs.
// ---------------------------------------------------------------------------------------------------------------

const region = fc.constantFrom('cn-north-4', 'cn-east-3', 'ap-southeast-1');
const bucket = fc.stringMatching(/^[a-z0-9][a-z0-9-]{1,20}[a-z0-9]$/);
const lifetime = fc.integer({ min: 1, max: 86_400 });

/** Same host and port-less origin, same raw path, same decoded query: the SDK always writes `:443`. */
function expectSameUrl(ours: string, theirs: string): void {
  const a = new URL(ours);
  const b = new URL(theirs);
  expect(`${a.protocol}//${a.hostname}${a.pathname}`).toBe(`${b.protocol}//${b.hostname}${b.pathname}`);
  expect(queryOf(ours)).toEqual(queryOf(theirs));
}

describe(`differential: esdk-obs-browserjs ${OBS_SDK_VERSION}`, () => {
  it('is the version these tests were checked against', () => {
    expect(OBS_SDK_VERSION).toBe('3.25.6');
  });

  it('presigned PUT: same URL and Signature as createSignedUrlSync with the same headers', () => {
    fc.assert(
      fc.property(fc.record({ region, bucket, key: objectKey, contentType, credentials, now: signingTime, expiresIn: lifetime, forbidOverwrite: fc.boolean() }), (input) => {
        const ours = obs.presignPut(input);
        const theirs = atTime(input.now, () =>
          obsClient(input.region, input.credentials).createSignedUrlSync({ Method: 'PUT', Bucket: input.bucket, Key: input.key, Expires: input.expiresIn, Headers: { ...ours.headers } }),
        );
        expectSameUrl(ours.url, theirs.SignedUrl);
        expect(theirs.ActualSignedRequestHeaders).toEqual(ours.headers);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('presigned GET with a download name: same URL and Signature as createSignedUrlSync with the same query', () => {
    fc.assert(
      fc.property(fc.record({ region, bucket, key: objectKey, credentials, now: signingTime, expiresIn: lifetime, filename: fc.option(filename, { nil: undefined }) }), (input) => {
        const ours = obs.presignGet(input);
        const disposition = new URL(ours.url).searchParams.get('response-content-disposition');
        const theirs = atTime(input.now, () =>
          obsClient(input.region, input.credentials).createSignedUrlSync({
            Method: 'GET',
            Bucket: input.bucket,
            Key: input.key,
            Expires: input.expiresIn,
            ...(disposition === null ? {} : { QueryParams: { 'response-content-disposition': disposition } }),
          }),
        );
        expectSameUrl(ours.url, theirs.SignedUrl);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('POST form: the same signature algorithm, the same expiration, and our policy binds every condition the SDK writes', () => {
    // Keys and tokens with '"' or '\\' are left out here: the SDK writes them into its policy unescaped (pinned below).
    const jsonSafe = (text: string | undefined) => text === undefined || !/["\\]/.test(text);
    const jsonSafeKey = objectKey.filter(jsonSafe);
    const jsonSafeCredentials = credentials.filter((creds) => jsonSafe(creds.securityToken));
    fc.assert(
      fc.property(fc.record({ region, bucket, key: jsonSafeKey, contentType, credentials: jsonSafeCredentials, now: signingTime, expiresIn: lifetime, maxSize: fc.integer({ min: 0, max: 5 * 1024 ** 3 }) }), (input) => {
        const form = obs.signPostForm(input);
        const theirs = atTime(input.now, () =>
          obsClient(input.region, input.credentials).createPostSignatureSync({ Bucket: input.bucket, Key: input.key, Expires: input.expiresIn, FormParams: { 'content-type': input.contentType } }),
        );
        expect(theirs.Signature).toBe(obsSignature(input.credentials.accessKeySecret, theirs.Policy));
        expect(form.fields['signature']).toBe(obsSignature(input.credentials.accessKeySecret, form.fields['policy']!));
        const sdkPolicy = JSON.parse(theirs.OriginPolicy) as { expiration: string; conditions: Record<string, string>[] };
        const ourPolicy = policyOf(form.fields);
        expect(ourPolicy.expiration).toBe(sdkPolicy.expiration);
        for (const condition of sdkPolicy.conditions) {
          const [name, value] = Object.entries(condition)[0]!;
          expect(ourPolicy.conditions).toContainEqual(name === 'bucket' || name === 'x-obs-security-token' ? { [name]: value } : ['eq', `$${name}`, value]);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 3. Where esdk-obs-browserjs departs from what OBS documents.
// ---------------------------------------------------------------------------------------------------------------

describe('esdk-obs-browserjs departures, pinned', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const creds = { accessKeyId: 'AKOBSTEST', accessKeySecret: 'obs-secret' };

  it('createPostSignatureSync writes field values into the policy by string concatenation: a key with a quote gives invalid JSON', () => {
    const theirs = atTime(now, () => obsClient('cn-north-4', creds).createPostSignatureSync({ Bucket: 'media', Key: 'say "hi".txt', Expires: 60 }));
    expect(theirs.OriginPolicy).toContain('{"key":"say "hi".txt"}');
    expect(() => JSON.parse(theirs.OriginPolicy)).toThrow(SyntaxError);
    const ours = obs.signPostForm({ credentials: creds, bucket: 'media', region: 'cn-north-4', key: 'say "hi".txt', contentType: 'text/plain', maxSize: 10, expiresIn: 60, now });
    expect(policyOf(ours.fields).conditions).toContainEqual(['eq', '$key', 'say "hi".txt']);
  });

  it('in a browser (window.btoa), createPostSignatureSync cannot sign a policy with a non-Latin-1 key; ours encodes UTF-8', () => {
    const browserWindow = { btoa: (text: string) => globalThis.btoa(text) };
    const saved = Reflect.get(globalThis, 'window');
    Object.assign(globalThis, { window: browserWindow });
    try {
      expect(() => atTime(now, () => obsClient('cn-north-4', creds).createPostSignatureSync({ Bucket: 'media', Key: '文件.txt', Expires: 60 }))).toThrow();
    } finally {
      Object.assign(globalThis, { window: saved });
    }
    const ours = obs.signPostForm({ credentials: creds, bucket: 'media', region: 'cn-north-4', key: '文件.txt', contentType: 'text/plain', maxSize: 10, expiresIn: 60, now });
    expect(policyOf(ours.fields).conditions).toContainEqual(['eq', '$key', '文件.txt']);
  });

  it('the SDK leaves "/" unencoded in the token query value and writes the default port; OBS reads both alike', () => {
    const theirs = atTime(now, () => obsClient('cn-north-4', { ...creds, securityToken: 'a/b+c' }).createSignedUrlSync({ Method: 'GET', Bucket: 'media', Key: 'k', Expires: 60 }));
    expect(theirs.SignedUrl).toMatch(/^https:\/\/media\.obs\.cn-north-4\.myhuaweicloud\.com:443\/k\?/);
    expect(theirs.SignedUrl).toContain('x-obs-security-token=a/b%2Bc');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 4. What each signature binds.
// ---------------------------------------------------------------------------------------------------------------

const CREDS = { accessKeyId: 'HSTTESTKEYID', accessKeySecret: 'test-secret-value', securityToken: 'huawei-token+/=' } as const;
const NOW = new Date('2026-03-04T05:06:07.890Z');
const SIGNED_AT = Math.floor(NOW.getTime() / 1000);
const base = { credentials: CREDS, bucket: 'media', region: 'cn-north-4', now: NOW } as const;

describe('POST form', () => {
  const form = obs.signPostForm({ ...base, key: 'users/u1/a b+c~é.jpg', contentType: 'image/jpeg', minSize: 1, maxSize: 10_485_760, expiresIn: 300 });

  it('posts to the bucket root with AccessKeyId, signature, policy and the token', () => {
    expect(form.url).toBe('https://media.obs.cn-north-4.myhuaweicloud.com/');
    expect(form.fields).toEqual({
      key: 'users/u1/a b+c~é.jpg',
      'content-type': 'image/jpeg',
      'x-obs-security-token': CREDS.securityToken,
      policy: expect.any(String),
      AccessKeyId: CREDS.accessKeyId,
      signature: obsSignature(CREDS.accessKeySecret, form.fields['policy']!),
    });
  });

  it('the policy names every field OBS wants named (all but AccessKeyId, signature, policy), with its exact value', () => {
    expect(policyOf(form.fields)).toEqual({
      expiration: '2026-03-04T05:11:07Z',
      conditions: [
        { bucket: 'media' },
        ['eq', '$key', 'users/u1/a b+c~é.jpg'],
        ['content-length-range', 1, 10_485_760],
        ['eq', '$content-type', 'image/jpeg'],
        { 'x-obs-security-token': CREDS.securityToken },
      ],
    });
  });
});

describe('presigned PUT', () => {
  it('signs Content-Type and x-obs-forbid-overwrite; the token is a signed sub-resource', () => {
    const put = obs.presignPut({ ...base, key: 'users/u1/photo.jpg', contentType: 'image/jpeg', forbidOverwrite: true, expiresIn: 600 });
    expect(put.headers).toEqual({ 'Content-Type': 'image/jpeg', 'x-obs-forbid-overwrite': 'true' });
    expect(put.signedHeaders).toEqual(['content-type', 'x-obs-forbid-overwrite']);
    expect(put.overwriteForbidden).toBe(true);
    const stringToSign = obsStringToSign({
      method: 'PUT',
      bucket: 'media',
      key: 'users/u1/photo.jpg',
      contentType: 'image/jpeg',
      expires: SIGNED_AT + 600,
      obsHeaders: { 'x-obs-forbid-overwrite': 'true' },
      subResources: { 'x-obs-security-token': CREDS.securityToken },
    });
    expect(queryOf(put.url)).toEqual({
      AccessKeyId: CREDS.accessKeyId,
      Expires: String(SIGNED_AT + 600),
      'x-obs-security-token': CREDS.securityToken,
      Signature: obsSignature(CREDS.accessKeySecret, stringToSign),
    });
  });

  it('cannot bind the size: sizeBound is false, and asking for it is refused rather than dropped', () => {
    expect(obs.capabilities.putBindsSize).toBe(false);
    expect(obs.presignPut({ ...base, key: 'k', contentType: 'image/jpeg', forbidOverwrite: false, expiresIn: 60 }).sizeBound).toBe(false);
    expect(() => obs.presignPut({ ...base, key: 'k', contentType: 'image/jpeg', contentLength: 10, forbidOverwrite: false, expiresIn: 60 })).toThrow(
      expect.objectContaining({ field: 'contentLength', reason: 'unsupported' }),
    );
  });
});

describe('presigned GET', () => {
  it('signs the download name and the token as sub-resources, and encodes the key path as the SDK and OBS do', () => {
    const get = obs.presignGet({ ...base, key: 'a b/c+d/~e/文件', filename: 'Résumé.pdf', expiresIn: 300 });
    expect(new URL(get.url).pathname).toBe('/a%20b/c%2Bd/~e/%E6%96%87%E4%BB%B6');
    const disposition = `attachment; filename="R_sum_.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9.pdf`;
    expect(queryOf(get.url)['response-content-disposition']).toBe(disposition);
    const stringToSign = obsStringToSign({
      method: 'GET',
      bucket: 'media',
      key: 'a b/c+d/~e/文件',
      expires: SIGNED_AT + 300,
      obsHeaders: {},
      subResources: { 'response-content-disposition': disposition, 'x-obs-security-token': CREDS.securityToken },
    });
    expect(stringToSign.endsWith(`/media/a%20b/c%2Bd/~e/%E6%96%87%E4%BB%B6?response-content-disposition=${disposition}&x-obs-security-token=${CREDS.securityToken}`)).toBe(true);
    expect(queryOf(get.url)['Signature']).toBe(obsSignature(CREDS.accessKeySecret, stringToSign));
  });
});
