/**
 * Tencent COS q-sign (lib/sign/tencent):
 *  1. the official worked examples, byte for byte: the upload and download examples of "请求签名"
 *     (cloud.tencent.com/document/product/436/7778, 签名示例: PUT /exampleobject(腾讯云), GET with response-*
 *     parameters) and the POST Object policy example of "POST Object" → 签名保护实际案例 (.../436/14690);
 *  2. differential tests against cos-js-sdk-v5 1.10.1 over generated inputs: `COS.getAuthorization` (util.getAuth)
 *     for the signature itself, `getObjectUrl({ Sign: true })` for the URL layout and its signature. The SDK has
 *     no POST Object signer, so the form signature rests on the official example alone;
 *  3. where the SDK departs from the published algorithm, pinned;
 *  4. what the form, the PUT URL and the GET URL bind.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { objectSigners } from '../../lib/sign/index.js';
import { CLOCK_SKEW_SECONDS } from '../../lib/sign/tencent/cos-signer.js';
import { cosAuthorization, cosPolicySignature, cosSignKey, signCosRequest } from '../../lib/sign/tencent/q-sign.js';
import { atTime, contentType, credentials, filename, objectKey, policyOf, queryOf, RUNS, SEED, signingTime } from './sign-fixtures.js';

const cos = objectSigners.tencent;
const require = createRequire(import.meta.url);

interface GetAuthOptions {
  SecretId: string;
  SecretKey: string;
  Method: string;
  Key: string;
  Query?: Record<string, string>;
  Headers?: Record<string, string>;
  KeyTime?: string;
}
interface CosClient {
  getObjectUrl(params: Record<string, unknown>, callback: (err: unknown, data: { Url: string }) => void): string;
}
const COS = require('cos-js-sdk-v5') as { new (options: Record<string, unknown>): CosClient; getAuthorization(options: GetAuthOptions): string };
const COS_SDK_VERSION = (require('cos-js-sdk-v5/package.json') as { version: string }).version;

// ---------------------------------------------------------------------------------------------------------------
// 1. Official worked examples.
// ---------------------------------------------------------------------------------------------------------------

const OFFICIAL_KEYS = { accessKeyId: 'AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q', accessKeySecret: 'BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz' } as const;

describe('official example: upload an object (436/7778)', () => {
  const keyTime = '1557989151;1557996351';
  const signature = signCosRequest(
    {
      method: 'PUT',
      // The request line carries /exampleobject(%E8%85%BE%E8%AE%AF%E4%BA%91); the signature uses the key as stored.
      path: '/exampleobject(腾讯云)',
      query: {},
      headers: {
        Date: 'Thu, 16 May 2019 06:45:51 GMT',
        Host: 'examplebucket-1250000000.cos.ap-beijing.myqcloud.com',
        'Content-Type': 'text/plain',
        'Content-Length': '13',
        'Content-MD5': 'mQ/fVh815F3k6TAUm8m0eg==',
        'x-cos-acl': 'private',
        'x-cos-grant-read': 'uin="100000000011"',
      },
    },
    OFFICIAL_KEYS,
    keyTime,
  );

  it('derives the SignKey', () => {
    expect(cosSignKey(OFFICIAL_KEYS.accessKeySecret, keyTime)).toBe('eb2519b498b02ac213cb1f3d1a3d27a3b3c9bc5f');
  });

  it('builds the HttpString and the StringToSign', () => {
    expect(signature.httpString).toBe(
      'put\n/exampleobject(腾讯云)\n\n' +
        'content-length=13&content-md5=mQ%2FfVh815F3k6TAUm8m0eg%3D%3D&content-type=text%2Fplain&date=Thu%2C%2016%20May%202019%2006%3A45%3A51%20GMT' +
        '&host=examplebucket-1250000000.cos.ap-beijing.myqcloud.com&x-cos-acl=private&x-cos-grant-read=uin%3D%22100000000011%22\n',
    );
    expect(signature.stringToSign).toBe('sha1\n1557989151;1557996351\n8b2751e77f43a0995d6e9eb9477f4b685cca4172\n');
  });

  it('produces the published Authorization', () => {
    expect(cosAuthorization(signature)).toBe(
      'q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q&q-sign-time=1557989151;1557996351&q-key-time=1557989151;1557996351' +
        '&q-header-list=content-length;content-md5;content-type;date;host;x-cos-acl;x-cos-grant-read&q-url-param-list=&q-signature=3b8851a11a569213c17ba8fa7dcf2abec6935172',
    );
  });
});

describe('official example: download an object with response-* parameters (436/7778)', () => {
  const keyTime = '1557989753;1557996953';
  const signature = signCosRequest(
    {
      method: 'GET',
      path: '/exampleobject(腾讯云)',
      query: { 'response-content-type': 'application/octet-stream', 'response-cache-control': 'max-age=600' },
      headers: { Date: 'Thu, 16 May 2019 06:55:53 GMT', Host: 'examplebucket-1250000000.cos.ap-beijing.myqcloud.com' },
    },
    OFFICIAL_KEYS,
    keyTime,
  );

  it('derives the SignKey, sorts and encodes the parameters, and gets the published signature', () => {
    expect(cosSignKey(OFFICIAL_KEYS.accessKeySecret, keyTime)).toBe('937914bf490e9e8c189836aad2052e4feeb35eaf');
    expect(signature.params['q-url-param-list']).toBe('response-cache-control;response-content-type');
    expect(signature.params['q-header-list']).toBe('date;host');
    expect(signature.httpString).toBe(
      'get\n/exampleobject(腾讯云)\nresponse-cache-control=max-age%3D600&response-content-type=application%2Foctet-stream\n' +
        'date=Thu%2C%2016%20May%202019%2006%3A55%3A53%20GMT&host=examplebucket-1250000000.cos.ap-beijing.myqcloud.com\n',
    );
    expect(signature.stringToSign).toBe('sha1\n1557989753;1557996953\n54ecfe22f59d3514fdc764b87a32d8133ea611e6\n');
    expect(signature.params['q-signature']).toBe('01681b8c9d798a678e43b685a9f1bba0f6c0e012');
  });
});

describe('official example: POST Object policy signature (436/14690)', () => {
  // The published policy, with its whitespace: COS hashes the JSON text itself, so every byte counts.
  const policyText =
    '{\n    "expiration": "2019-08-30T09:38:12.414Z",\n    "conditions": [\n        { "acl": "default" },\n' +
    '        { "bucket": "examplebucket-1250000000" },\n        [ "starts-with", "$key", "folder/subfolder/" ],\n' +
    '        [ "starts-with", "$Content-Type", "image/" ],\n        [ "starts-with", "$success_action_redirect", "https://my.website/" ],\n' +
    '        [ "eq", "$x-cos-server-side-encryption", "AES256" ],\n        { "q-sign-algorithm": "sha1" },\n' +
    '        { "q-ak": "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q" },\n        { "q-sign-time": "1567150692;1567157892" }\n    ]\n}';
  const publishedPolicyField =
    'ewogICAgImV4cGlyYXRpb24iOiAiMjAxOS0wOC0zMFQwOTozODoxMi40MTRaIiwKICAgICJjb25kaXRpb25zIjogWwogICAgICAgIHsgImFjbCI6ICJkZWZhdWx0IiB9LAogICAgICAgIHsgImJ1Y2tldCI6ICJleGFtcGxlYnVja2V0LTEyNTAwMDAwMDAiIH0sCiAgICAgICAgWyAic3RhcnRzLXdpdGgiLCAiJGtleSIsICJmb2xkZXIvc3ViZm9sZGVyLyIgXSwKICAgICAgICBbICJzdGFydHMtd2l0aCIsICIkQ29udGVudC1UeXBlIiwgImltYWdlLyIgXSwKICAgICAgICBbICJzdGFydHMtd2l0aCIsICIkc3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiLCAiaHR0cHM6Ly9teS53ZWJzaXRlLyIgXSwKICAgICAgICBbICJlcSIsICIkeC1jb3Mtc2VydmVyLXNpZGUtZW5jcnlwdGlvbiIsICJBRVMyNTYiIF0sCiAgICAgICAgeyAicS1zaWduLWFsZ29yaXRobSI6ICJzaGExIiB9LAogICAgICAgIHsgInEtYWsiOiAiQUtJRFFqejNsdG9tcFZqQm5pNUxpdGtXSEZsRnB3a245VTVxIiB9LAogICAgICAgIHsgInEtc2lnbi10aW1lIjogIjE1NjcxNTA2OTI7MTU2NzE1Nzg5MiIgfQogICAgXQp9';
  const keyTime = '1567150692;1567157892';

  it('the published policy field is this text, base64-encoded', () => {
    expect(Buffer.from(policyText, 'utf8').toString('base64')).toBe(publishedPolicyField);
  });

  it('SignKey, StringToSign (SHA-1 of the JSON text, not of its base64) and Signature match', () => {
    expect(cosSignKey(OFFICIAL_KEYS.accessKeySecret, keyTime)).toBe('39acc8c9f34ba5b19bce4e965b370cd3f62d2fba');
    expect(createHash('sha1').update(policyText).digest('hex')).toBe('d5d903b8360468bc81c1311f134989bc8c8b5b89');
    expect(cosPolicySignature(OFFICIAL_KEYS.accessKeySecret, keyTime, policyText)).toBe('7758dc9a832e9d301dca704cacbf9d9f8172fdef');
    expect(cosPolicySignature(OFFICIAL_KEYS.accessKeySecret, keyTime, publishedPolicyField)).not.toBe('7758dc9a832e9d301dca704cacbf9d9f8172fdef');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 2. Differential tests against cos-js-sdk-v5.
// ---------------------------------------------------------------------------------------------------------------

const alnumDash = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.');
const paramName = fc.string({ unit: alnumDash, minLength: 1, maxLength: 16 });
const headerValue = fc.string({ unit: fc.constantFrom(...'abc XYZ019+/=;:,"\'()*!~é文'), minLength: 0, maxLength: 24 });
/** Headers the SDK lets into a signature (x-cos-*, host, content-length and its other listed names). */
const sdkSignableHeader = fc.oneof(
  fc.constantFrom('host', 'content-length', 'content-md5', 'cache-control', 'content-disposition', 'range', 'origin'),
  paramName.map((name) => `x-cos-${name.toLowerCase()}`),
);
const keyTime = fc.tuple(fc.integer({ min: 1_500_000_000, max: 1_900_000_000 }), fc.integer({ min: 1, max: 604_800 })).map(([start, life]) => `${start};${start + life}`);

describe(`differential: cos-js-sdk-v5 ${COS_SDK_VERSION}`, () => {
  it('is the version these tests were checked against', () => {
    expect(COS_SDK_VERSION).toBe('1.10.1');
  });

  it('the signature: same Authorization as COS.getAuthorization for the same method, key, parameters, headers and KeyTime', () => {
    fc.assert(
      fc.property(
        fc.record({
          method: fc.constantFrom('get', 'put', 'post', 'delete', 'head'),
          key: objectKey,
          query: fc.dictionary(paramName, headerValue, { maxKeys: 4 }),
          headers: fc.dictionary(sdkSignableHeader, headerValue, { maxKeys: 4 }),
          credentials,
          keyTime,
        }),
        (input) => {
          const ours = cosAuthorization(signCosRequest({ method: input.method, path: `/${input.key}`, query: input.query, headers: input.headers }, input.credentials, input.keyTime));
          const theirs = COS.getAuthorization({
            SecretId: input.credentials.accessKeyId,
            SecretKey: input.credentials.accessKeySecret,
            Method: input.method,
            Key: input.key,
            // fast-check's dictionaries have no prototype; the SDK calls hasOwnProperty on what it is given.
            Query: { ...input.query },
            Headers: { ...input.headers },
            KeyTime: input.keyTime,
          });
          expect(ours).toBe(theirs);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('the URL: getObjectUrl({ Sign: true }) encodes the path the same way, and its signature is ours for the same inputs', () => {
    fc.assert(
      fc.property(fc.record({ key: objectKey, credentials, now: signingTime, expiresIn: fc.integer({ min: 1, max: 604_800 }), method: fc.constantFrom('GET', 'PUT') }), (input) => {
        const client = new COS({ SecretId: input.credentials.accessKeyId, SecretKey: input.credentials.accessKeySecret });
        const theirs = atTime(input.now, () =>
          client.getObjectUrl({ Bucket: 'media-1250000000', Region: 'ap-guangzhou', Key: input.key, Sign: true, Expires: input.expiresIn, Method: input.method }, () => {}),
        );
        // The object URL is the same for every method; the GET signer gives ours.
        const ours = new URL(
          cos.presignGet({ credentials: input.credentials, bucket: 'media-1250000000', region: 'ap-guangzhou', key: input.key, expiresIn: input.expiresIn, now: input.now }).url,
        );
        const sdkUrl = new URL(theirs);
        expect(ours.origin + ours.pathname).toBe(sdkUrl.origin + sdkUrl.pathname);
        const sdkKeyTime = sdkUrl.searchParams.get('q-key-time')!;
        const recomputed = signCosRequest({ method: input.method, path: `/${input.key}`, query: {}, headers: { host: sdkUrl.host } }, input.credentials, sdkKeyTime);
        expect(sdkUrl.searchParams.get('q-header-list')).toBe('host');
        expect(sdkUrl.searchParams.get('q-signature')).toBe(recomputed.params['q-signature']);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 3. Where cos-js-sdk-v5 departs from the published algorithm.
// ---------------------------------------------------------------------------------------------------------------

describe('cos-js-sdk-v5 departures, pinned', () => {
  it('getAuthorization silently drops Content-Type from the signed headers (it signs only x-cos-*, host and a fixed list)', () => {
    const request = { method: 'put', path: '/k', query: {}, headers: { host: 'h', 'content-type': 'image/jpeg' } };
    const theirs = COS.getAuthorization({ SecretId: 'id', SecretKey: 'sk', Method: 'put', Key: 'k', Headers: request.headers, KeyTime: '1;2' });
    expect(theirs).toContain('q-header-list=host&');
    const ours = signCosRequest(request, { accessKeyId: 'id', accessKeySecret: 'sk' }, '1;2');
    expect(ours.params['q-header-list']).toBe('content-type;host');
    // The documented algorithm signs any header it is given: the official upload example signs content-type.
    expect(theirs).toBe(cosAuthorization(signCosRequest({ ...request, headers: { host: 'h' } }, { accessKeyId: 'id', accessKeySecret: 'sk' }, '1;2')));
  });

  it('getObjectUrl appends the security token unsigned and unencoded: a "+" in a token reads back as a space', () => {
    const client = new COS({ SecretId: 'id', SecretKey: 'sk', SecurityToken: 'a+b/c=' });
    const url = atTime(new Date('2026-01-01T00:00:00Z'), () => client.getObjectUrl({ Bucket: 'media-1250000000', Region: 'ap-guangzhou', Key: 'k', Sign: true }, () => {}));
    expect(url).toContain('&x-cos-security-token=a+b/c=');
    expect(new URL(url).searchParams.get('q-url-param-list')).toBe('');
    expect(new URL(url).searchParams.get('x-cos-security-token')).toBe('a b/c=');
    const ours = cos.presignGet({ credentials: { accessKeyId: 'id', accessKeySecret: 'sk', securityToken: 'a+b/c=' }, bucket: 'media-1250000000', region: 'ap-guangzhou', key: 'k', expiresIn: 60, now: new Date('2026-01-01T00:00:00Z') });
    expect(queryOf(ours.url)['x-cos-security-token']).toBe('a+b/c=');
    expect(queryOf(ours.url)['q-url-param-list']).toBe('x-cos-security-token');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 4. What each signature binds.
// ---------------------------------------------------------------------------------------------------------------

const CREDS = { accessKeyId: 'AKIDtestkeyid', accessKeySecret: 'test-secret-value', securityToken: 'tencent-token+/=' } as const;
const NOW = new Date('2026-03-04T05:06:07.890Z');
const SIGNED_AT = Math.floor(NOW.getTime() / 1000);
const base = { credentials: CREDS, bucket: 'media-1250000000', region: 'ap-guangzhou', now: NOW } as const;

describe('POST form', () => {
  const form = cos.signPostForm({ ...base, key: 'users/u1/a b+c~é.jpg', contentType: 'image/jpeg', maxSize: 10_485_760, expiresIn: 300 });
  const keyTimeValue = `${SIGNED_AT - CLOCK_SKEW_SECONDS};${SIGNED_AT + 300}`;

  it('posts to the bucket root with the q-* fields, the token and the policy', () => {
    expect(form.url).toBe('https://media-1250000000.cos.ap-guangzhou.myqcloud.com/');
    expect(form.fields).toEqual({
      key: 'users/u1/a b+c~é.jpg',
      'Content-Type': 'image/jpeg',
      'x-cos-security-token': CREDS.securityToken,
      policy: expect.any(String),
      'q-sign-algorithm': 'sha1',
      'q-ak': CREDS.accessKeyId,
      'q-key-time': keyTimeValue,
      'q-sign-time': keyTimeValue,
      'q-signature': expect.stringMatching(/^[0-9a-f]{40}$/),
    });
  });

  it('the policy binds the bucket, the exact key, the size range, the exact type, the q-* fields and the token', () => {
    expect(policyOf(form.fields)).toEqual({
      expiration: '2026-03-04T05:11:07.000Z',
      conditions: [
        { bucket: 'media-1250000000' },
        ['eq', '$key', 'users/u1/a b+c~é.jpg'],
        ['content-length-range', 0, 10_485_760],
        ['eq', '$Content-Type', 'image/jpeg'],
        { 'q-sign-algorithm': 'sha1' },
        { 'q-ak': CREDS.accessKeyId },
        { 'q-sign-time': keyTimeValue },
        { 'x-cos-security-token': CREDS.securityToken },
      ],
    });
  });

  it('q-signature is the documented HMAC over the SHA-1 of the exact policy text that was encoded', () => {
    const text = Buffer.from(form.fields['policy']!, 'base64').toString('utf8');
    expect(form.fields['q-signature']).toBe(cosPolicySignature(CREDS.accessKeySecret, keyTimeValue, text));
  });
});

describe('presigned PUT', () => {
  const put = cos.presignPut({ ...base, key: 'users/u1/photo.jpg', contentType: 'image/jpeg', contentLength: 12345, forbidOverwrite: true, expiresIn: 600 });
  const query = queryOf(put.url);

  it('signs host, content-type, content-length and x-cos-forbid-overwrite, and the token as a parameter', () => {
    expect(put.headers).toEqual({ 'Content-Type': 'image/jpeg', 'x-cos-forbid-overwrite': 'true' });
    expect(put.signedHeaders).toEqual(['content-length', 'content-type', 'host', 'x-cos-forbid-overwrite']);
    expect(query['q-header-list']).toBe('content-length;content-type;host;x-cos-forbid-overwrite');
    expect(query['q-url-param-list']).toBe('x-cos-security-token');
    expect(put.sizeBound).toBe(true);
  });

  it('the q-signature is the documented signature of exactly that request', () => {
    const expected = signCosRequest(
      {
        method: 'put',
        path: '/users/u1/photo.jpg',
        query: { 'x-cos-security-token': CREDS.securityToken },
        headers: { host: 'media-1250000000.cos.ap-guangzhou.myqcloud.com', 'content-type': 'image/jpeg', 'content-length': '12345', 'x-cos-forbid-overwrite': 'true' },
      },
      CREDS,
      `${SIGNED_AT - CLOCK_SKEW_SECONDS};${SIGNED_AT + 600}`,
    );
    expect(query).toEqual({ 'x-cos-security-token': CREDS.securityToken, ...expected.params });
  });

  it('starts the signature a minute early, so a clock slightly ahead of COS still hands out a working URL; ends at the expiration', () => {
    expect(query['q-sign-time']).toBe(`${SIGNED_AT - 60};${SIGNED_AT + 600}`);
    expect(put.expiration).toBe(new Date((SIGNED_AT + 600) * 1000).toISOString());
  });
});

describe('presigned GET', () => {
  it('signs host, the token and response-content-disposition', () => {
    const get = cos.presignGet({ ...base, key: 'a b/c+d/~e/文件', filename: 'report.pdf', expiresIn: 300 });
    const query = queryOf(get.url);
    expect(new URL(get.url).pathname).toBe('/a%20b/c%2Bd/~e/%E6%96%87%E4%BB%B6');
    expect(query['q-url-param-list']).toBe('response-content-disposition;x-cos-security-token');
    expect(query['q-header-list']).toBe('host');
    expect(query['response-content-disposition']).toBe(`attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`);
  });

  it('a download name of any text round-trips through the URL', () => {
    fc.assert(
      fc.property(filename, (name) => {
        const get = cos.presignGet({ ...base, key: 'k', filename: name, expiresIn: 60 });
        const disposition = queryOf(get.url)['response-content-disposition']!;
        expect(decodeURIComponent(disposition.split("filename*=UTF-8''")[1]!)).toBe(name);
      }),
      { seed: SEED, numRuns: 100 },
    );
  });
});

it('every generated upload signs with the content type and path it was asked for', () => {
  fc.assert(
    fc.property(fc.record({ key: objectKey, contentType, credentials, now: signingTime }), (input) => {
      const put = cos.presignPut({ ...base, ...input, forbidOverwrite: false, expiresIn: 60 });
      const query = queryOf(put.url);
      const recomputed = signCosRequest(
        { method: 'PUT', path: `/${input.key}`, query: input.credentials.securityToken === undefined ? {} : { 'x-cos-security-token': input.credentials.securityToken }, headers: { host: new URL(put.url).host, 'content-type': input.contentType } },
        input.credentials,
        query['q-key-time']!,
      );
      expect(query['q-signature']).toBe(recomputed.params['q-signature']);
      expect(decodeURIComponent(new URL(put.url).pathname)).toBe(`/${input.key}`);
    }),
    { seed: SEED, numRuns: 100 },
  );
});
