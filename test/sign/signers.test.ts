/**
 * What the three signers promise alike (lib/sign): the inputs they refuse and why, where their URLs point, that
 * no output or error carries the secret, that every form field the cloud checks is bound by the policy, and the
 * Content-Disposition they sign for a download name.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signUpload } from '../../bench/sign/signed-upload.js';
import { attachmentDisposition, isSignInputError, objectSigners, type ObjectSigner, type SignInputReason, type StorageProvider } from '../../lib/sign/index.js';
import { contentType, credentials, filename, objectKey, policyOf, RUNS, SEED, signingTime } from './sign-fixtures.js';

const NOW = new Date('2026-03-04T05:06:07.890Z');
const CREDS = { accessKeyId: 'KEYID.test_1', accessKeySecret: 'the-signing-secret', securityToken: 'the-security-token' } as const;

/** A valid request per cloud; each error case below changes one thing. */
const LOCATION: Record<StorageProvider, { bucket: string; region: string; host: string }> = {
  aliyun: { bucket: 'media', region: 'cn-hangzhou', host: 'media.oss-cn-hangzhou.aliyuncs.com' },
  tencent: { bucket: 'media-1250000000', region: 'ap-guangzhou', host: 'media-1250000000.cos.ap-guangzhou.myqcloud.com' },
  huawei: { bucket: 'media', region: 'cn-north-4', host: 'media.obs.cn-north-4.myhuaweicloud.com' },
};

const providers = Object.keys(objectSigners) as StorageProvider[];

const post = (provider: StorageProvider) => ({ credentials: CREDS, bucket: LOCATION[provider].bucket, region: LOCATION[provider].region, key: 'users/u1/photo.jpg', contentType: 'image/jpeg', maxSize: 1024, expiresIn: 300, now: NOW });
const put = (provider: StorageProvider) => ({ ...post(provider), forbidOverwrite: false });
const get = (provider: StorageProvider) => ({ credentials: CREDS, bucket: LOCATION[provider].bucket, region: LOCATION[provider].region, key: 'users/u1/photo.jpg', expiresIn: 300, now: NOW });

/** Runs `sign` and returns the SignInputError's field and reason (fails the test if it signs or throws anything else). */
function refusal(sign: () => unknown): { field: string; reason: SignInputReason; status: number; code: string; message: string } {
  try {
    sign();
  } catch (error) {
    if (!isSignInputError(error)) throw error;
    return { field: error.field, reason: error.reason, status: error.status, code: error.code, message: error.description };
  }
  throw new Error('signed an input it should have refused');
}

describe.each(providers)('%s: inputs refused', (provider) => {
  const signer: ObjectSigner = objectSigners[provider];
  const { maxKeyBytes, maxLifetimeSeconds, maxObjectBytes } = signer.capabilities;

  const cases: [string, Record<string, unknown>, string, SignInputReason][] = [
    ['an empty key', { key: '' }, 'key', 'empty'],
    ['a key one byte too long (in UTF-8)', { key: 'é'.repeat(Math.ceil(maxKeyBytes / 2)) + (maxKeyBytes % 2 === 0 ? 'a' : '') }, 'key', 'too_long'],
    ['a key with a control character', { key: 'a\nb' }, 'key', 'invalid'],
    ['a key with a lone surrogate', { key: 'a\ud800b' }, 'key', 'invalid'],
    ['a key starting with "/"', { key: '/etc/passwd' }, 'key', 'unaddressable'],
    ['a key with a ".." segment', { key: 'users/u1/../u2/x' }, 'key', 'unaddressable'],
    ['a key with a "." segment', { key: './x' }, 'key', 'unaddressable'],
    ['a lifetime of 0 (already expired)', { expiresIn: 0 }, 'expiresIn', 'expired'],
    ['a negative lifetime', { expiresIn: -5 }, 'expiresIn', 'expired'],
    ['a fractional lifetime', { expiresIn: 1.5 }, 'expiresIn', 'invalid'],
    ["a lifetime beyond the cloud's maximum", { expiresIn: maxLifetimeSeconds + 1 }, 'expiresIn', 'lifetime_too_long'],
    ['a lifetime that outlives the credentials', { credentials: { ...CREDS, expiration: new Date(NOW.getTime() + 60_000) } }, 'expiresIn', 'outlives_credentials'],
    ['expired credentials', { credentials: { ...CREDS, expiration: new Date(NOW.getTime() - 1) } }, 'credentials.expiration', 'expired'],
    ['an access key id with a "/"', { credentials: { ...CREDS, accessKeyId: 'a/b' } }, 'credentials.accessKeyId', 'invalid'],
    ['an empty secret', { credentials: { ...CREDS, accessKeySecret: '' } }, 'credentials.accessKeySecret', 'empty'],
    ['a token with a line break', { credentials: { ...CREDS, securityToken: 'a\r\nX-Injected: 1' } }, 'credentials.securityToken', 'invalid'],
    ['an invalid signing time', { now: new Date(Number.NaN) }, 'now', 'invalid'],
    ['a bucket name with upper-case letters', { bucket: 'Media' }, 'bucket', 'invalid'],
    ['a region with a "/"', { region: 'cn/x' }, 'region', 'invalid'],
    ['a plain-http endpoint that is not loopback', { endpoint: 'http://storage.example.com' }, 'endpoint', 'invalid'],
    ['an endpoint with a path', { endpoint: 'https://storage.example.com/bucket' }, 'endpoint', 'invalid'],
    ['an endpoint with credentials in it', { endpoint: 'https://user:pass@storage.example.com' }, 'endpoint', 'invalid'],
    ['an IP endpoint with the bucket in the host name', { endpoint: 'http://127.0.0.1:9000' }, 'addressing', 'unsupported'],
    ['an unknown addressing style', { addressing: 'subdomain' }, 'addressing', 'invalid'],
  ];

  it.each(cases)('refuses %s, naming the field (GET)', (_what, change, field, reason) => {
    const result = refusal(() => signer.presignGet({ ...get(provider), ...change } as never));
    expect(result).toMatchObject({ field, reason, status: 400, code: 'invalid_request' });
    expect(result.message.startsWith(`${field}: `)).toBe(true);
  });

  const uploadCases: [string, Record<string, unknown>, string, SignInputReason][] = [
    ['a content type with a line break (header injection)', { contentType: 'image/jpeg\r\nx-oss-acl: public-read' }, 'contentType', 'invalid'],
    ['a content type that is not a media type', { contentType: 'jpeg' }, 'contentType', 'invalid'],
    ['an empty content type', { contentType: '' }, 'contentType', 'empty'],
  ];

  it.each(uploadCases)('refuses %s (POST and PUT)', (_what, change, field, reason) => {
    expect(refusal(() => signer.signPostForm({ ...post(provider), ...change } as never))).toMatchObject({ field, reason });
    expect(refusal(() => signer.presignPut({ ...put(provider), ...change } as never))).toMatchObject({ field, reason });
  });

  it('refuses an inverted size range, a negative size and a size over the single-upload limit (POST)', () => {
    expect(refusal(() => signer.signPostForm({ ...post(provider), minSize: 11, maxSize: 10 }))).toMatchObject({ field: 'minSize', reason: 'size_range' });
    expect(refusal(() => signer.signPostForm({ ...post(provider), maxSize: -1 }))).toMatchObject({ field: 'maxSize', reason: 'size_range' });
    expect(refusal(() => signer.signPostForm({ ...post(provider), maxSize: maxObjectBytes + 1 }))).toMatchObject({ field: 'maxSize', reason: 'size_range' });
    expect(signer.signPostForm({ ...post(provider), minSize: 10, maxSize: 10 }).method).toBe('POST');
  });

  it('refuses a download name with a control character', () => {
    expect(refusal(() => signer.presignGet({ ...get(provider), filename: 'a\r\nb.pdf' }))).toMatchObject({ field: 'filename', reason: 'invalid' });
  });

  it('accepts the limits themselves: the longest key, the longest lifetime, the largest object', () => {
    const longest = 'k'.repeat(maxKeyBytes);
    expect(signer.presignGet({ ...get(provider), key: longest, expiresIn: maxLifetimeSeconds }).method).toBe('GET');
    expect(signer.signPostForm({ ...post(provider), maxSize: maxObjectBytes }).method).toBe('POST');
  });

  it('no refusal ever quotes the secret or the token', () => {
    const attempts = [
      () => signer.presignGet({ ...get(provider), key: '' }),
      () => signer.presignGet({ ...get(provider), credentials: { ...CREDS, accessKeySecret: 'x'.repeat(2000) } }),
      () => signer.presignGet({ ...get(provider), credentials: { ...CREDS, securityToken: `${CREDS.securityToken}\n` } }),
      () => signer.signPostForm({ ...post(provider), contentType: `${CREDS.accessKeySecret}\n` }),
    ];
    for (const attempt of attempts) {
      const { message } = refusal(attempt);
      expect(message).not.toContain(CREDS.accessKeySecret);
      expect(message).not.toContain(CREDS.securityToken);
      expect(message).not.toContain('x'.repeat(50));
    }
  });
});

describe('per-cloud refusals', () => {
  it('aliyun: the endpoint spelling of a region (oss-cn-hangzhou) is not a region id', () => {
    expect(refusal(() => objectSigners.aliyun.presignGet({ ...get('aliyun'), region: 'oss-cn-hangzhou' }))).toMatchObject({ field: 'region', reason: 'invalid' });
  });

  it('tencent: a bucket without its APPID suffix', () => {
    expect(refusal(() => objectSigners.tencent.presignGet({ ...get('tencent'), bucket: 'media' }))).toMatchObject({ field: 'bucket', reason: 'invalid' });
  });

  it('huawei: a bucket named like an IP address, and a size to bind into a PUT', () => {
    expect(refusal(() => objectSigners.huawei.presignGet({ ...get('huawei'), bucket: '192.168.1.1' }))).toMatchObject({ field: 'bucket', reason: 'invalid' });
    expect(refusal(() => objectSigners.huawei.presignPut({ ...put('huawei'), contentLength: 5 }))).toMatchObject({ field: 'contentLength', reason: 'unsupported' });
  });

  it('the longest key differs per cloud: OSS 1023, COS 850, OBS 1024 bytes', () => {
    expect(providers.map((p) => objectSigners[p].capabilities.maxKeyBytes)).toEqual([1023, 850, 1024]);
    expect(refusal(() => objectSigners.tencent.presignGet({ ...get('tencent'), key: 'k'.repeat(851) }))).toMatchObject({ reason: 'too_long' });
  });
});

describe.each(providers)('%s: where the URLs point', (provider) => {
  const signer = objectSigners[provider];
  const { host } = LOCATION[provider];
  const path = (url: string) => `${new URL(url).origin}${new URL(url).pathname}`;

  it('the public endpoint, virtual-hosted, by default', () => {
    expect(signer.signPostForm(post(provider)).url).toBe(`https://${host}/`);
    expect(path(signer.presignGet(get(provider)).url)).toBe(`https://${host}/users/u1/photo.jpg`);
  });

  it('an endpoint override keeps the bucket in the host (virtual-hosted), in the path, or leaves it to the endpoint', () => {
    const bucket = LOCATION[provider].bucket;
    const at = (endpoint: string, addressing?: 'virtual-hosted' | 'path' | 'endpoint') => path(signer.presignGet({ ...get(provider), endpoint, addressing }).url);
    expect(at('http://localhost:9000')).toBe(`http://${bucket}.localhost:9000/users/u1/photo.jpg`);
    expect(at('http://127.0.0.1:9000', 'path')).toBe(`http://127.0.0.1:9000/${bucket}/users/u1/photo.jpg`);
    expect(at('http://127.0.0.1:9000', 'endpoint')).toBe('http://127.0.0.1:9000/users/u1/photo.jpg');
    expect(at('http://[::1]:9000', 'endpoint')).toBe('http://[::1]:9000/users/u1/photo.jpg');
    expect(at('https://files.example.com', 'endpoint')).toBe('https://files.example.com/users/u1/photo.jpg');
    expect(signer.signPostForm({ ...post(provider), endpoint: 'http://127.0.0.1:9000', addressing: 'path' }).url).toBe(`http://127.0.0.1:9000/${bucket}/`);
  });

  it('keys round-trip through the URL path whatever their characters', () => {
    fc.assert(
      fc.property(objectKey, (key) => {
        const url = new URL(signer.presignGet({ ...get(provider), key }).url);
        expect(decodeURIComponent(url.pathname)).toBe(`/${key}`);
        // Nothing a URL parser would reinterpret survives unencoded.
        expect(url.pathname.slice(1)).toMatch(/^[A-Za-z0-9\-._~%/]*$/);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe.each(providers)('%s: outputs', (provider) => {
  const signer = objectSigners[provider];

  it('never carry the secret, for any input', () => {
    fc.assert(
      fc.property(fc.record({ key: objectKey, contentType, credentials, now: signingTime, filename }), (input) => {
        const { bucket, region } = LOCATION[provider];
        const common = { ...input, bucket, region, expiresIn: 60 };
        const outputs = JSON.stringify([
          signer.signPostForm({ ...common, maxSize: 10 }),
          signer.presignPut({ ...common, forbidOverwrite: true }),
          signer.presignGet(common),
        ]);
        // Searched raw and in the encodings an output could hold it in.
        for (const form of [input.credentials.accessKeySecret, encodeURIComponent(input.credentials.accessKeySecret), Buffer.from(input.credentials.accessKeySecret).toString('base64')]) {
          expect(outputs).not.toContain(form);
        }
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it('expire when asked: the expiration is the signing second plus the lifetime', () => {
    fc.assert(
      fc.property(signingTime, fc.integer({ min: 1, max: signer.capabilities.maxLifetimeSeconds }), (now, expiresIn) => {
        const expected = new Date((Math.floor(now.getTime() / 1000) + expiresIn) * 1000).toISOString();
        expect(signer.presignGet({ ...get(provider), now, expiresIn }).expiration).toBe(expected);
        expect(signer.signPostForm({ ...post(provider), now, expiresIn }).expiration).toBe(expected);
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it('the policy binds every form field the cloud checks, with the exact value sent', () => {
    /** Fields that carry the signature itself, or (COS) the key time the policy binds as q-sign-time. */
    const unbound: Record<StorageProvider, string[]> = {
      aliyun: ['policy', 'x-oss-signature'],
      tencent: ['policy', 'q-signature', 'q-key-time'],
      huawei: ['policy', 'signature', 'AccessKeyId'],
    };
    const form = signer.signPostForm({ ...post(provider), key: 'users/u1/a "quoted" key', minSize: 3, maxSize: 999 });
    const { conditions } = policyOf(form.fields);
    for (const [name, value] of Object.entries(form.fields)) {
      if (unbound[provider].includes(name)) continue;
      const bound = conditions.some((condition) =>
        Array.isArray(condition)
          ? condition[0] === 'eq' && String(condition[1]).toLowerCase() === `$${name.toLowerCase()}` && condition[2] === value
          : (condition as Record<string, string>)[name] === value,
      );
      expect(bound, `${name} is bound`).toBe(true);
    }
    expect(conditions).toContainEqual(['content-length-range', 3, 999]);
    expect(conditions).toContainEqual({ bucket: LOCATION[provider].bucket });
  });

  it('report what the PUT binds, consistently with the capabilities', () => {
    const bound = signer.presignPut({ ...put(provider), forbidOverwrite: true, ...(signer.capabilities.putBindsSize ? { contentLength: 10 } : {}) });
    expect(bound.sizeBound).toBe(signer.capabilities.putBindsSize);
    expect(bound.overwriteForbidden).toBe(true);
    expect(bound.signedHeaders).toContain('content-type');
    expect(bound.signedHeaders.includes('content-length')).toBe(signer.capabilities.putBindsSize);
    for (const name of Object.keys(bound.headers)) expect(bound.signedHeaders).toContain(name.toLowerCase());
  });
});

describe('attachmentDisposition (RFC 6266, RFC 8187 filename*)', () => {
  it('a plain name: the same in both forms', () => {
    expect(attachmentDisposition('report.pdf')).toBe(`attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`);
  });

  it('non-ASCII, quotes and backslashes: replaced in the quoted fallback, percent-encoded in filename*', () => {
    expect(attachmentDisposition('説明 "v2"\\.txt')).toBe(`attachment; filename="__ _v2__.txt"; filename*=UTF-8''%E8%AA%AC%E6%98%8E%20%22v2%22%5C.txt`);
  });

  it("characters RFC 8187 does not allow in attr-char are encoded: ' ( ) * ; , and %", () => {
    expect(attachmentDisposition("it's (a)*;,%.txt").split("filename*=UTF-8''")[1]).toBe('it%27s%20%28a%29%2A%3B%2C%25.txt');
  });

  it('any name decodes back from filename*, and the fallback is printable ASCII without quote or backslash', () => {
    fc.assert(
      fc.property(filename, (name) => {
        const value = attachmentDisposition(name);
        const [fallbackPart, extended] = value.split("; filename*=UTF-8''") as [string, string];
        expect(decodeURIComponent(extended)).toBe(name);
        expect(extended).toMatch(/^[A-Za-z0-9\-._~%]*$/);
        const fallback = fallbackPart.slice('attachment; filename="'.length, -1);
        expect(fallback).toMatch(/^[\x20\x21\x23-\x5b\x5d-\x7e]*$/);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe('the bench hook (bench/sign/signed-upload.ts)', () => {
  const publicHost = { aliyun: 'oss-cn-hangzhou.aliyuncs.com', tencent: 'cos.ap-guangzhou.myqcloud.com', huawei: 'obs.cn-north-4.myhuaweicloud.com' } as const;

  it.each(providers)('%s: signs a fresh key each time, as a form or a URL binding what the cloud can bind', (provider) => {
    const [first, second, put] = [signUpload(provider, 'post'), signUpload(provider, 'post'), signUpload(provider, 'put')];
    if (first.method !== 'POST' || second.method !== 'POST' || put.method !== 'PUT') throw new Error('signed the wrong method');
    expect(first.url).toBe(`https://${provider === 'tencent' ? 'bench-media-1250000000' : 'bench-media'}.${publicHost[provider]}/`);
    expect(first.fields['key']).not.toBe(second.fields['key']);
    expect(put).toMatchObject({ sizeBound: objectSigners[provider].capabilities.putBindsSize, overwriteForbidden: true });
  });
});
