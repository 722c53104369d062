/**
 * ACS3-HMAC-SHA256 (Aliyun V3 signature) signer tests:
 *  1. the official worked example from "V3 request structure and signature", byte for byte;
 *  2. percent-encoding and canonical query unit cases;
 *  3. a differential test against the official SDK (`@alicloud/sts20150401` on `@alicloud/openapi-core`): the SDK
 *     sends real AssumeRole requests to a loopback server, and our signer, fed only what was captured on the wire,
 *     must reproduce the SDK's Authorization header exactly.
 */
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACS3_ALGORITHM,
  canonicalQueryString,
  signAcs3,
  type Acs3Request,
} from '../../lib/sts/aliyun/acs3-signature.js';
import { percentEncode, sha256Hex } from '../../lib/sts/encoding.js';
import { startCaptureServer, type CaptureServer, type CapturedRequest } from '../helpers/capture-server.js';
import { FAKE_STS_RESPONSE, decodeQuery, parseAuthorization } from './sts-wire.js';

// The SDK packages are CommonJS with `exports.default = Client`. Under ESM a default import would yield the whole
// `module.exports` object (so the class sits at `.default` at runtime while the .d.ts says otherwise);
// `createRequire` gives the plain CommonJS view. We type only the surface we use, by hand: referencing the
// SDK's own .d.ts pulls in @darabonba/typescript's websocket types, which fail `tsc` (skipLibCheck is off and
// @types/ws is not installed).
interface StsSdk {
  default: new (config: unknown) => {
    assumeRole(request: unknown): Promise<{ body?: { credentials?: { accessKeyId?: string } } }>;
  };
  AssumeRoleRequest: new (fields: object) => unknown;
}
interface OpenApiSdk {
  $OpenApiUtil: { Config: new (fields: object) => unknown };
  OpenApiUtil: {
    /** The SDK's own V3 signer (openapi-core dist/utils.js); pure, so usable without HTTP. */
    getAuthorization(request: unknown, algorithm: string, hashedPayload: string, accessKeyId: string, accessKeySecret: string): string;
  };
}
const require = createRequire(import.meta.url);
const Sts = require('@alicloud/sts20150401') as StsSdk;
const OpenApi = require('@alicloud/openapi-core') as OpenApiSdk;

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('official V3 worked example (reference §5.2)', () => {
  // Inputs of the doc's fixed-parameter example: POST, RPC path "/", two query params, empty body.
  const request: Acs3Request = {
    method: 'POST',
    host: 'ecs.cn-shanghai.aliyuncs.com',
    path: '/',
    query: { ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd', RegionId: 'cn-shanghai' },
    headers: {
      'x-acs-action': 'RunInstances',
      'x-acs-version': '2014-05-26',
      'x-acs-date': '2023-10-26T10:22:32Z',
      'x-acs-signature-nonce': '3156853299f313e23d1673dc12e1703d',
      'x-acs-content-sha256': EMPTY_SHA256,
    },
    body: '',
  };
  const credentials = { accessKeyId: 'YourAccessKeyId', accessKeySecret: 'YourAccessKeySecret' };
  const result = signAcs3(request, credentials);

  it('builds the canonical request', () => {
    expect(result.canonicalRequest).toBe(
      [
        'POST',
        '/',
        'ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai',
        'host:ecs.cn-shanghai.aliyuncs.com',
        'x-acs-action:RunInstances',
        `x-acs-content-sha256:${EMPTY_SHA256}`,
        'x-acs-date:2023-10-26T10:22:32Z',
        'x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d',
        'x-acs-version:2014-05-26',
        '', // canonical headers end with '\n', then the separator '\n'
        'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version',
        EMPTY_SHA256,
      ].join('\n'),
    );
  });

  it('hashes the canonical request', () => {
    expect(sha256Hex(result.canonicalRequest)).toBe('7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259');
  });

  it('builds the string to sign', () => {
    expect(result.stringToSign).toBe('ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259');
  });

  it('computes the signature and the Authorization header', () => {
    expect(result.signature).toBe('06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0');
    expect(result.signedHeaders).toBe('host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version');
    expect(result.authorization).toBe(
      'ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;' +
        'x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0',
    );
  });

  it('hashes the body itself when x-acs-content-sha256 is absent (empty body → the empty-string digest)', () => {
    const { 'x-acs-content-sha256': _omitted, ...rest } = request.headers;
    // Same payload hash, but the header is no longer signed, so only the last canonical line must agree.
    const withoutHeader = signAcs3({ ...request, headers: rest }, credentials);
    expect(withoutHeader.canonicalRequest.split('\n').at(-1)).toBe(EMPTY_SHA256);
  });
});

describe('percentEncode (RFC 3986, UTF-8, upper-case hex)', () => {
  it.each([
    ['space → %20, never +', 'a b', 'a%20b'],
    ['* → %2A', '*', '%2A'],
    ['~ stays unencoded', '~', '~'],
    ["! ' ( ) are encoded (encodeURIComponent leaves them)", "!'()", '%21%27%28%29'],
    ['unreserved set untouched', 'AZaz09-_.~', 'AZaz09-_.~'],
    ['/ is encoded in values', 'acs:ram::1:role/x', 'acs%3Aram%3A%3A1%3Arole%2Fx'],
    ['= & + % are encoded', 'a=b&c+d%', 'a%3Db%26c%2Bd%25'],
    ['2-byte UTF-8', 'é', '%C3%A9'],
    ['3-byte UTF-8', '中', '%E4%B8%AD'],
    ['4-byte UTF-8 (surrogate pair)', '😀', '%F0%9F%98%80'],
    ['quotes', '"', '%22'],
    ['empty string', '', ''],
  ])('%s', (_name, input, expected) => {
    expect(percentEncode(input)).toBe(expected);
  });

  it('rejects lone surrogates (not valid UTF-8) instead of signing something the server cannot match', () => {
    expect(() => percentEncode('\ud800')).toThrow(URIError);
  });
});

describe('sha256Hex', () => {
  it('hashes the empty string to the documented empty-payload digest', () => {
    expect(sha256Hex('')).toBe(EMPTY_SHA256);
  });

  it('hashes text as UTF-8 (not Latin-1 or UTF-16)', () => {
    expect(sha256Hex('中é😀')).toBe('81f5051a8d0dcf2e46e31cff6e5346926e73812ab7b504486aaa231253c6940e');
  });
});

describe('canonicalQueryString', () => {
  it('sorts by key in byte order (upper case before lower case) and joins k=v with &', () => {
    expect(canonicalQueryString({ b: '2', a: '1', B: '3', Action: 'x' })).toBe('Action=x&B=3&a=1&b=2');
  });

  it('encodes / = & in values so they cannot be confused with separators', () => {
    expect(canonicalQueryString({ Policy: 'a/b=c&d' })).toBe('Policy=a%2Fb%3Dc%26d');
  });

  it('keeps an empty value as "k="', () => {
    expect(canonicalQueryString({ Empty: '', A: 'x' })).toBe('A=x&Empty=');
  });

  it('returns "" for no parameters', () => {
    expect(canonicalQueryString({})).toBe('');
  });

  it('sorts on the encoded keys', () => {
    // Raw, 'a~' (0x7E) sorts before 'aé' (0xE9); encoded, 'a%C3%A9' sorts first because '%' (0x25) < '~'.
    // Irrelevant to STS, whose keys are all [A-Za-z], but pins the choice our signer made.
    expect(canonicalQueryString({ 'a~': '1', 'aé': '2' })).toBe('a%C3%A9=2&a~=1');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Differential test against the official SDK.
// ---------------------------------------------------------------------------------------------------------------

const NUM_RUNS = 1000; // under 1 ms per SDK round trip on loopback (~0.8 s in all), so this stays a fast test

interface Credentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken: string;
}

interface AssumeRoleInput {
  readonly roleArn: string;
  readonly roleSessionName: string;
  readonly durationSeconds: number;
  readonly policy: string;
}

function newSdkClient(endpoint: string, credentials: Credentials) {
  return new Sts.default(
    new OpenApi.$OpenApiUtil.Config({
      ...credentials,
      endpoint,
      protocol: 'http',
      regionId: 'cn-hangzhou',
    }),
  );
}

/** Calls AssumeRole through the SDK and returns the single request the loopback server captured for it. */
async function captureSdkAssumeRole(server: CaptureServer, credentials: Credentials, input: AssumeRoleInput): Promise<CapturedRequest> {
  const before = server.requests.length;
  const response = await newSdkClient(server.endpoint, credentials).assumeRole(new Sts.AssumeRoleRequest(input));
  // The SDK parsed our canned answer: proves the exchange completed normally (no retry, no error path).
  expect(response.body?.credentials?.accessKeyId).toBe(FAKE_STS_RESPONSE.Credentials.AccessKeyId);
  expect(server.requests.length).toBe(before + 1);
  return server.requests[before]!;
}

/** Rebuilds the signer's input purely from what crossed the wire — nothing from the SDK's internals. */
function signerInputFromWire(captured: CapturedRequest): Acs3Request {
  const { path, query } = decodeQuery(captured.rawUrl);
  return {
    method: captured.method,
    host: captured.headers['host'] ?? '',
    path,
    query,
    headers: captured.headers, // all of them, Authorization and user-agent included: the signer must pick
    body: captured.body,
  };
}

// Arbitraries. The SDK does not validate inputs client-side, so beyond realistic values we throw in hostile ones:
// the characters that percent-encoders commonly get wrong, plus arbitrary Unicode.
const TRICKY_CHARS = [' ', '*', '~', '"', "'", '/', '%', '+', '&', '=', '!', '(', ')', '?', '#', ':', ',', ';', '\\',
  '\t', '\n', 'é', 'ß', '中', '文', '😀', '\u0000', '\u007f', '\u00a0', '\u2028', '\ufeff', '%20', '%2A', '%7E'];
const tricky = fc.string({ unit: fc.constantFrom(...TRICKY_CHARS), maxLength: 40 });
const anyUnicode = fc.string({ unit: 'binary', maxLength: 120 }); // any code point, surrogate pairs included
const mixed = fc.string({ unit: fc.oneof(fc.constantFrom(...TRICKY_CHARS), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 80 });

const jsonPolicy = fc
  .record({ bucket: mixed, prefix: mixed, action: fc.constantFrom('oss:PutObject', 'oss:*', 'oss:Get*') })
  .map(({ bucket, prefix, action }) =>
    JSON.stringify({
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: [action], Resource: [`acs:oss:*:*:${bucket}/${prefix}*`] }],
    }),
  );

const assumeRoleInput: fc.Arbitrary<AssumeRoleInput> = fc.record({
  roleArn: fc.oneof(
    fc.tuple(fc.stringMatching(/^\d{16}$/), fc.stringMatching(/^[A-Za-z0-9.@_+=,-]{1,64}$/)).map(([account, role]) => `acs:ram::${account}:role/${role}`),
    mixed.map((role) => `acs:ram::123456789012:role/${role}`),
  ),
  roleSessionName: fc.oneof(fc.stringMatching(/^[A-Za-z0-9.@_-]{2,64}$/), mixed),
  durationSeconds: fc.integer({ min: 900, max: 43200 }),
  policy: fc.oneof(jsonPolicy, tricky, anyUnicode, mixed),
});

// Header values must be legal on the wire (visible ASCII and inner spaces); the secret never travels, so it may
// be any Unicode string (both sides feed it to HMAC as UTF-8).
const credentialsArb: fc.Arbitrary<Credentials> = fc.record({
  accessKeyId: fc.stringMatching(/^STS\.[A-Za-z0-9]{10,30}$/),
  accessKeySecret: fc.oneof(fc.stringMatching(/^[A-Za-z0-9]{30}$/), fc.string({ unit: 'binary', minLength: 1, maxLength: 40 })),
  securityToken: fc.stringMatching(/^[A-Za-z0-9+/=]([A-Za-z0-9+/= ._-]{0,300}[A-Za-z0-9+/=])?$/),
});

/** Exactly the headers the SDK signs for an STS-credential V3 call (reference §5.3); content-type is absent
 * because AssumeRole sends everything in the query and an empty body. */
const SDK_SIGNED_HEADERS =
  'host;x-acs-accesskey-id;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;' +
  'x-acs-security-token;x-acs-signature-nonce;x-acs-version';

describe('differential: our signer vs @alicloud/sts20150401 on the wire', () => {
  let server: CaptureServer;
  beforeAll(async () => {
    server = await startCaptureServer({ body: FAKE_STS_RESPONSE, contentType: 'application/json;charset=utf-8' });
  });
  afterAll(async () => {
    await server?.close();
  });

  /** Asserts everything we rely on about one captured request, then compares signatures. */
  function assertSameAuthorization(captured: CapturedRequest, credentials: Credentials, input: AssumeRoleInput): void {
    // Sanity on the capture itself, so a mismatch below can only mean the signers disagree.
    expect(captured.duplicateHeaders).toEqual([]);
    expect(captured.method).toBe('POST');
    expect(captured.body).toBe('');
    expect(captured.headers['x-acs-content-sha256']).toBe(sha256Hex(captured.body));
    const wire = signerInputFromWire(captured);
    expect(wire.path).toBe('/');
    expect(wire.host).toBe(server.endpoint);
    // Decoding the raw URL must give back exactly what we asked for: proves the query round-trip is lossless.
    expect(wire.query).toEqual({
      DurationSeconds: String(input.durationSeconds),
      Policy: input.policy,
      RoleArn: input.roleArn,
      RoleSessionName: input.roleSessionName,
    });

    const sdkAuthorization = captured.headers['authorization'];
    expect(sdkAuthorization).toBeDefined();
    const sdk = parseAuthorization(sdkAuthorization!);
    expect(sdk.algorithm).toBe(ACS3_ALGORITHM);
    expect(sdk.credential).toBe(credentials.accessKeyId);
    expect(sdk.signedHeaders).toBe(SDK_SIGNED_HEADERS);

    const ours = signAcs3(wire, credentials);
    // Header-set check first: a differing set would show here with a readable diff, not as opaque hex.
    expect(ours.signedHeaders).toBe(sdk.signedHeaders);
    expect(ours.authorization).toBe(sdkAuthorization);
  }

  it(`reproduces the SDK's Authorization header for ${NUM_RUNS} generated AssumeRole calls`, async () => {
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(credentialsArb, assumeRoleInput, async (credentials, input) => {
        const captured = await captureSdkAssumeRole(server, credentials, input);
        assertSameAuthorization(captured, credentials, input);
        compared += 1;
      }),
      { numRuns: NUM_RUNS },
    );
    // Guards against a vacuous pass (e.g. a property that never ran its body).
    expect(compared).toBe(NUM_RUNS);
  }, 120_000);

  it('is sensitive: any change to secret, query, signed header or host changes the signature', async () => {
    const credentials = { accessKeyId: 'STS.callerAK', accessKeySecret: 'callerSecret', securityToken: 'callerToken' };
    const input = { roleArn: 'acs:ram::123456789012:role/oss-upload', roleSessionName: 'user-42', durationSeconds: 900, policy: '{"Version":"1"}' };
    const captured = await captureSdkAssumeRole(server, credentials, input);
    const wire = signerInputFromWire(captured);
    const sdkAuthorization = captured.headers['authorization'];
    expect(signAcs3(wire, credentials).authorization).toBe(sdkAuthorization);

    const variants: Array<[string, string]> = [
      ['secret', signAcs3(wire, { ...credentials, accessKeySecret: 'callerSecreT' }).authorization],
      ['query value', signAcs3({ ...wire, query: { ...wire.query, Policy: '{"Version":"2"}' } }, credentials).authorization],
      ['signed header', signAcs3({ ...wire, headers: { ...wire.headers, 'x-acs-security-token': 'otherToken' } }, credentials).authorization],
      ['host', signAcs3({ ...wire, host: 'sts.aliyuncs.com' }, credentials).authorization],
    ];
    for (const [what, authorization] of variants) {
      expect(authorization, `changing the ${what}`).not.toBe(sdkAuthorization);
    }
    // And unsigned headers must not matter (user-agent, accept, …), otherwise proxies would break signatures.
    expect(signAcs3({ ...wire, headers: { ...wire.headers, 'user-agent': 'other' } }, credentials).authorization).toBe(sdkAuthorization);
  });

  it('SDK sends !()* raw in the URL but signs them percent-encoded — our canonical form matches the signed one', async () => {
    const credentials = { accessKeyId: 'STS.callerAK', accessKeySecret: 'callerSecret', securityToken: 'callerToken' };
    const policy = "!'()*~ +/&=%";
    const captured = await captureSdkAssumeRole(server, credentials, { roleArn: 'r', roleSessionName: 's', durationSeconds: 900, policy });
    // On the wire: the SDK builds the URL with Node's querystring.stringify, which leaves !'()* unescaped, then
    // its transport (httpx) runs it through legacy url.parse, which escapes ' (only) to %27 …
    expect(captured.rawUrl).toContain('Policy=!%27()*~%20%2B%2F%26%3D%25');
    // … while the V3 canonical query (and our signer) encodes them; both SDK and we sign the canonical form.
    expect(signAcs3(signerInputFromWire(captured), credentials).canonicalRequest).toContain(
      'Policy=%21%27%28%29%2A~%20%2B%2F%26%3D%25',
    );
    expect(signAcs3(signerInputFromWire(captured), credentials).authorization).toBe(captured.headers['authorization']);
  });
});

describe("against the SDK's pure signer (OpenApiUtil.getAuthorization), for inputs the wire cannot show", () => {
  // The HTTP server strips leading/trailing header whitespace and lower-cases names before we see them, so the
  // differential above cannot tell whether our signer trims values or lower-cases names. The SDK's signing function
  // is pure, so we call it directly with such inputs.
  const HOST = 'sts.aliyuncs.com';
  const sdkAuthorization = (query: Record<string, string>, headers: Record<string, string>) =>
    OpenApi.OpenApiUtil.getAuthorization(
      { method: 'POST', pathname: '/', query, headers: { host: HOST, ...headers } },
      ACS3_ALGORITHM,
      EMPTY_SHA256,
      'ak',
      'sk',
    );
  const ours = (query: Record<string, string>, headers: Record<string, string>) =>
    signAcs3(
      { method: 'POST', host: HOST, path: '/', query, headers: { 'x-acs-content-sha256': EMPTY_SHA256, ...headers }, body: '' },
      { accessKeyId: 'ak', accessKeySecret: 'sk' },
    ).authorization;
  const BASE = { 'x-acs-action': 'AssumeRole', 'x-acs-content-sha256': EMPTY_SHA256 };

  it('trims header values and keeps inner spaces', () => {
    const headers = { ...BASE, 'x-acs-security-token': '  tok en \t' };
    expect(ours({}, headers)).toBe(sdkAuthorization({}, headers));
  });

  it('lower-cases header names and ignores unsigned headers', () => {
    const headers = { ...BASE, 'X-Acs-Date': '2026-11-22T05:18:01Z', 'User-Agent': 'x', Accept: 'application/json' };
    expect(ours({}, headers)).toBe(sdkAuthorization({}, headers));
  });

  it('signs content-type when present', () => {
    const headers = { ...BASE, 'Content-Type': 'application/x-www-form-urlencoded' };
    expect(ours({}, headers)).toContain('SignedHeaders=content-type;host;');
    expect(ours({}, headers)).toBe(sdkAuthorization({}, headers));
  });

  it('agrees on query keys made of unreserved characters', () => {
    const query = { RoleArn: 'acs:ram::1:role/a b', Policy: "!'()*~ 中" };
    expect(ours(query, BASE)).toBe(sdkAuthorization(query, BASE));
  });

  // KNOWN DIVERGENCE. The SDK's canonical query (openapi-core utils.js `getAuthorizationQueryString`) encodes
  // values but NOT keys, and sorts raw keys. The V3 spec encodes both; our signer follows the spec. STS parameter
  // names are plain ASCII letters, so this never shows on the wire; pinned so nobody "fixes" either side unawares.
  it('disagrees on a query key that needs encoding (the SDK signs it raw)', () => {
    const query = { 'Odd Key': 'v' };
    expect(ours(query, BASE)).not.toBe(sdkAuthorization(query, BASE));
  });
});
