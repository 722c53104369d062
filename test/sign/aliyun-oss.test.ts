/**
 * Aliyun OSS signature V4 (lib/sign/aliyun):
 *  1. vendor test vectors: Aliyun's own Go SDK v2 (aliyun/alibabacloud-oss-go-sdk-v2, oss/signer/signer_test.go,
 *     TestV4AuthQuery, TestV4AuthQueryToken, TestV4AuthQueryWithAdditionalHeaders), byte for byte. Aliyun's
 *     documentation has no V4 worked example with published inputs and outputs: its URL example
 *     (help.aliyun.com/zh/oss/developer-reference/add-signatures-to-urls) masks the AccessKey and gives no secret,
 *     and the POST V4 page (.../signature-version-4-recommend) gives the algorithm and field tables only;
 *  2. differential tests against ali-oss 6.23.0 over generated inputs: `signatureUrlV4` for presigned PUT and GET,
 *     `signPostObjectPolicyV4` (ali-oss's V4 POST helper) for the form signature; `calculatePostSignature` is V1
 *     (HMAC-SHA1) and is pinned below only to show why it is not the reference;
 *  3. where ali-oss departs from the algorithm Aliyun's Go SDK (and OSS) use, pinned with exact strings;
 *  4. what the form, the PUT URL and the GET URL bind.
 */
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ossV4CanonicalQuery, ossV4CanonicalRequest, ossV4Credential, ossV4Signature, ossV4StringToSign } from '../../lib/sign/aliyun/oss-v4.js';
import { objectSigners, type SigningCredentials } from '../../lib/sign/index.js';
import { basicIsoTimestamp } from '../../lib/sts/encoding.js';
import { atTimeAsync, contentType, credentials, filename, objectKey, policyOf, queryOf, RUNS, SEED, signatureOf, signingTime } from './sign-fixtures.js';

const oss = objectSigners.aliyun;
const require = createRequire(import.meta.url);

interface AliOssClient {
  signatureUrlV4(method: string, expires: number, request: { headers?: Record<string, string>; queries?: Record<string, string> }, objectName: string, additionalHeaders?: string[]): Promise<string>;
  signPostObjectPolicyV4(policy: unknown, date: Date): string;
  calculatePostSignature(policy: unknown): { OSSAccessKeyId: string; Signature: string; policy: string };
}
const AliOss = require('ali-oss') as new (options: Record<string, unknown>) => AliOssClient;
const signUtils = require('ali-oss/lib/common/signUtils.js') as {
  getCanonicalRequest(method: string, request: { headers: Record<string, string>; queries: Record<string, string> }, bucket: string, object: string, additionalHeaders?: string[]): string;
};
const ALI_OSS_VERSION = (require('ali-oss/package.json') as { version: string }).version;

function aliOss(region: string, bucket: string, creds: SigningCredentials): AliOssClient {
  return new AliOss({
    region: `oss-${region}`,
    bucket,
    accessKeyId: creds.accessKeyId,
    accessKeySecret: creds.accessKeySecret,
    authorizationV4: true,
    secure: true,
    // The token is handed in once; a refresh hook (never called within its interval) keeps ali-oss from warning.
    ...(creds.securityToken === undefined ? {} : { stsToken: creds.securityToken, refreshSTSToken: () => Promise.resolve({}), refreshSTSTokenInterval: 3_600_000 }),
  });
}

// ---------------------------------------------------------------------------------------------------------------
// 1. Vendor vectors: alibabacloud-oss-go-sdk-v2, oss/signer/signer_test.go (credentials "ak"/"sk").
// ---------------------------------------------------------------------------------------------------------------

/** The request all three Go vectors sign: odd query names (`+`, `|`), empty values, unsigned extra headers. */
const GO_VECTOR = {
  method: 'PUT',
  bucket: 'bucket',
  key: '1234+-/123/1.txt',
  query: { param1: 'value1', '+param1': 'value3', '|param1': 'value4', '+param2': '', '|param2': '', param2: '' },
  headers: { 'x-oss-head1': 'value', abc: 'value', ZAbc: 'value', XYZ: 'value', 'content-type': 'application/octet-stream' },
  region: 'cn-hangzhou',
  secret: 'sk',
} as const;

function goVectorSignature(signTime: number, extraQuery: Record<string, string>, additionalHeaders: string[]): string {
  const timestamp = basicIsoTimestamp(new Date(signTime * 1000));
  const query = {
    ...GO_VECTOR.query,
    ...extraQuery,
    'x-oss-credential': ossV4Credential('ak', timestamp, GO_VECTOR.region),
    'x-oss-date': timestamp,
    'x-oss-expires': '599',
    'x-oss-signature-version': 'OSS4-HMAC-SHA256',
  };
  const canonical = ossV4CanonicalRequest({ ...GO_VECTOR, query, additionalHeaders });
  return ossV4Signature(GO_VECTOR.secret, timestamp, GO_VECTOR.region, ossV4StringToSign(timestamp, GO_VECTOR.region, canonical));
}

describe("vendor vectors: Aliyun's Go SDK v2 V4 query signatures", () => {
  it('TestV4AuthQuery: default-signed headers only, empty query values signed as bare names', () => {
    expect(goVectorSignature(1702781677, {}, [])).toBe('a39966c61718be0d5b14e668088b3fa07601033f6518ac7b523100014269c0fe');
  });

  it('TestV4AuthQueryToken: x-oss-security-token signed in the query', () => {
    expect(goVectorSignature(1702785388, { 'x-oss-security-token': 'token' }, [])).toBe('3817ac9d206cd6dfc90f1c09c00be45005602e55898f26f5ddb06d7892e1f8b5');
  });

  it('TestV4AuthQueryWithAdditionalHeaders: additional headers lower-cased, sorted, listed, and signed', () => {
    expect(goVectorSignature(1702783809, { 'x-oss-additional-headers': 'abc;zabc' }, ['ZAbc', 'abc'])).toBe('6bd984bfe531afb6db1f7550983a741b103a8c58e5e14f83ea474c2322dfa2b7');
  });

  it('the canonical request of the first vector, spelled out', () => {
    const timestamp = '20231217T025437Z';
    const canonical = ossV4CanonicalRequest({
      ...GO_VECTOR,
      query: { ...GO_VECTOR.query, 'x-oss-date': timestamp },
      additionalHeaders: [],
    });
    expect(canonical).toBe(
      'PUT\n/bucket/1234%2B-/123/1.txt\n%2Bparam1=value3&%2Bparam2&%7Cparam1=value4&%7Cparam2&param1=value1&param2&x-oss-date=20231217T025437Z\n' +
        'content-type:application/octet-stream\nx-oss-head1:value\n\n\nUNSIGNED-PAYLOAD',
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 2. Differential tests against ali-oss.
// ---------------------------------------------------------------------------------------------------------------

const region = fc.constantFrom('cn-hangzhou', 'cn-beijing', 'ap-southeast-1', 'us-west-1');
const bucket = fc.stringMatching(/^[a-z0-9][a-z0-9-]{1,20}[a-z0-9]$/);
const lifetime = fc.integer({ min: 1, max: 604_800 });

/** Same origin, same decoded path, same query; the two encode some path characters differently, which OSS decodes alike. */
function expectSameRequest(ours: string, theirs: string): void {
  const a = new URL(ours);
  const b = new URL(theirs);
  expect(a.origin).toBe(b.origin);
  expect(decodeURIComponent(a.pathname)).toBe(decodeURIComponent(b.pathname));
  expect(queryOf(ours)).toEqual(queryOf(theirs));
}

describe(`differential: ali-oss ${ALI_OSS_VERSION}`, () => {
  it('is the version these tests were checked against', () => {
    expect(ALI_OSS_VERSION).toBe('6.23.0');
  });

  it('presigned PUT: same URL and signature as signatureUrlV4 with the same headers and additional headers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ region, bucket, key: objectKey, contentType, credentials, now: signingTime, expiresIn: lifetime, forbidOverwrite: fc.boolean(), contentLength: fc.option(fc.integer({ min: 0, max: 5 * 1024 ** 3 }), { nil: undefined }) }),
        async (input) => {
          const ours = oss.presignPut(input);
          const headers: Record<string, string> = { ...ours.headers };
          if (input.contentLength !== undefined) headers['content-length'] = String(input.contentLength);
          const additional = input.contentLength === undefined ? undefined : ['content-length'];
          const theirs = await atTimeAsync(input.now, () => aliOss(input.region, input.bucket, input.credentials).signatureUrlV4('PUT', input.expiresIn, { headers }, input.key, additional));
          expectSameRequest(ours.url, theirs);
          expect(signatureOf(ours.url, 'x-oss-signature')).toBe(signatureOf(theirs, 'x-oss-signature'));
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('presigned GET with a download name: same URL and signature as signatureUrlV4 with the same query', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ region, bucket, key: objectKey, credentials, now: signingTime, expiresIn: lifetime, filename: fc.option(filename, { nil: undefined }) }),
        async (input) => {
          const ours = oss.presignGet(input);
          const disposition = new URL(ours.url).searchParams.get('response-content-disposition');
          const queries: Record<string, string> = disposition === null ? {} : { 'response-content-disposition': disposition };
          const theirs = await atTimeAsync(input.now, () => aliOss(input.region, input.bucket, input.credentials).signatureUrlV4('GET', input.expiresIn, { queries }, input.key));
          expectSameRequest(ours.url, theirs);
          expect(signatureOf(ours.url, 'x-oss-signature')).toBe(signatureOf(theirs, 'x-oss-signature'));
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('POST form: x-oss-signature equals signPostObjectPolicyV4 over the same policy, and the V4 fields are the ones ali-oss documents', () => {
    fc.assert(
      fc.property(
        fc.record({ region, bucket, key: objectKey, contentType, credentials, now: signingTime, expiresIn: lifetime, maxSize: fc.integer({ min: 0, max: 5 * 1024 ** 3 }) }),
        (input) => {
          const form = oss.signPostForm(input);
          const sdk = aliOss(input.region, input.bucket, input.credentials);
          // ali-oss re-serialises the policy object with JSON.stringify; that must give back the exact text we encoded.
          expect(sdk.signPostObjectPolicyV4(policyOf(form.fields), input.now)).toBe(form.fields['x-oss-signature']);
          const date = basicIsoTimestamp(input.now);
          expect(form.fields['x-oss-date']).toBe(date);
          expect(form.fields['x-oss-credential']).toBe(`${input.credentials.accessKeyId}/${date.slice(0, 8)}/${input.region}/oss/aliyun_v4_request`);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('calculatePostSignature is the V1 form signature (base64 HMAC-SHA1, OSSAccessKeyId/Signature fields), not V4', () => {
    const sdk = aliOss('cn-hangzhou', 'media', { accessKeyId: 'ak', accessKeySecret: 'sk' });
    const v1 = sdk.calculatePostSignature({ expiration: '2030-01-01T00:00:00.000Z', conditions: [] });
    expect(Object.keys(v1).sort()).toEqual(['OSSAccessKeyId', 'Signature', 'policy']);
    expect(v1.Signature).toBe(createHmac('sha1', 'sk').update(v1.policy).digest('base64'));
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 3. Where ali-oss departs from the V4 algorithm (neither touches what stsgate signs).
// ---------------------------------------------------------------------------------------------------------------

describe('ali-oss departures from the V4 canonicalisation, pinned', () => {
  it('an empty query value: ali-oss signs "name=", the Go SDK vectors (and OSS) sign the bare name', () => {
    const theirs = signUtils.getCanonicalRequest('GET', { headers: {}, queries: { acl: '' } }, 'b', 'k');
    expect(theirs.split('\n')[2]).toBe('acl=');
    expect(ossV4CanonicalQuery({ acl: '' })).toBe('acl');
  });

  it('query order: ali-oss sorts names with localeCompare, V4 sorts the encoded names by code unit', () => {
    const theirs = signUtils.getCanonicalRequest('GET', { headers: {}, queries: { B: '1', a: '2' } }, 'b', 'k');
    expect(theirs.split('\n')[2]).toBe('a=2&B=1');
    expect(ossV4CanonicalQuery({ B: '1', a: '2' })).toBe('B=1&a=2');
  });

  it('stsgate never signs an empty or upper-case query name, so both orders agree on its URLs', () => {
    fc.assert(
      fc.property(fc.record({ key: objectKey, credentials, now: signingTime, filename: fc.option(filename, { nil: undefined }) }), (input) => {
        const url = oss.presignGet({ ...input, bucket: 'media', region: 'cn-hangzhou', expiresIn: 60 }).url;
        for (const [name, value] of new URL(url).searchParams) {
          expect(name).toBe(name.toLowerCase());
          expect(value).not.toBe('');
        }
      }),
      { seed: SEED, numRuns: 100 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 4. What each signature binds.
// ---------------------------------------------------------------------------------------------------------------

const CREDS = { accessKeyId: 'STS.NTestKeyId', accessKeySecret: 'test-secret-value', securityToken: 'CAIS-test+token/=' } as const;
const NOW = new Date('2026-03-04T05:06:07.890Z');
const base = { credentials: CREDS, bucket: 'media', region: 'cn-hangzhou', now: NOW } as const;

describe('POST form', () => {
  const form = oss.signPostForm({ ...base, key: 'users/u1/a b+c~é.jpg', contentType: 'image/jpeg', minSize: 1, maxSize: 10_485_760, expiresIn: 300 });

  it('posts to the bucket root with the V4 fields, the token and the policy', () => {
    expect(form.method).toBe('POST');
    expect(form.url).toBe('https://media.oss-cn-hangzhou.aliyuncs.com/');
    expect(form.fields).toEqual({
      key: 'users/u1/a b+c~é.jpg',
      'Content-Type': 'image/jpeg',
      'x-oss-signature-version': 'OSS4-HMAC-SHA256',
      'x-oss-credential': 'STS.NTestKeyId/20260304/cn-hangzhou/oss/aliyun_v4_request',
      'x-oss-date': '20260304T050607Z',
      'x-oss-security-token': CREDS.securityToken,
      policy: expect.any(String),
      'x-oss-signature': expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(form.expiration).toBe('2026-03-04T05:11:07.000Z');
  });

  it('the policy binds the bucket, the exact key, the size range, the exact type, the V4 fields and the token', () => {
    expect(policyOf(form.fields)).toEqual({
      expiration: '2026-03-04T05:11:07.000Z',
      conditions: [
        { bucket: 'media' },
        ['eq', '$key', 'users/u1/a b+c~é.jpg'],
        ['content-length-range', 1, 10_485_760],
        ['eq', '$content-type', 'image/jpeg'],
        { 'x-oss-signature-version': 'OSS4-HMAC-SHA256' },
        { 'x-oss-credential': 'STS.NTestKeyId/20260304/cn-hangzhou/oss/aliyun_v4_request' },
        { 'x-oss-date': '20260304T050607Z' },
        { 'x-oss-security-token': CREDS.securityToken },
      ],
    });
  });

  it('x-oss-signature is the V4 signature of the base64 policy under the day key', () => {
    expect(form.fields['x-oss-signature']).toBe(ossV4Signature(CREDS.accessKeySecret, '20260304T050607Z', 'cn-hangzhou', form.fields['policy']!));
  });

  it('long-term keys: no token field and no token condition', () => {
    const plain = oss.signPostForm({ ...base, credentials: { accessKeyId: 'LTAIkey', accessKeySecret: 'x-secret' }, key: 'k', contentType: 'image/png', maxSize: 1, expiresIn: 60 });
    expect(plain.fields).not.toHaveProperty('x-oss-security-token');
    expect(JSON.stringify(policyOf(plain.fields))).not.toContain('security-token');
  });
});

describe('presigned PUT', () => {
  const put = oss.presignPut({ ...base, key: 'users/u1/photo.jpg', contentType: 'image/jpeg', contentLength: 12345, forbidOverwrite: true, expiresIn: 600 });
  const query = queryOf(put.url);

  it('binds the content type, the exact length (as an additional header) and x-oss-forbid-overwrite', () => {
    expect(put.headers).toEqual({ 'Content-Type': 'image/jpeg', 'x-oss-forbid-overwrite': 'true' });
    expect(put.signedHeaders).toEqual(['content-length', 'content-type', 'x-oss-forbid-overwrite']);
    expect(put.sizeBound).toBe(true);
    expect(put.overwriteForbidden).toBe(true);
    expect(query['x-oss-additional-headers']).toBe('content-length');
  });

  it('carries the V4 query, the token and the lifetime relative to x-oss-date', () => {
    expect(new URL(put.url).origin + new URL(put.url).pathname).toBe('https://media.oss-cn-hangzhou.aliyuncs.com/users/u1/photo.jpg');
    expect(query).toMatchObject({
      'x-oss-signature-version': 'OSS4-HMAC-SHA256',
      'x-oss-credential': 'STS.NTestKeyId/20260304/cn-hangzhou/oss/aliyun_v4_request',
      'x-oss-date': '20260304T050607Z',
      'x-oss-expires': '600',
      'x-oss-security-token': CREDS.securityToken,
    });
    expect(put.expiration).toBe('2026-03-04T05:16:07.000Z');
  });

  it('the signature is over exactly those headers: another length, type or a dropped header signs differently', () => {
    const sign = (contentLength: number | undefined, type: string, forbidOverwrite: boolean) =>
      signatureOf(oss.presignPut({ ...base, key: 'users/u1/photo.jpg', contentType: type, contentLength, forbidOverwrite, expiresIn: 600 }).url, 'x-oss-signature');
    const original = sign(12345, 'image/jpeg', true);
    expect(new Set([original, sign(12346, 'image/jpeg', true), sign(undefined, 'image/jpeg', true), sign(12345, 'image/png', true), sign(12345, 'image/jpeg', false)]).size).toBe(5);
  });

  it('without a size, nothing beyond the default-signed headers is added', () => {
    const loose = oss.presignPut({ ...base, key: 'k', contentType: 'image/jpeg', forbidOverwrite: false, expiresIn: 60 });
    expect(loose.sizeBound).toBe(false);
    expect(loose.signedHeaders).toEqual(['content-type']);
    expect(queryOf(loose.url)).not.toHaveProperty('x-oss-additional-headers');
  });
});

describe('presigned GET', () => {
  it('signs the download name into response-content-disposition (RFC 6266 / 8187)', () => {
    const get = oss.presignGet({ ...base, key: 'users/u1/report.pdf', filename: 'Résumé "final".pdf', expiresIn: 300 });
    expect(queryOf(get.url)['response-content-disposition']).toBe(`attachment; filename="R_sum_ _final_.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22.pdf`);
    expect(get.url).toContain('response-content-disposition=attachment%3B%20filename%3D%22R_sum_%20_final_.pdf%22%3B%20filename%2A%3DUTF-8%27%27R%25C3%25A9sum%25C3%25A9%2520%2522final%2522.pdf');
  });

  it('encodes keys for the path as OSS canonicalises them: space %20, + %2B, ~ kept, UTF-8 for the rest, / kept', () => {
    const get = oss.presignGet({ ...base, key: 'a b/c+d/~e/文件😀', expiresIn: 60 });
    expect(new URL(get.url).pathname).toBe('/a%20b/c%2Bd/~e/%E6%96%87%E4%BB%B6%F0%9F%98%80');
  });
});

describe('time', () => {
  it('x-oss-date is the signing time truncated to the second, whatever the milliseconds', () => {
    fc.assert(
      fc.property(signingTime, (now) => {
        const url = oss.presignGet({ ...base, now, key: 'k', expiresIn: 1 }).url;
        expect(queryOf(url)['x-oss-date']).toBe(basicIsoTimestamp(new Date(Math.floor(now.getTime() / 1000) * 1000)));
      }),
      { seed: SEED, numRuns: 100 },
    );
  });
});
