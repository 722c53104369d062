import { createHash, createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_BODY_SHA256,
  authenticateSdkHmacRequest,
  canonicalQueryString,
  canonicalRequestFor,
  canonicalUri,
  formatSdkDate,
  parseSdkDate,
  parseSdkHmacAuthorization,
  payloadHashFor,
  rfc3986Encode,
  sha256Hex,
  signatureFor,
  stringToSignFor,
  verifySdkHmacSignature,
} from '../../emulators/huawei/sdk-hmac-verify';
import type { SignedRequest } from '../../emulators/huawei/sdk-hmac-verify';

// ---------------------------------------------------------------------------------------------------------------------
// The official signer of @huaweicloud/huaweicloud-sdk-core (CommonJS, typed locally): an independent implementation
// that the verifier has to agree with.
// ---------------------------------------------------------------------------------------------------------------------

interface SdkSignRequest {
  endpoint: string;
  method: string;
  headers: Record<string, string>;
  queryParams?: Record<string, string | number | (string | number)[]>;
  data?: unknown;
}
type SdkSigner = { sign(request: SdkSignRequest, credential: { getAk(): string; getSk(): string }): Record<string, string> };

const require = createRequire(import.meta.url);
const { AKSKSigner } = require('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner') as { AKSKSigner: SdkSigner };

const sdkSign = (request: SdkSignRequest, ak: string, sk: string): Record<string, string> =>
  AKSKSigner.sign(request, { getAk: () => ak, getSk: () => sk });

/** Lowercase-keyed copy, the form the verifier receives headers in. */
const lower = (headers: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));

// ---------------------------------------------------------------------------------------------------------------------
// Official worked example (reference §4.2): VPC list, 2019-11-15
// ---------------------------------------------------------------------------------------------------------------------

const DOC = {
  ak: 'QTWAOYTTINDUT2QVKYUC',
  sk: 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc',
  url: '/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0',
  headers: { 'content-type': 'application/json', host: 'service.region.example.com', 'x-sdk-date': '20191115T033655Z' },
  canonicalRequest:
    'GET\n/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/\nlimit=2&marker=13551d6b-755d-4757-b956-536f674975c0\ncontent-type:application/json\nhost:service.region.example.com\nx-sdk-date:20191115T033655Z\n\ncontent-type;host;x-sdk-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  hashedCanonicalRequest: 'b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a',
  signature: '7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe',
  authorization:
    'SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe',
};

function docRequest(overrides: Partial<SignedRequest> = {}): SignedRequest {
  return { method: 'GET', url: DOC.url, headers: { ...DOC.headers, authorization: DOC.authorization }, body: '', ...overrides };
}

describe('official worked example (API Request Signing Guide)', () => {
  it('canonical request, its hash, string to sign and signature byte for byte', () => {
    const canonical = canonicalRequestFor({
      method: 'GET',
      url: DOC.url,
      headers: DOC.headers,
      signedHeaders: ['content-type', 'host', 'x-sdk-date'],
      hashedPayload: sha256Hex(''),
    });
    expect(canonical).toBe(DOC.canonicalRequest);
    expect(sha256Hex(canonical)).toBe(DOC.hashedCanonicalRequest);
    const stringToSign = stringToSignFor('20191115T033655Z', canonical);
    expect(stringToSign).toBe(`SDK-HMAC-SHA256\n20191115T033655Z\n${DOC.hashedCanonicalRequest}`);
    expect(signatureFor(DOC.sk, stringToSign)).toBe(DOC.signature);
  });

  it('accepts the documented Authorization for the request as received (string or Buffer body)', () => {
    expect(verifySdkHmacSignature(docRequest(), DOC.sk)).toEqual({ ok: true, accessKey: DOC.ak, signedHeaders: ['content-type', 'host', 'x-sdk-date'] });
    expect(verifySdkHmacSignature(docRequest({ body: Buffer.alloc(0) }), DOC.sk).ok).toBe(true);
  });

  it('the official SDK signer produces the documented Authorization (the test client is pinned to the doc)', () => {
    const headers = sdkSign(
      {
        endpoint: 'https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs',
        method: 'GET',
        queryParams: { limit: 2, marker: '13551d6b-755d-4757-b956-536f674975c0' },
        headers: { 'Content-Type': 'application/json', 'X-Sdk-Date': '20191115T033655Z' },
      },
      DOC.ak,
      DOC.sk,
    );
    expect(headers['Authorization']).toBe(DOC.authorization);
  });

  it('reports the canonical request and string to sign on a mismatch', () => {
    expect(verifySdkHmacSignature(docRequest(), 'wrong-secret')).toEqual({
      ok: false,
      reason: 'signature mismatch',
      canonicalRequest: DOC.canonicalRequest,
      stringToSign: `SDK-HMAC-SHA256\n20191115T033655Z\n${DOC.hashedCanonicalRequest}`,
    });
  });

  describe('tampering with the received request', () => {
    const headers = { ...DOC.headers, authorization: DOC.authorization };
    it.each<[string, Partial<SignedRequest>]>([
      ['a body added to the GET', { body: '{}' }],
      ['the method', { method: 'POST' }],
      ['a path segment', { url: DOC.url.replace('vpcs', 'subnets') }],
      ['the project id case', { url: DOC.url.replace('77b6a44cba', '77B6A44CBA') }],
      ['a query value', { url: DOC.url.replace('limit=2', 'limit=3') }],
      ['an added query parameter', { url: `${DOC.url}&extra=1` }],
      ['a dropped query parameter', { url: DOC.url.replace(/&marker=.*$/, '') }],
      ['a signed header value (content-type)', { headers: { ...headers, 'content-type': 'application/xml' } }],
      ['the case of a signed header value', { headers: { ...headers, 'content-type': 'Application/JSON' } }],
      ['the host', { headers: { ...headers, host: 'service.other.example.com' } }],
      ['X-Sdk-Date by one second', { headers: { ...headers, 'x-sdk-date': '20191115T033656Z' } }],
      ['one digit of the signature', { headers: { ...headers, authorization: DOC.authorization.replace(/e$/, 'f') } }],
    ])('%s -> signature mismatch', (_name, change) => {
      expect(verifySdkHmacSignature(docRequest(change), DOC.sk)).toMatchObject({ ok: false, reason: 'signature mismatch' });
    });

    it('query order and spelling do not matter: the query is re-sorted and re-encoded', () => {
      const reordered = '/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?marker=13551d6b%2D755d-4757-b956-536f674975c0&limit=%32';
      expect(verifySdkHmacSignature(docRequest({ url: reordered }), DOC.sk).ok).toBe(true);
    });

    it('an unsigned header may change (only SignedHeaders are covered)', () => {
      expect(verifySdkHmacSignature(docRequest({ headers: { ...headers, 'user-agent': 'x', accept: '*/*' } }), DOC.sk).ok).toBe(true);
    });

    it('a signed header that is absent is reported before hashing', () => {
      const { 'content-type': _dropped, ...rest } = headers;
      expect(verifySdkHmacSignature(docRequest({ headers: rest }), DOC.sk)).toEqual({ ok: false, reason: 'signed header content-type is absent' });
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// Python SDK vectors (reference §4.3) and the temporary-credential examples (reference §4.4, self-consistent)
// ---------------------------------------------------------------------------------------------------------------------

describe('Python SDK test vectors (huaweicloud-sdk-python-v3 tests/test_signer.py)', () => {
  const base = { url: '/resources?size=1', headers: { host: 'service.endpoint.myhuaweicloud.com', 'x-sdk-date': '20200608T023900Z' } };
  const authorization = (signature: string): string => `SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=host;x-sdk-date, Signature=${signature}`;

  it('GET with an empty body', () => {
    const signature = 'cfb4171acec81de07d50e53d57eb77edd537414d66ddb1d7d780f128e12cd842';
    const request = { method: 'GET', url: base.url, headers: { ...base.headers, authorization: authorization(signature) }, body: '' };
    expect(verifySdkHmacSignature(request, 'SecretKey')).toEqual({ ok: true, accessKey: 'AccessKey', signedHeaders: ['host', 'x-sdk-date'] });
    expect(
      canonicalRequestFor({ method: 'GET', url: base.url, headers: base.headers, signedHeaders: ['host', 'x-sdk-date'], hashedPayload: EMPTY_BODY_SHA256 }),
    ).toBe(`GET\n/resources/\nsize=1\nhost:service.endpoint.myhuaweicloud.com\nx-sdk-date:20200608T023900Z\n\nhost;x-sdk-date\n${EMPTY_BODY_SHA256}`);
  });

  it('POST with a JSON body, and the same request with the body changed', () => {
    const signature = '436b1ac0a1ae03705934bb70ef2f2e09f7bfed2117d731a38235053199323a1f';
    const request = { method: 'POST', url: base.url, headers: { ...base.headers, authorization: authorization(signature) }, body: '{"name":"test","id":1}' };
    expect(verifySdkHmacSignature(request, 'SecretKey').ok).toBe(true);
    expect(verifySdkHmacSignature({ ...request, body: '{"name":"test","id":2}' }, 'SecretKey').ok).toBe(false);
    expect(verifySdkHmacSignature({ ...request, body: '{"name": "test", "id": 1}' }, 'SecretKey').ok).toBe(false);
  });

  it('the canonical query of the multi-valued, special-character query', () => {
    const raw = 'test=%E4%B8%80+(%26%3D%3F!%23%25.*)&multi=3&multi=1&multi=2&path=/tmp/123&limit=1&enable=true';
    expect(canonicalQueryString(raw)).toBe(
      'enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123&test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29',
    );
  });
});

describe('temporary-credential examples (reference §4.4, generated with the official SDK)', () => {
  const headers = {
    'content-type': 'application/json;charset=UTF-8',
    host: 'iam.myhuaweicloud.com',
    'x-sdk-date': '20240101T000000Z',
    'x-security-token': 'EXAMPLE_SECURITY_TOKEN',
  };

  it('securitytokens with X-Security-Token signed', () => {
    const body = '{"auth":{"identity":{"methods":["token"],"token":{"duration_seconds":900}}}}';
    const signed = ['content-type', 'host', 'x-sdk-date', 'x-security-token'];
    const canonical = canonicalRequestFor({ method: 'POST', url: '/v3.0/OS-CREDENTIAL/securitytokens', headers, signedHeaders: signed, hashedPayload: sha256Hex(body) });
    expect(canonical).toBe(
      'POST\n/v3.0/OS-CREDENTIAL/securitytokens/\n\ncontent-type:application/json;charset=UTF-8\nhost:iam.myhuaweicloud.com\nx-sdk-date:20240101T000000Z\nx-security-token:EXAMPLE_SECURITY_TOKEN\n\ncontent-type;host;x-sdk-date;x-security-token\n59d73f179b5fefc0a607d1f7cabda4e4ea02a091382ae1c2cf5498c4a7cd1908',
    );
    expect(stringToSignFor('20240101T000000Z', canonical)).toBe('SDK-HMAC-SHA256\n20240101T000000Z\n891d1a15bd4d65ec74408ce64639a0561eb090226a8ba2046eea4ec707e5b326');
    const authorization =
      'SDK-HMAC-SHA256 Access=TMPAKEXAMPLE, SignedHeaders=content-type;host;x-sdk-date;x-security-token, Signature=91d8e244dbf5d46d2deac37885d51fb3537bf0cc42b6eef2de66139c62398b46';
    expect(verifySdkHmacSignature({ method: 'POST', url: '/v3.0/OS-CREDENTIAL/securitytokens', headers: { ...headers, authorization }, body }, 'TMPSKEXAMPLE').ok).toBe(true);
  });

  it('AssumeAgency with a session policy string', () => {
    const body =
      '{"agency_urn":"iam::0123456789abcdef0123456789abcdef:agency:obs-uploader","agency_session_name":"u123","duration_seconds":900,"policy":"{\\"Version\\":\\"5.0\\",\\"Statement\\":[{\\"Effect\\":\\"Allow\\",\\"Action\\":[\\"obs:object:putObject\\"],\\"Resource\\":[\\"obs:*:*:object:my-bucket/uploads/u123/*\\"]}]}"}';
    expect(sha256Hex(body)).toBe('1dd9039407c8ca772cff6223151081445102f042d8f514e9c4142b7b3e68934b');
    const stsHeaders = { ...headers, 'content-type': 'application/json', host: 'sts.cn-north-4.myhuaweicloud.com' };
    const authorization =
      'SDK-HMAC-SHA256 Access=TMPAKEXAMPLE, SignedHeaders=content-type;host;x-sdk-date;x-security-token, Signature=a22f403eea568000f83e1b19d057c732f5ba24b449fa4f9ad39fd95fc21f9506';
    const request = { method: 'POST', url: '/v5/agencies/assume', headers: { ...stsHeaders, authorization }, body };
    expect(verifySdkHmacSignature(request, 'TMPSKEXAMPLE').ok).toBe(true);
    expect(verifySdkHmacSignature({ ...request, headers: { ...request.headers, 'x-security-token': 'OTHER' } }, 'TMPSKEXAMPLE').ok).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// The pieces
// ---------------------------------------------------------------------------------------------------------------------

describe('canonical URI of the received (encoded) path', () => {
  it.each([
    ['', '/'],
    ['/', '/'],
    ['/v5/agencies/assume', '/v5/agencies/assume/'],
    ['/v5/agencies/assume/', '/v5/agencies/assume/'],
    ['/a%20b/c', '/a%20b/c/'],
    ['/a~b/%7e/%7E', '/a~b/~/~/'],
    ['/%e4%b8%80/%E4%B8%80', '/%E4%B8%80/%E4%B8%80/'],
    ['/a+b/(c)*!', '/a%2Bb/%28c%29%2A%21/'],
    ['/a%2Fb', '/a/b/'],
  ])('%j -> %j', (raw, expected) => {
    expect(canonicalUri(raw)).toBe(expected);
  });

  it('refuses malformed percent-encoding', () => {
    expect(() => canonicalUri('/a%zz')).toThrow(URIError);
    expect(() => canonicalUri('/a%E4%B8')).toThrow(URIError);
    const request = docRequest({ url: '/v1/%zz/vpcs' });
    expect(verifySdkHmacSignature(request, DOC.sk)).toEqual({ ok: false, reason: 'the request target is not valid percent-encoding' });
  });

  it('agrees with the official SDK for paths of unreserved characters, and documents where the Node SDK differs', () => {
    const sign = (path: string): string =>
      sdkSign({ endpoint: `http://h.example.com${path}`, method: 'GET', headers: { 'X-Sdk-Date': '20240101T000000Z' } }, 'AK', 'SK')['Authorization'] ?? '';
    for (const path of ['/v3.0/OS-CREDENTIAL/securitytokens', '/v5/agencies/assume', '/a-b_c.d~e/']) {
      const headers = { host: 'h.example.com', 'x-sdk-date': '20240101T000000Z', authorization: sign(path) };
      expect(verifySdkHmacSignature({ method: 'GET', url: path, headers, body: '' }, 'SK').ok, path).toBe(true);
    }
    // The Node core SDK encodes the already-encoded pathname again (%20 -> %2520); the Go APIG signer and this
    // verifier decode first. A client with such paths must not rely on the Node SDK's behaviour.
    const headers = { host: 'h.example.com', 'x-sdk-date': '20240101T000000Z', authorization: sign('/a b') };
    expect(verifySdkHmacSignature({ method: 'GET', url: '/a%20b', headers, body: '' }, 'SK').ok).toBe(false);
  });
});

describe('canonical query string', () => {
  it.each([
    ['', ''],
    ['&&', ''],
    ['b=2&a=1', 'a=1&b=2'],
    ['a=2&a=10&a=1', 'a=1&a=10&a=2'],
    ['flag', 'flag='],
    ['flag=', 'flag='],
    ['a=x+y&b=x%20y&c=x%2By', 'a=x%20y&b=x%20y&c=x%2By'],
    ['k=%7e~%7E', 'k=~~~'],
    ['k=a=b', 'k=a%3Db'],
    ['%C3%A9=1&z=1&A=1', 'A=1&z=1&%C3%A9=1'],
  ])('%j -> %j', (raw, expected) => {
    expect(canonicalQueryString(raw)).toBe(expected);
  });

  it('refuses malformed percent-encoding', () => {
    expect(() => canonicalQueryString('a=%')).toThrow(URIError);
  });

  it('agrees with the official SDK on repeated, unsorted and special-character parameters', () => {
    const queryParams = { zeta: 'x y', alpha: ['2', '10', '1'], 'k~': "*!'()", path: '/tmp/1', cn: '一' };
    const signed = sdkSign({ endpoint: 'http://h.example.com/v1/items', method: 'GET', queryParams, headers: { 'X-Sdk-Date': '20240101T000000Z' } }, 'AK', 'SK');
    // What a client such as axios or URLSearchParams puts on the wire: a different spelling of the same query.
    const wire = new URLSearchParams([['zeta', 'x y'], ['alpha', '2'], ['alpha', '10'], ['alpha', '1'], ['k~', "*!'()"], ['path', '/tmp/1'], ['cn', '一']]).toString();
    expect(wire).toContain('zeta=x+y');
    const request = { method: 'GET', url: `/v1/items?${wire}`, headers: lower(signed), body: '' };
    expect(verifySdkHmacSignature(request, 'SK').ok).toBe(true);
  });
});

describe('rfc3986Encode', () => {
  it('keeps only unreserved characters, upper-case hex over UTF-8', () => {
    expect(rfc3986Encode("AZaz09-_.~ !*'()/+=&%")).toBe('AZaz09-_.~%20%21%2A%27%28%29%2F%2B%3D%26%25');
    expect(rfc3986Encode('é一😀')).toBe('%C3%A9%E4%B8%80%F0%9F%98%80');
  });
});

describe('payload hash', () => {
  it('is the SHA-256 of the received bytes unless X-Sdk-Content-Sha256 is UNSIGNED-PAYLOAD', () => {
    expect(payloadHashFor({}, '')).toBe(EMPTY_BODY_SHA256);
    expect(payloadHashFor({}, 'x')).toBe(createHash('sha256').update('x').digest('hex'));
    expect(payloadHashFor({ 'x-sdk-content-sha256': 'UNSIGNED-PAYLOAD' }, 'x')).toBe('UNSIGNED-PAYLOAD');
    // Another value is not trusted: the hash of what arrived counts.
    expect(payloadHashFor({ 'x-sdk-content-sha256': sha256Hex('other') }, 'x')).toBe(sha256Hex('x'));
    expect(payloadHashFor({ 'x-sdk-content-sha256': 'unsigned-payload' }, 'x')).toBe(sha256Hex('x'));
  });

  it('UNSIGNED-PAYLOAD: the official SDK signs the literal and the body is then not protected', () => {
    const headers = { 'Content-Type': 'application/octet-stream', 'X-Sdk-Date': '20240101T000000Z', 'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD' };
    const signed = lower(sdkSign({ endpoint: 'http://h.example.com/upload', method: 'PUT', headers }, 'AK', 'SK'));
    expect(signed['authorization']).toContain('SignedHeaders=content-type;host;x-sdk-content-sha256;x-sdk-date,');
    const request = { method: 'PUT', url: '/upload', headers: signed, body: 'anything' };
    expect(verifySdkHmacSignature(request, 'SK').ok).toBe(true);
    expect(verifySdkHmacSignature({ ...request, body: 'something else' }, 'SK').ok).toBe(true);
    const { 'x-sdk-content-sha256': _removed, ...withoutHeader } = signed;
    expect(verifySdkHmacSignature({ ...request, headers: withoutHeader }, 'SK')).toMatchObject({ ok: false });
  });
});

describe('Authorization parsing', () => {
  const sig = 'a'.repeat(64);

  it('accepts the documented form, with or without spaces after the commas', () => {
    expect(parseSdkHmacAuthorization(`SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, Signature=${sig}`)).toEqual({
      ok: true,
      accessKey: 'AK1',
      signedHeaders: ['host', 'x-sdk-date'],
      signature: sig,
    });
    expect(parseSdkHmacAuthorization(`SDK-HMAC-SHA256 Access=AK1,SignedHeaders=host;x-sdk-date,Signature=${sig}`).ok).toBe(true);
  });

  it.each([
    ['lower-case algorithm', `sdk-hmac-sha256 Access=AK1, SignedHeaders=host;x-sdk-date, Signature=${sig}`],
    ['another algorithm', `V11-HMAC-SHA256 Credential=AK1/20200608/r/s, SignedHeaders=host;x-sdk-date, Signature=${sig}`],
    ['no space after the algorithm', `SDK-HMAC-SHA256Access=AK1, SignedHeaders=host;x-sdk-date, Signature=${sig}`],
    ['lower-case access', `SDK-HMAC-SHA256 access=AK1, SignedHeaders=host;x-sdk-date, Signature=${sig}`],
    ['lower-case signedheaders', `SDK-HMAC-SHA256 Access=AK1, signedheaders=host;x-sdk-date, Signature=${sig}`],
    ['lower-case signature', `SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, signature=${sig}`],
    ['upper-case signature hex', `SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, Signature=${sig.toUpperCase()}`],
    ['short signature', `SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, Signature=abc`],
    ['missing Signature', 'SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date'],
    ['empty Access', `SDK-HMAC-SHA256 Access=, SignedHeaders=host;x-sdk-date, Signature=${sig}`],
    ['duplicate Access', `SDK-HMAC-SHA256 Access=AK1, Access=AK2, SignedHeaders=host;x-sdk-date, Signature=${sig}`],
    ['an extra element', `SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, Signature=${sig}, Extra=1`],
    ['spaces instead of commas', `SDK-HMAC-SHA256 Access=AK1 SignedHeaders=host;x-sdk-date Signature=${sig}`],
    ['unsorted SignedHeaders', `SDK-HMAC-SHA256 Access=AK1, SignedHeaders=x-sdk-date;host, Signature=${sig}`],
    ['upper-case SignedHeaders', `SDK-HMAC-SHA256 Access=AK1, SignedHeaders=Host;x-sdk-date, Signature=${sig}`],
    ['repeated SignedHeaders', `SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;host;x-sdk-date, Signature=${sig}`],
    ['empty', ''],
  ])('refuses %s', (_name, value) => {
    expect(parseSdkHmacAuthorization(value).ok).toBe(false);
  });

  it('a signature over the same request still fails when only the case of an Authorization part changes', () => {
    for (const variant of [DOC.authorization.replace('Access=', 'access='), DOC.authorization.replace('SDK-HMAC', 'sdk-hmac'), DOC.authorization.replace('Signature=', 'SIGNATURE=')]) {
      const request = docRequest({ headers: { ...DOC.headers, authorization: variant } });
      expect(verifySdkHmacSignature(request, DOC.sk).ok, variant).toBe(false);
    }
  });
});

describe('X-Sdk-Date', () => {
  it('parses YYYYMMDDTHHMMSSZ as UTC', () => {
    expect(parseSdkDate('20191115T033655Z')).toBe(Date.parse('2019-11-15T03:36:55Z'));
    expect(parseSdkDate('20240229T235959Z')).toBe(Date.parse('2024-02-29T23:59:59Z'));
    expect(formatSdkDate(Date.parse('2026-11-22T05:18:01.999Z'))).toBe('20261122T051801Z');
  });

  it.each(['20191115T033655', '20191115t033655Z', '2019-11-15T03:36:55Z', '20191315T033655Z', '20250229T000000Z', '20191115T246000Z', 'Fri, 15 Nov 2019 03:36:55 GMT', ''])(
    'refuses %j',
    (value) => {
      expect(parseSdkDate(value)).toBeUndefined();
    },
  );

  it('the verifier refuses a malformed date even with a matching signature', () => {
    const headers = { host: 'h', 'x-sdk-date': '2019-11-15T03:36:55Z' };
    const canonical = canonicalRequestFor({ method: 'GET', url: '/', headers, signedHeaders: ['host', 'x-sdk-date'], hashedPayload: EMPTY_BODY_SHA256 });
    const signature = createHmac('sha256', 'SK').update(`SDK-HMAC-SHA256\n2019-11-15T03:36:55Z\n${sha256Hex(canonical)}`).digest('hex');
    const authorization = `SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=${signature}`;
    expect(verifySdkHmacSignature({ method: 'GET', url: '/', headers: { ...headers, authorization }, body: '' }, 'SK')).toMatchObject({ ok: false, reason: expect.stringMatching(/X-Sdk-Date/) });
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// Gateway authentication
// ---------------------------------------------------------------------------------------------------------------------

describe('authenticateSdkHmacRequest', () => {
  const NOW = Date.parse('2026-11-22T05:18:01Z');
  const TEMP = { ak: 'HSTTEMPAK0000000000', sk: 'temp/secret+key=', token: 'gQpjbi1ub3J0aC00-temp-token' };
  const PERMANENT = { ak: 'PERMANENTAK00000000', sk: 'permanent-secret' };
  const callers = { [TEMP.ak]: { secretKey: TEMP.sk, securityToken: TEMP.token }, [PERMANENT.ak]: { secretKey: PERMANENT.sk } };
  const body = '{"auth":{"identity":{"methods":["token"]}}}';

  /** Signs with the official SDK, which signs every header it is given. */
  function signed(options: { caller?: { ak: string; sk: string; token?: string }; date?: number; headers?: Record<string, string> } = {}): SignedRequest {
    const caller = options.caller ?? TEMP;
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'X-Sdk-Date': formatSdkDate(options.date ?? NOW),
      ...(caller.token !== undefined && { 'X-Security-Token': caller.token }),
      ...options.headers,
    };
    const out = sdkSign({ endpoint: 'http://iam.example.com/v3.0/OS-CREDENTIAL/securitytokens', method: 'POST', headers, data: JSON.parse(body) }, caller.ak, caller.sk);
    return { method: 'POST', url: '/v3.0/OS-CREDENTIAL/securitytokens', headers: lower(out), body };
  }

  const authenticate = (request: SignedRequest, nowMs = NOW, allowedSkewSeconds = 900) => authenticateSdkHmacRequest(request, { callers, nowMs, allowedSkewSeconds });

  it('accepts a temporary key with its signed token, and a permanent key without one', () => {
    expect(authenticate(signed())).toEqual({ ok: true, accessKey: TEMP.ak, securityToken: TEMP.token });
    expect(authenticate(signed({ caller: PERMANENT }))).toEqual({ ok: true, accessKey: PERMANENT.ak, securityToken: undefined });
  });

  it('accepts X-Sdk-Date exactly 900 s away either side and refuses 901 s', () => {
    expect(authenticate(signed({ date: NOW - 900_000 })).ok).toBe(true);
    expect(authenticate(signed({ date: NOW + 900_000 })).ok).toBe(true);
    expect(authenticate(signed({ date: NOW - 901_000 }))).toEqual({ ok: false, detail: 'signature expired, signature time:20261122T050300Z,server time:20261122T051801Z' });
    expect(authenticate(signed({ date: NOW + 901_000 }))).toMatchObject({ ok: false, detail: expect.stringMatching(/^signature expired/) });
    expect(authenticate(signed({ date: NOW - 61_000 }), NOW, 60)).toMatchObject({ ok: false, detail: expect.stringMatching(/^signature expired/) });
  });

  it('a captured request replayed after the window is refused', () => {
    const captured = signed();
    expect(authenticate(captured, NOW + 600_000).ok).toBe(true);
    expect(authenticate(captured, NOW + 16 * 60_000)).toMatchObject({ ok: false, detail: expect.stringMatching(/^signature expired/) });
  });

  it.each<[string, () => SignedRequest, RegExp]>([
    ['no Authorization', () => ({ ...signed(), headers: { ...signed().headers, authorization: undefined } }), /^Authorization is absent$/],
    ['unknown AK', () => signed({ caller: { ...TEMP, ak: 'UNKNOWNAK' } }), /^Get secretKey failed,ak:UNKNOWNAK,err:ak not exist$/],
    ['AK from the prototype', () => signed({ caller: { ...PERMANENT, ak: 'constructor' } }), /^Get secretKey failed,ak:constructor/],
    ['wrong secret key', () => signed({ caller: { ...TEMP, sk: 'wrong' } }), /^verify aksk signature fail, canonicalRequest:POST\|\/v3\.0\/OS-CREDENTIAL\/securitytokens\/\|\|content-type:application\/json\|host:iam\.example\.com\|/],
    ['temporary key without its token', () => signed({ caller: { ak: TEMP.ak, sk: TEMP.sk } }), /^X-Security-Token is required/],
    ['temporary key with another token', () => signed({ caller: { ...TEMP, token: 'other' } }), /^X-Security-Token does not belong/],
    ['permanent key with a token', () => signed({ caller: { ...PERMANENT, token: 'stale' } }), /permanent key/],
    [
      'token added after signing (unsigned)',
      () => {
        const request = signed({ caller: { ak: TEMP.ak, sk: TEMP.sk } });
        return { ...request, headers: { ...request.headers, 'x-security-token': TEMP.token } };
      },
      /^SignedHeaders must include x-security-token$/,
    ],
    ['X-Sdk-Date in ISO form', () => ({ ...signed(), headers: { ...signed().headers, 'x-sdk-date': '2026-11-22T05:18:01Z' } }), /^X-Sdk-Date "2026-11-22T05:18:01Z" is not YYYYMMDDTHHMMSSZ$/],
    [
      'host left out of SignedHeaders',
      () => {
        const request = signed();
        const authorization = (request.headers['authorization'] ?? '').replace('content-type;host;', 'content-type;');
        return { ...request, headers: { ...request.headers, authorization } };
      },
      /^SignedHeaders must include host$/,
    ],
    [
      'x-sdk-date left out of SignedHeaders',
      () => {
        const request = signed();
        const authorization = (request.headers['authorization'] ?? '').replace(';x-sdk-date;', ';');
        return { ...request, headers: { ...request.headers, authorization } };
      },
      /^SignedHeaders must include x-sdk-date$/,
    ],
    ['a signed header repeated', () => ({ ...signed(), repeatedHeaders: new Set(['content-type']) }), /^signed header content-type is repeated$/],
    ['the body changed', () => ({ ...signed(), body: body.replace('token', 'tokens') }), /^verify aksk signature fail/],
  ])('%s -> refused', (_name, build, detail) => {
    const result = authenticate(build());
    expect(result.ok).toBe(false);
    expect(!result.ok && result.detail).toMatch(detail);
  });
});
