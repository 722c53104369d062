import { createHash, createHmac } from 'node:crypto';
import { Agent } from 'node:http';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  MAX_POLICY_LENGTH,
  canonicalHeaderValue,
  canonicalRequestFor,
  credentialScopeFor,
  parseTc3Authorization,
  policyGrammarProblem,
  sha256Hex,
  signatureFor,
  signingKeyFor,
  startTencentStsEmulator,
  stringToSignFor,
  utcDateOf,
  verifyTc3Signature,
} from '../../emulators/tencent-sts';
import type { RecordedTencentAssumeRole, TencentStsEmulator, TencentStsEmulatorOptions } from '../../emulators/tencent-sts';
import { emulatorPerTest } from './emulator-per-test';
import { sendRequest } from './http-client';
import type { HttpResponse, Sendable } from './http-client';
import { closeCases, delayCases, listenerCases } from './shared-server-cases';

// ---------------------------------------------------------------------------------------------------------------------
// A test-only TC3 signer. It is deliberately built differently from the emulator's verifier (headers given as a map
// with any name case and sorted here, the key chain folded with reduce, no shared helpers) and is itself pinned to the
// official worked examples below, so that the two cannot agree on a mistake.
// ---------------------------------------------------------------------------------------------------------------------

const sha256 = (data: string): string => createHash('sha256').update(data, 'utf8').digest('hex');
const hmacSha256 = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

interface Tc3SignInput {
  secretId: string;
  secretKey: string;
  timestamp: number;
  /** Every header to send, names in any case; `X-TC-Timestamp` is not added automatically. */
  headers: Record<string, string>;
  /** Names (any case) of the headers to sign. */
  signed: string[];
  body: string;
  method?: string;
  path?: string;
  service?: string;
  /** Overrides the scope date (normally the UTC date of `timestamp`). */
  date?: string;
  /** The official rule; false reproduces the mistake of keeping the value's case. */
  lowercaseValues?: boolean;
}

interface Tc3Signed {
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  body: string;
  canonicalRequest: string;
  signature: string;
}

function signTc3(input: Tc3SignInput): Tc3Signed {
  const method = input.method ?? 'POST';
  const path = input.path ?? '/';
  const service = input.service ?? 'sts';
  const date = input.date ?? new Date(input.timestamp * 1000).toISOString().slice(0, 10);
  const byLowerName = new Map(Object.entries(input.headers).map(([name, value]) => [name.toLowerCase(), value]));
  const names = input.signed.map((name) => name.toLowerCase()).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const canonicalHeaders = names
    .map((name) => {
      const value = (byLowerName.get(name) ?? '').trim();
      return `${name}:${input.lowercaseValues === false ? value : value.toLowerCase()}\n`;
    })
    .join('');
  const [, query = ''] = path.split('?');
  const canonicalRequest = `${method}\n${path.split('?')[0]}\n${query}\n${canonicalHeaders}\n${names.join(';')}\n${sha256(input.body)}`;
  const scope = `${date}/${service}/tc3_request`;
  const stringToSign = `TC3-HMAC-SHA256\n${input.timestamp}\n${scope}\n${sha256(canonicalRequest)}`;
  const signingKey = [date, service, 'tc3_request'].reduce<string | Buffer>((key, part) => hmacSha256(key, part), `TC3${input.secretKey}`);
  const signature = hmacSha256(signingKey, stringToSign).toString('hex');
  const authorization = `TC3-HMAC-SHA256 Credential=${input.secretId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return { method, path, headers: { ...input.headers, Authorization: authorization }, body: input.body, canonicalRequest, signature };
}

// ---------------------------------------------------------------------------------------------------------------------
// Official TC3 worked examples (reference §4.3): DescribeInstances on cvm, 2019-02-25 (UTC) / 1551113065
// ---------------------------------------------------------------------------------------------------------------------

/** Literal backslash-u escapes, exactly as in the documentation (86 bytes; hashing the decoded characters differs). */
const EXAMPLE_BODY = String.raw`{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}`;
const EXAMPLE_PAYLOAD_HASH = '35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064';
const EXAMPLE_TIMESTAMP = '1551113065';
const EXAMPLE_DATE = '2019-02-25';
const EXAMPLE_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  host: 'cvm.tencentcloudapi.com',
  'x-tc-action': 'DescribeInstances',
  'x-tc-timestamp': EXAMPLE_TIMESTAMP,
  'x-tc-version': '2017-03-12',
  'x-tc-region': 'ap-guangzhou',
};

const VARIANT_A = {
  secretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******',
  secretKey: 'Gu5t9xGARNpq86cd98joQYCN3*******',
  signedHeaders: ['content-type', 'host'],
  canonicalRequest: [
    'POST',
    '/',
    '',
    'content-type:application/json; charset=utf-8',
    'host:cvm.tencentcloudapi.com',
    '',
    'content-type;host',
    EXAMPLE_PAYLOAD_HASH,
  ].join('\n'),
  hashedCanonicalRequest: '5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031',
  secretSigning: '8aa8ab5755582f576e94bcfe383b8e29325b0ca90c3590d569221c6a63a091ed',
  signature: '2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c',
};

const VARIANT_B = { ...VARIANT_A, secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE', signature: '72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168' };

const VARIANT_C = {
  secretId: `AKID${'*'.repeat(32)}`,
  secretKey: '*'.repeat(32),
  signedHeaders: ['content-type', 'host', 'x-tc-action'],
  canonicalRequest: [
    'POST',
    '/',
    '',
    'content-type:application/json; charset=utf-8',
    'host:cvm.tencentcloudapi.com',
    'x-tc-action:describeinstances',
    '',
    'content-type;host;x-tc-action',
    EXAMPLE_PAYLOAD_HASH,
  ].join('\n'),
  hashedCanonicalRequest: '7019a55be8395899b900fb5564e4200d984910f34794a27cb3fb7d10ff6a1e84',
  secretSigning: 'b596b923aad85185e2d1f6659d2a062e0a86731226e021e61bfe06f7ed05f5af',
  signature: '10b1a37a7301a02ca19a647ad722d5e43b4b3cff309d421d85b46093f6ab6c4f',
};

function officialAuthorization(variant: typeof VARIANT_A): string {
  return `TC3-HMAC-SHA256 Credential=${variant.secretId}/${EXAMPLE_DATE}/cvm/tc3_request, SignedHeaders=${variant.signedHeaders.join(';')}, Signature=${variant.signature}`;
}

describe('TC3-HMAC-SHA256 verification (official worked examples)', () => {
  it('hashes the documented payload', () => {
    expect(Buffer.byteLength(EXAMPLE_BODY)).toBe(86);
    expect(sha256Hex(EXAMPLE_BODY)).toBe(EXAMPLE_PAYLOAD_HASH);
    expect(sha256Hex('{"Limit": 1, "Filters": [{"Values": ["未命名"], "Name": "instance-name"}]}')).not.toBe(EXAMPLE_PAYLOAD_HASH);
    expect(utcDateOf(Number(EXAMPLE_TIMESTAMP))).toBe(EXAMPLE_DATE);
  });

  it.each([
    ['A (content-type;host)', VARIANT_A],
    ['B (English doc key)', VARIANT_B],
    ['C (adds x-tc-action)', VARIANT_C],
  ])('variant %s: canonical request, string to sign, signing key and signature byte for byte', (_name, variant) => {
    const canonical = canonicalRequestFor({
      method: 'POST',
      url: '/',
      headers: EXAMPLE_HEADERS,
      signedHeaders: variant.signedHeaders,
      hashedPayload: sha256Hex(EXAMPLE_BODY),
    });
    expect(canonical).toBe(variant.canonicalRequest);
    expect(sha256Hex(canonical)).toBe(variant.hashedCanonicalRequest);
    const scope = credentialScopeFor(EXAMPLE_DATE, 'cvm');
    expect(scope).toBe('2019-02-25/cvm/tc3_request');
    const stringToSign = stringToSignFor(EXAMPLE_TIMESTAMP, scope, canonical);
    expect(stringToSign).toBe(`TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n${variant.hashedCanonicalRequest}`);
    const signingKey = signingKeyFor(variant.secretKey, EXAMPLE_DATE, 'cvm');
    if (variant !== VARIANT_B) expect(signingKey.toString('hex')).toBe(variant.secretSigning);
    expect(signatureFor(signingKey, stringToSign)).toBe(variant.signature);
  });

  it.each([
    ['A', VARIANT_A],
    ['C', VARIANT_C],
  ])('variant %s: accepts the official Authorization header for the request as sent', (_name, variant) => {
    const headers = { ...EXAMPLE_HEADERS, authorization: officialAuthorization(variant) };
    expect(verifyTc3Signature({ method: 'POST', url: '/', headers, body: EXAMPLE_BODY }, variant.secretKey)).toEqual({ ok: true, secretId: variant.secretId });
    expect(verifyTc3Signature({ method: 'POST', url: '/', headers, body: Buffer.from(EXAMPLE_BODY) }, variant.secretKey).ok).toBe(true);
  });

  it('variant C is only reproduced with the signed value lower-cased (x-tc-action: DescribeInstances -> describeinstances)', () => {
    const input = {
      secretId: VARIANT_C.secretId,
      secretKey: VARIANT_C.secretKey,
      timestamp: Number(EXAMPLE_TIMESTAMP),
      headers: EXAMPLE_HEADERS,
      signed: VARIANT_C.signedHeaders,
      body: EXAMPLE_BODY,
      service: 'cvm',
    };
    expect(signTc3({ ...input, lowercaseValues: false }).signature).not.toBe(VARIANT_C.signature);
    expect(signTc3(input).signature).toBe(VARIANT_C.signature);
    expect(canonicalHeaderValue('  DescribeInstances \t')).toBe('describeinstances');
  });

  it('rejects a wrong key, a flipped digit, a changed header, body, method or query', () => {
    const headers = { ...EXAMPLE_HEADERS, authorization: officialAuthorization(VARIANT_C) };
    const request = { method: 'POST', url: '/', headers, body: EXAMPLE_BODY };
    const secret = VARIANT_C.secretKey;
    expect(verifyTc3Signature(request, `${secret}x`).ok).toBe(false);
    expect(verifyTc3Signature({ ...request, headers: { ...headers, authorization: headers.authorization.replace(/f$/, '0') } }, secret).ok).toBe(false);
    expect(verifyTc3Signature({ ...request, headers: { ...headers, 'x-tc-action': 'DescribeZones' } }, secret).ok).toBe(false);
    expect(verifyTc3Signature({ ...request, headers: { ...headers, host: 'cvm.ap-guangzhou.tencentcloudapi.com' } }, secret).ok).toBe(false);
    expect(verifyTc3Signature({ ...request, headers: { ...headers, 'x-tc-timestamp': '1551113066' } }, secret).ok).toBe(false);
    expect(verifyTc3Signature({ ...request, body: EXAMPLE_BODY.replace('1', '2') }, secret).ok).toBe(false);
    expect(verifyTc3Signature({ ...request, method: 'GET' }, secret).ok).toBe(false);
    expect(verifyTc3Signature({ ...request, url: '/?Limit=1' }, secret).ok).toBe(false);
  });

  it('reports the canonical request and string to sign on a mismatch', () => {
    const headers = { ...EXAMPLE_HEADERS, authorization: officialAuthorization(VARIANT_A) };
    const verdict = verifyTc3Signature({ method: 'POST', url: '/', headers, body: EXAMPLE_BODY }, 'nope');
    expect(verdict).toMatchObject({ ok: false, canonicalRequest: VARIANT_A.canonicalRequest });
  });

  it('pins the test signer to variants A and C', () => {
    const base = { timestamp: Number(EXAMPLE_TIMESTAMP), headers: EXAMPLE_HEADERS, body: EXAMPLE_BODY, service: 'cvm' };
    for (const variant of [VARIANT_A, VARIANT_C]) {
      const signed = signTc3({ ...base, secretId: variant.secretId, secretKey: variant.secretKey, signed: variant.signedHeaders });
      expect(signed.canonicalRequest).toBe(variant.canonicalRequest);
      expect(signed.headers['Authorization']).toBe(officialAuthorization(variant));
    }
  });
});

describe('verification pieces', () => {
  it('parses Authorization strictly', () => {
    const sig = 'a'.repeat(64);
    expect(parseTc3Authorization(`TC3-HMAC-SHA256 Credential=AKID1/2026-11-22/sts/tc3_request, SignedHeaders=content-type;host, Signature=${sig}`)).toEqual({
      ok: true,
      secretId: 'AKID1',
      date: '2026-11-22',
      service: 'sts',
      signedHeaders: ['content-type', 'host'],
      signature: sig,
    });
    expect(parseTc3Authorization(`TC3-HMAC-SHA256 Credential=AKID1/2026-11-22/sts/tc3_request,SignedHeaders=host,Signature=${sig}`).ok).toBe(true);
    for (const bad of [
      `TC3-HMAC-SHA256 Credential=AKID1/2026-11-22/sts/tc3_request, SignedHeaders=host;content-type, Signature=${sig}`,
      `TC3-HMAC-SHA256 Credential=AKID1/2026-11-22/sts/tc3_request, SignedHeaders=Content-Type;host, Signature=${sig}`,
      `TC3-HMAC-SHA256 Credential=AKID1/2026-11-22/sts/tc3_request, SignedHeaders=host;host, Signature=${sig}`,
      `TC3-HMAC-SHA256 Credential=AKID1/2026-11-22/sts, SignedHeaders=content-type;host, Signature=${sig}`,
      `TC3-HMAC-SHA256 Credential=AKID1/2026-11-22/sts/tc3_request/x, SignedHeaders=content-type;host, Signature=${sig}`,
      `TC3-HMAC-SHA256 Credential=AKID1/2026-11-22/sts/tc3_request, SignedHeaders=content-type;host, Signature=${sig.toUpperCase()}`,
      `TC3-HMAC-SHA256 Credential=AKID1/2026-11-22/sts/tc3_request, SignedHeaders=content-type;host`,
      `TC3-HMAC-SHA256 Credential=AKID1/2026-11-22/sts/tc3_request, SignedHeaders=content-type;host, Signature=${sig}, Extra=1`,
      `TC3-HMAC-SHA1 Credential=AKID1/2026-11-22/sts/tc3_request, SignedHeaders=content-type;host, Signature=${sig}`,
      'SKIP',
      '',
    ]) {
      expect(parseTc3Authorization(bad).ok, bad).toBe(false);
    }
  });

  it('uses the UTC date, not Beijing time', () => {
    expect(utcDateOf(Date.parse('2026-11-22T23:59:59Z') / 1000)).toBe('2026-11-22');
    expect(utcDateOf(Date.parse('2026-11-23T00:00:00Z') / 1000)).toBe('2026-11-23');
  });

  it('checks policy grammar', () => {
    expect(policyGrammarProblem(POLICY_JSON)).toBeUndefined();
    expect(policyGrammarProblem('{"version":"2.0","statement":[{"effect":"deny","action":"*","resource":"*","condition":{}}]}')).toBeUndefined();
    expect(policyGrammarProblem('{"version":"2.0","statement":[{"effect":"allow","action":"*","resource":"*","principal":{"qcs":["*"]}}]}')).toMatch(/principal/);
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// The HTTP emulator
// ---------------------------------------------------------------------------------------------------------------------

const NOW = Date.parse('2026-11-22T05:18:01Z');
const NOW_S = NOW / 1000;
const ROLE_ARN = 'qcs::cam::uin/100012345678:roleName/cos-upload';
const TEMP_CALLER = { secretId: 'AKIDtempCaller', secretKey: 'tempSecretKey/+=', token: 'scf-session-token_with-chars+/=' };
const PERMANENT_CALLER = { secretId: 'AKIDpermanent', secretKey: 'permanentSecretKey' };
const POLICY = {
  version: '2.0',
  statement: [
    {
      effect: 'allow',
      action: ['name/cos:PutObject', 'name/cos:InitiateMultipartUpload'],
      resource: ['qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/users/42/*'],
      condition: { numeric_less_than_equal: { 'cos:content-length': 5242880 } },
    },
  ],
};
const POLICY_JSON = JSON.stringify(POLICY);
const ENCODED_POLICY = encodeURIComponent(POLICY_JSON);
const ALL_SIGNED = ['content-type', 'host', 'x-tc-action', 'x-tc-region', 'x-tc-timestamp', 'x-tc-token', 'x-tc-version'];

/** API 3.0 wraps every answer, success or error, in `Response`. */
type Response = HttpResponse<{ Response?: Record<string, unknown> }>;

interface AssumeRoleRequest {
  /** The JSON body's fields (serialised), unless `body` is given. */
  params?: Record<string, unknown>;
  body?: string;
  caller?: { secretId: string; secretKey: string; token?: string };
  /** Overrides/additions to the sent headers (canonical spelling, e.g. `X-TC-Region`); `undefined` removes one. */
  headers?: Record<string, string | undefined>;
  /** Header names to sign; default `content-type;host`, as the official SDK does. */
  signed?: string[];
  timestamp?: number;
  method?: string;
  path?: string;
  service?: string;
  date?: string;
}

let clock = NOW;
let emulator: TencentStsEmulator;

async function start(options: Partial<TencentStsEmulatorOptions> = {}): Promise<TencentStsEmulator> {
  return startTencentStsEmulator({
    callers: {
      [TEMP_CALLER.secretId]: { secretKey: TEMP_CALLER.secretKey, token: TEMP_CALLER.token },
      [PERMANENT_CALLER.secretId]: { secretKey: PERMANENT_CALLER.secretKey },
    },
    now: () => clock,
    ...options,
  });
}

function signAssumeRole(request: AssumeRoleRequest = {}): Tc3Signed {
  const caller = request.caller ?? TEMP_CALLER;
  const timestamp = request.timestamp ?? Math.floor(clock / 1000);
  const params = request.params ?? { RoleArn: ROLE_ARN, RoleSessionName: 'user-42', DurationSeconds: 900 };
  const merged: Record<string, string | undefined> = {
    'Content-Type': 'application/json; charset=utf-8',
    Host: emulator.host,
    'X-TC-Action': 'AssumeRole',
    'X-TC-Version': '2018-08-13',
    'X-TC-Region': 'ap-guangzhou',
    'X-TC-Timestamp': String(timestamp),
    'X-TC-Token': caller.token,
    ...request.headers,
  };
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(merged)) if (value !== undefined) headers[name] = value;
  const present = new Set(Object.keys(headers).map((name) => name.toLowerCase()));
  return signTc3({
    secretId: caller.secretId,
    secretKey: caller.secretKey,
    timestamp,
    headers,
    signed: (request.signed ?? ['content-type', 'host']).filter((name) => present.has(name)),
    body: request.body ?? JSON.stringify(params),
    ...(request.method !== undefined && { method: request.method }),
    ...(request.path !== undefined && { path: request.path }),
    ...(request.service !== undefined && { service: request.service }),
    ...(request.date !== undefined && { date: request.date }),
  });
}

const send = (request: Sendable): Promise<Response> => sendRequest(emulator, request);

function assumeRole(request: AssumeRoleRequest = {}): Promise<Response> {
  return send(signAssumeRole(request));
}

function errorOf(response: Response): { Code?: unknown; Message?: unknown } {
  return (response.json.Response?.['Error'] ?? {}) as { Code?: unknown; Message?: unknown };
}

function expectError(response: Response, code: string): void {
  expect({ status: response.status, code: errorOf(response).Code }).toEqual({ status: 200, code });
  expect(Object.keys(response.json)).toEqual(['Response']);
  expect(Object.keys(response.json.Response ?? {})).toEqual(['Error', 'RequestId']);
  expect(Object.keys(errorOf(response))).toEqual(['Code', 'Message']);
  expect(response.json.Response?.['RequestId']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
}

interface SuccessBody {
  Credentials: { Token: string; TmpSecretId: string; TmpSecretKey: string };
  ExpiredTime: number;
  Expiration: string;
  RequestId: string;
}

function successOf(response: Response): SuccessBody {
  return response.json.Response as unknown as SuccessBody;
}

/** A fresh emulator, and the clock at NOW, for each test; `restart` swaps in one started with other options. */
const restart = emulatorPerTest(start, (started) => (emulator = started), () => (clock = NOW));

describe('AssumeRole success', () => {
  it('issues credentials shaped like STS and records the call with the policy decoded', async () => {
    const response = await assumeRole({ params: { RoleArn: ROLE_ARN, RoleSessionName: 'user-42', DurationSeconds: 900, Policy: ENCODED_POLICY } });

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(Object.keys(response.json)).toEqual(['Response']);
    const body = successOf(response);
    expect(Object.keys(body)).toEqual(['Credentials', 'ExpiredTime', 'Expiration', 'RequestId']);
    expect(Object.keys(body.Credentials)).toEqual(['Token', 'TmpSecretId', 'TmpSecretKey']);
    expect(body.Credentials.TmpSecretId).toMatch(/^AKID[A-Za-z0-9]{68}$/);
    expect(body.Credentials.TmpSecretKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(body.Credentials.Token).toMatch(/^[A-Za-z0-9_-]{720}$/);
    expect(body.ExpiredTime).toBe(NOW_S + 900);
    expect(body.Expiration).toBe('2026-11-22T05:33:01Z');
    expect(body.RequestId).toMatch(/^[0-9a-f-]{36}$/);

    const expected: RecordedTencentAssumeRole = {
      callerSecretId: TEMP_CALLER.secretId,
      token: TEMP_CALLER.token,
      region: 'ap-guangzhou',
      roleArn: ROLE_ARN,
      roleSessionName: 'user-42',
      durationSeconds: 900,
      policy: POLICY_JSON,
      issued: {
        tmpSecretId: body.Credentials.TmpSecretId,
        tmpSecretKey: body.Credentials.TmpSecretKey,
        token: body.Credentials.Token,
        expiredTime: NOW_S + 900,
        expiration: '2026-11-22T05:33:01Z',
      },
    };
    expect(emulator.calls).toEqual([expected]);
    expect(emulator.rejections).toEqual([]);
  });

  it('defaults DurationSeconds to 7200 and issues fresh credentials each time', async () => {
    const first = await assumeRole({ params: { RoleArn: ROLE_ARN, RoleSessionName: 'alice' } });
    await assumeRole({ params: { RoleArn: ROLE_ARN, RoleSessionName: 'bob', DurationSeconds: null } });
    expect(successOf(first).ExpiredTime).toBe(NOW_S + 7200);
    expect(successOf(first).Expiration).toBe('2026-11-22T07:18:01Z');
    expect(emulator.calls.map((call) => call.durationSeconds)).toEqual([7200, 7200]);
    expect(emulator.calls[0]?.issued.tmpSecretId).not.toBe(emulator.calls[1]?.issued.tmpSecretId);
  });

  it('accepts a permanent key without a token, every header signed, and extra unsigned headers', async () => {
    const response = await assumeRole({
      caller: PERMANENT_CALLER,
      signed: ALL_SIGNED,
      headers: { 'Content-Type': 'application/json', 'X-TC-Language': 'en-US', 'X-TC-RequestClient': 'test', 'X-TC-Region': 'ap-beijing' },
    });
    expect(response.status).toBe(200);
    expect(emulator.calls[0]).toMatchObject({ callerSecretId: PERMANENT_CALLER.secretId, token: undefined, region: 'ap-beijing', policy: undefined });
  });

  it('accepts the documented RoleArn forms and the optional parameters', async () => {
    for (const roleArn of [
      'qcs::cam::uin/12345678:role/4611686018427397919',
      'qcs::cam::uin/12345678:roleName/testRoleName',
      'qcs::cam::uin/12345678:role/tencentcloudServiceRole/scf.qcloud.com',
      'qcs::cam::uin/12345678:role/tencentcloudServiceRoleName/SCF_QcsRole',
    ]) {
      const response = await assumeRole({ params: { RoleArn: roleArn, RoleSessionName: 'user.name@example_1-2+=,' } });
      expect(response.status, roleArn).toBe(200);
      expect(errorOf(response).Code, roleArn).toBeUndefined();
    }
    const optional = {
      RoleArn: ROLE_ARN,
      RoleSessionName: 'ab',
      ExternalId: 'ext:id/1',
      Tags: [{ Key: 'tenant', Value: 'acme' }, { Key: 'env', Value: '' }],
      SourceIdentity: '100012345678',
    };
    expect(errorOf(await assumeRole({ params: optional })).Code).toBeUndefined();
    expect(emulator.calls).toHaveLength(5);
  });

  it('accepts the boundaries: 0 s, the role maximum, 2- and 128-char session names, a 2048-char policy', async () => {
    await restart({ maxSessionDuration: 43200 });
    const base = { RoleArn: ROLE_ARN, RoleSessionName: 'ab' };
    for (const params of [
      { ...base, DurationSeconds: 0 },
      { ...base, DurationSeconds: 43200 },
      { ...base, RoleSessionName: 'x'.repeat(128) },
      { ...base, Policy: encodeURIComponent(policyOfLength(MAX_POLICY_LENGTH)) },
    ]) {
      expect(errorOf(await assumeRole({ params })).Code).toBeUndefined();
    }
    expect(emulator.calls.map((call) => call.durationSeconds)).toEqual([0, 43200, 7200, 7200]);
    expect(emulator.calls[0]?.issued.expiredTime).toBe(NOW_S);
    expect(emulator.calls[3]?.policy).toHaveLength(2048);
  });

  it('decodes policies encoded by other encoders (%2A, literal / and *, lower-case hex, non-ASCII)', async () => {
    const policy = JSON.stringify({ version: '2.0', statement: [{ effect: 'allow', action: 'name/cos:GetObject', resource: 'qcs::cos:ap-guangzhou:uid/1:b-1/文档/*' }] });
    const variants = [
      encodeURIComponent(policy).replace(/\*/g, '%2A'),
      encodeURIComponent(policy).replace(/%2F/g, '/'),
      encodeURIComponent(policy).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()),
    ];
    for (const Policy of variants) {
      expect(errorOf(await assumeRole({ params: { RoleArn: ROLE_ARN, RoleSessionName: 'ab', Policy } })).Code, Policy).toBeUndefined();
    }
    expect(emulator.calls.map((call) => call.policy)).toEqual([policy, policy, policy]);
  });

  it('accepts a timestamp exactly at the skew limit, either side', async () => {
    const past = await assumeRole({ timestamp: NOW_S - 300 });
    const future = await assumeRole({ timestamp: NOW_S + 300 });
    expect([errorOf(past).Code, errorOf(future).Code]).toEqual([undefined, undefined]);
  });

  it('signs with the UTC date around midnight UTC (Beijing is already on the next day)', async () => {
    clock = Date.parse('2026-11-22T23:59:59Z');
    expect(errorOf(await assumeRole()).Code).toBeUndefined();
    expectError(await assumeRole({ date: '2026-11-23' }), 'AuthFailure.InvalidAuthorization');
  });
});

function policyOfLength(length: number): string {
  const make = (resource: string): string =>
    JSON.stringify({ version: '2.0', statement: [{ effect: 'allow', action: 'name/cos:GetObject', resource }] });
  const policy = make('r'.repeat(length - make('').length));
  expect(policy.length).toBe(length);
  return policy;
}

const encodePolicy = (policy: unknown): string => encodeURIComponent(typeof policy === 'string' ? policy : JSON.stringify(policy));
const statementWith = (overrides: Record<string, unknown>): string =>
  encodePolicy({ version: '2.0', statement: [{ effect: 'allow', action: 'name/cos:PutObject', resource: '*', ...overrides }] });

describe('validation failures', () => {
  const ok = { RoleArn: ROLE_ARN, RoleSessionName: 'user-42' };

  const parameterCases: [string, string, Record<string, unknown>][] = [
    ['missing RoleArn', 'MissingParameter', { RoleSessionName: 'user-42' }],
    ['null RoleArn', 'MissingParameter', { ...ok, RoleArn: null }],
    ['RoleArn a number', 'InvalidParameter', { ...ok, RoleArn: 123 }],
    ['RoleArn in Aliyun form', 'InvalidParameterValue', { ...ok, RoleArn: 'acs:ram::123456789012:role/x' }],
    ['RoleArn with letters in uin', 'InvalidParameterValue', { ...ok, RoleArn: 'qcs::cam::uin/12ab:roleName/x' }],
    ['RoleArn role/ with a non-numeric id', 'InvalidParameterValue', { ...ok, RoleArn: 'qcs::cam::uin/123:role/abc' }],
    ['RoleArn of a user', 'InvalidParameterValue', { ...ok, RoleArn: 'qcs::cam::uin/123:uin/456' }],
    ['RoleArn with empty name', 'InvalidParameterValue', { ...ok, RoleArn: 'qcs::cam::uin/123:roleName/' }],
    ['RoleArn with a trailing newline', 'InvalidParameterValue', { ...ok, RoleArn: `${ROLE_ARN}\n` }],
    ['missing RoleSessionName', 'MissingParameter', { RoleArn: ROLE_ARN }],
    ['RoleSessionName a number', 'InvalidParameter', { ...ok, RoleSessionName: 42 }],
    ['1-char RoleSessionName', 'InvalidParameterValue', { ...ok, RoleSessionName: 'a' }],
    ['129-char RoleSessionName', 'InvalidParameterValue', { ...ok, RoleSessionName: 'a'.repeat(129) }],
    ['RoleSessionName with a space', 'InvalidParameterValue', { ...ok, RoleSessionName: 'user 42' }],
    ['RoleSessionName with a slash', 'InvalidParameterValue', { ...ok, RoleSessionName: 'user/42' }],
    ['RoleSessionName with non-ASCII letters', 'InvalidParameterValue', { ...ok, RoleSessionName: 'usér' }],
    ['DurationSeconds as a string', 'InvalidParameter', { ...ok, DurationSeconds: '900' }],
    ['DurationSeconds fractional', 'InvalidParameter', { ...ok, DurationSeconds: 900.5 }],
    ['DurationSeconds boolean', 'InvalidParameter', { ...ok, DurationSeconds: true }],
    ['DurationSeconds negative', 'InvalidParameterValue', { ...ok, DurationSeconds: -1 }],
    ['DurationSeconds above the role maximum', 'InvalidParameter.OverTimeError', { ...ok, DurationSeconds: 7201 }],
    ['Policy an object (not encoded)', 'InvalidParameter', { ...ok, Policy: POLICY }],
    ['Policy raw JSON (not URL-encoded)', 'InvalidParameter.StrategyFormatError', { ...ok, Policy: POLICY_JSON }],
    ['Policy with a raw +', 'InvalidParameter.StrategyFormatError', { ...ok, Policy: ENCODED_POLICY.replace('%3A', '+') }],
    ['Policy with broken percent-encoding', 'InvalidParameter.StrategyFormatError', { ...ok, Policy: `${ENCODED_POLICY}%E4%B8` }],
    ['Policy with an invalid escape', 'InvalidParameter.StrategyFormatError', { ...ok, Policy: `${ENCODED_POLICY}%zz` }],
    ['Policy empty', 'InvalidParameter.StrategyFormatError', { ...ok, Policy: '' }],
    ['Policy not JSON', 'InvalidParameter.StrategyFormatError', { ...ok, Policy: encodePolicy('{"version":"2.0",') }],
    ['Policy an array', 'InvalidParameter.StrategyFormatError', { ...ok, Policy: encodePolicy('[]') }],
    ['Policy version 1', 'InvalidParameter.StrategyFormatError', { ...ok, Policy: encodePolicy(POLICY_JSON.replace('"2.0"', '"1"')) }],
    ['Policy version as number', 'InvalidParameter.StrategyFormatError', { ...ok, Policy: encodePolicy(POLICY_JSON.replace('"2.0"', '2.0')) }],
    ['Policy with capitalised keys', 'InvalidParameter.StrategyFormatError', { ...ok, Policy: encodePolicy({ Version: '2.0', Statement: POLICY.statement }) }],
    ['Policy without statement', 'InvalidParameter.StrategyFormatError', { ...ok, Policy: encodePolicy({ version: '2.0' }) }],
    ['Policy with empty statement', 'InvalidParameter.StrategyFormatError', { ...ok, Policy: encodePolicy({ version: '2.0', statement: [] }) }],
    ['Policy statement an object', 'InvalidParameter.StrategyFormatError', { ...ok, Policy: encodePolicy({ version: '2.0', statement: POLICY.statement[0] }) }],
    ['Policy statement item a string', 'InvalidParameter.StrategyFormatError', { ...ok, Policy: encodePolicy({ version: '2.0', statement: ['x'] }) }],
    ['Policy effect Allow (capitalised)', 'InvalidParameter.StrategyFormatError', { ...ok, Policy: statementWith({ effect: 'Allow' }) }],
    ['Policy effect maybe', 'InvalidParameter.StrategyFormatError', { ...ok, Policy: statementWith({ effect: 'maybe' }) }],
    ['Policy without action', 'InvalidParameter.StrategyFormatError', { ...ok, Policy: statementWith({ action: undefined }) }],
    ['Policy with empty action list', 'InvalidParameter.StrategyFormatError', { ...ok, Policy: statementWith({ action: [] }) }],
    ['Policy without resource', 'InvalidParameter.StrategyFormatError', { ...ok, Policy: statementWith({ resource: undefined }) }],
    ['Policy with a number as resource', 'InvalidParameter.StrategyFormatError', { ...ok, Policy: statementWith({ resource: [1] }) }],
    ['Policy with a string condition', 'InvalidParameter.StrategyFormatError', { ...ok, Policy: statementWith({ condition: 'x' }) }],
    ['Policy with principal in a statement', 'InvalidParameter.StrategyFormatError', { ...ok, Policy: statementWith({ principal: { qcs: ['*'] } }) }],
    ['Policy with principal at the top', 'InvalidParameter.StrategyFormatError', { ...ok, Policy: encodePolicy({ ...POLICY, principal: '*' }) }],
    ['Policy with Principal nested in a condition', 'InvalidParameter.StrategyFormatError', { ...ok, Policy: statementWith({ condition: { string_equal: { Principal: 'x' } } }) }],
    ['Policy over 2048 decoded chars', 'InvalidParameter.PolicyTooLong', { ...ok, Policy: encodeURIComponent(policyOfLength(MAX_POLICY_LENGTH + 1)) }],
    ['ExternalId of 1 char', 'InvalidParameterValue', { ...ok, ExternalId: 'x' }],
    ['ExternalId a number', 'InvalidParameter', { ...ok, ExternalId: 12 }],
    ['Tags not an array', 'InvalidParameter', { ...ok, Tags: { Key: 'a', Value: 'b' } }],
    ['Tag without Value', 'InvalidParameter', { ...ok, Tags: [{ Key: 'a' }] }],
    ['Tag key repeated', 'InvalidParameterValue', { ...ok, Tags: [{ Key: 'a', Value: '1' }, { Key: 'a', Value: '2' }] }],
    ['51 tags', 'InvalidParameterValue', { ...ok, Tags: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) }],
    ['SourceIdentity a number', 'InvalidParameter', { ...ok, SourceIdentity: 1 }],
    ['an unknown parameter', 'UnknownParameter', { ...ok, Expiry: 3600 }],
    ['a mis-cased parameter', 'UnknownParameter', { ...ok, policy: ENCODED_POLICY }],
  ];

  it.each(parameterCases)('%s -> %s', async (_name, code, params) => {
    const response = await assumeRole({ params });
    expectError(response, code);
    expect(emulator.rejections).toEqual([{ code }]);
    expect(emulator.calls).toEqual([]);
  });

  const bodyCases: [string, string][] = [
    ['not JSON', '{"RoleArn":'],
    ['empty', ''],
    ['an array', '[]'],
    ['a string', '"AssumeRole"'],
  ];

  it.each(bodyCases)('body %s -> InvalidParameter', async (_name, body) => {
    expectError(await assumeRole({ body }), 'InvalidParameter');
  });

  const requestCases: [string, string, AssumeRoleRequest][] = [
    ['GET', 'UnsupportedProtocol', { method: 'GET' }],
    ['PUT', 'UnsupportedProtocol', { method: 'PUT' }],
    ['a path other than /', 'InvalidAction', { path: '/sts' }],
    ['form-encoded body', 'UnsupportedProtocol', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }],
    ['no Content-Type', 'UnsupportedProtocol', { headers: { 'Content-Type': undefined } }],
    ['missing X-TC-Action', 'MissingParameter', { headers: { 'X-TC-Action': undefined } }],
    ['another action', 'InvalidAction', { headers: { 'X-TC-Action': 'GetFederationToken' } }],
    ['the action in lower case', 'InvalidAction', { headers: { 'X-TC-Action': 'assumerole' } }],
    ['missing X-TC-Version', 'MissingParameter', { headers: { 'X-TC-Version': undefined } }],
    ['another version', 'NoSuchVersion', { headers: { 'X-TC-Version': '2017-03-12' } }],
    ['missing X-TC-Region', 'MissingParameter', { headers: { 'X-TC-Region': undefined } }],
    ['empty X-TC-Region', 'MissingParameter', { headers: { 'X-TC-Region': '' } }],
    ['missing X-TC-Timestamp', 'MissingParameter', { headers: { 'X-TC-Timestamp': undefined } }],
    ['X-TC-Timestamp in milliseconds form', 'InvalidParameterValue', { headers: { 'X-TC-Timestamp': `${NOW_S}.000` } }],
    ['X-TC-Timestamp as a date', 'InvalidParameterValue', { headers: { 'X-TC-Timestamp': new Date(NOW).toUTCString() } }],
    ['timestamp 301 s in the past', 'AuthFailure.SignatureExpire', { timestamp: NOW_S - 301 }],
    ['timestamp 301 s in the future', 'AuthFailure.SignatureExpire', { timestamp: NOW_S + 301 }],
    ['timestamp in milliseconds', 'AuthFailure.SignatureExpire', { timestamp: NOW }],
    ['scope date of the previous day', 'AuthFailure.InvalidAuthorization', { date: '2026-11-21' }],
    ['scope date in another format', 'AuthFailure.InvalidAuthorization', { date: '20261122' }],
    ['scope service cvm', 'AuthFailure.InvalidAuthorization', { service: 'cvm' }],
    ['scope service STS', 'AuthFailure.InvalidAuthorization', { service: 'STS' }],
    ['content-type not signed', 'AuthFailure.InvalidAuthorization', { signed: ['host', 'x-tc-action'] }],
    ['host not signed', 'AuthFailure.InvalidAuthorization', { signed: ['content-type', 'x-tc-action'] }],
    ['unknown SecretId', 'AuthFailure.SecretIdNotFound', { caller: { secretId: 'AKIDunknown', secretKey: 'x' } }],
    ['prototype key as SecretId', 'AuthFailure.SecretIdNotFound', { caller: { secretId: 'constructor', secretKey: 'x' } }],
    ['temporary key without token', 'AuthFailure.TokenFailure', { headers: { 'X-TC-Token': undefined } }],
    ['temporary key with an empty token', 'AuthFailure.TokenFailure', { headers: { 'X-TC-Token': '' } }],
    ['temporary key with another token', 'AuthFailure.TokenFailure', { headers: { 'X-TC-Token': 'other-token' } }],
    ['permanent key with a token', 'AuthFailure.TokenFailure', { caller: { ...PERMANENT_CALLER, token: 'stale-token' } }],
    ['wrong secret key', 'AuthFailure.SignatureFailure', { caller: { ...TEMP_CALLER, secretKey: 'wrong' } }],
  ];

  it.each(requestCases)('%s -> %s', async (_name, code, request) => {
    const response = await assumeRole(request);
    expectError(response, code);
    expect(emulator.rejections).toEqual([{ code }]);
    expect(emulator.calls).toEqual([]);
  });

  it('missing Authorization -> AuthFailure.InvalidAuthorization', async () => {
    const { Authorization: _omitted, ...headers } = signAssumeRole().headers;
    expectError(await send({ ...signAssumeRole(), headers }), 'AuthFailure.InvalidAuthorization');
  });

  it.each([
    ['garbage', 'Bearer abc'],
    ['SKIP (AssumeRoleWithWebIdentity only)', 'SKIP'],
    ['v1-style', 'HmacSHA256 c2lnbmF0dXJl'],
    ['other algorithm', `TC3-HMAC-SM3 Credential=${TEMP_CALLER.secretId}/2026-11-22/sts/tc3_request, SignedHeaders=content-type;host, Signature=${'0'.repeat(64)}`],
    ['missing Signature', `TC3-HMAC-SHA256 Credential=${TEMP_CALLER.secretId}/2026-11-22/sts/tc3_request, SignedHeaders=content-type;host`],
    ['unsorted SignedHeaders', `TC3-HMAC-SHA256 Credential=${TEMP_CALLER.secretId}/2026-11-22/sts/tc3_request, SignedHeaders=host;content-type, Signature=${'0'.repeat(64)}`],
    ['scope without tc3_request', `TC3-HMAC-SHA256 Credential=${TEMP_CALLER.secretId}/2026-11-22/sts, SignedHeaders=content-type;host, Signature=${'0'.repeat(64)}`],
    ['short signature', `TC3-HMAC-SHA256 Credential=${TEMP_CALLER.secretId}/2026-11-22/sts/tc3_request, SignedHeaders=content-type;host, Signature=abc`],
  ])('unparsable Authorization (%s) -> AuthFailure.InvalidAuthorization', async (_name, authorization) => {
    const signed = signAssumeRole();
    expectError(await send({ ...signed, headers: { ...signed.headers, Authorization: authorization } }), 'AuthFailure.InvalidAuthorization');
  });

  it('a signed header that is absent -> AuthFailure.InvalidAuthorization', async () => {
    const signed = signAssumeRole({ signed: ['content-type', 'host', 'x-tc-language'], headers: { 'X-TC-Language': 'en-US' } });
    const { 'X-TC-Language': _dropped, ...headers } = signed.headers;
    expectError(await send({ ...signed, headers }), 'AuthFailure.InvalidAuthorization');
  });

  it('a signed header sent twice -> AuthFailure.InvalidAuthorization', async () => {
    const signed = signAssumeRole({ signed: ALL_SIGNED });
    const headers = { ...signed.headers, 'X-TC-Region': ['ap-guangzhou', 'ap-beijing'] };
    expectError(await send({ ...signed, headers }), 'AuthFailure.InvalidAuthorization');
  });

  it('checks run in gateway order: routing, then authentication, then parameters', async () => {
    const everythingWrong = { params: { RoleArn: 'bad' }, caller: { secretId: 'AKIDunknown', secretKey: 'x' } };
    expectError(await assumeRole({ ...everythingWrong, headers: { 'X-TC-Version': '2017-03-12' } }), 'NoSuchVersion');
    expectError(await assumeRole(everythingWrong), 'AuthFailure.SecretIdNotFound');
    expectError(await assumeRole({ params: { RoleArn: 'bad' }, caller: { ...TEMP_CALLER, secretKey: 'x' } }), 'AuthFailure.SignatureFailure');
    expectError(await assumeRole({ params: { RoleArn: 'bad' } }), 'InvalidParameterValue');
  });

  it('honours allowedSkewSeconds and maxSessionDuration options', async () => {
    await restart({ allowedSkewSeconds: 60, maxSessionDuration: 900 });
    expectError(await assumeRole({ timestamp: NOW_S - 61 }), 'AuthFailure.SignatureExpire');
    expect(errorOf(await assumeRole({ timestamp: NOW_S - 60 })).Code).toBeUndefined();
    expect(errorOf(await assumeRole({ params: { RoleArn: ROLE_ARN, RoleSessionName: 'ab' } })).Code).toBeUndefined();
    expect(emulator.calls.at(-1)?.durationSeconds).toBe(900);
    expectError(await assumeRole({ params: { RoleArn: ROLE_ARN, RoleSessionName: 'ab', DurationSeconds: 901 } }), 'InvalidParameter.OverTimeError');
  });

  it('refuses impossible options', async () => {
    await expect(start({ maxSessionDuration: 899 })).rejects.toThrow(RangeError);
    await expect(start({ maxSessionDuration: 43201 })).rejects.toThrow(RangeError);
    await expect(start({ allowedSkewSeconds: -1 })).rejects.toThrow(RangeError);
  });

  it('follows the clock it is given', async () => {
    const signedEarlier = signAssumeRole();
    clock = NOW + 3_600_000;
    expectError(await send(signedEarlier), 'AuthFailure.SignatureExpire');
    expect(errorOf(await assumeRole()).Code).toBeUndefined();
  });

  it('explains a signature mismatch with the canonical request it computed', async () => {
    const response = await assumeRole({ caller: { ...TEMP_CALLER, secretKey: 'wrong' } });
    expect(errorOf(response).Message).toMatch(/^The provided credentials could not be validated\. Please check your signature is correct\. \(canonical request: "POST\\n\/\\n\\ncontent-type:application\/json; charset=utf-8\\nhost:127\.0\.0\.1:\d+\\n\\ncontent-type;host\\n[0-9a-f]{64}"; string to sign: "TC3-HMAC-SHA256\\n\d+\\n2026-11-22\/sts\/tc3_request\\n[0-9a-f]{64}"\)$/);
  });
});

function flipLastSignatureDigit(signed: Tc3Signed): Tc3Signed {
  const authorization = String(signed.headers['Authorization']);
  const last = authorization.slice(-1) === '0' ? '1' : '0';
  return { ...signed, headers: { ...signed.headers, Authorization: authorization.slice(0, -1) + last } };
}

describe('tampering after signing', () => {
  function signEverything(): Tc3Signed {
    return signAssumeRole({
      params: { RoleArn: ROLE_ARN, RoleSessionName: 'user-42', DurationSeconds: 900, Policy: ENCODED_POLICY },
      signed: ALL_SIGNED,
      caller: TEMP_CALLER,
    });
  }
  const withHeader = (name: string, value: string) => (signed: Tc3Signed): Tc3Signed => ({ ...signed, headers: { ...signed.headers, [name]: value } });

  it.each([
    ['Host', withHeader('Host', 'sts.tencentcloudapi.com')],
    ['Content-Type', withHeader('Content-Type', 'application/json')],
    ['X-TC-Region (signed)', withHeader('X-TC-Region', 'ap-beijing')],
    ['X-TC-Timestamp (still within skew)', withHeader('X-TC-Timestamp', String(NOW_S + 1))],
    ['the body: a value', (s: Tc3Signed): Tc3Signed => ({ ...s, body: s.body.replace('user-42', 'user-43') })],
    ['the body: the policy', (s: Tc3Signed): Tc3Signed => ({ ...s, body: s.body.replace('PutObject', 'DeleteObject') })],
    ['the body: whitespace only', (s: Tc3Signed): Tc3Signed => ({ ...s, body: `${s.body} ` })],
    ['the body: a removed parameter', (s: Tc3Signed): Tc3Signed => ({ ...s, body: s.body.replace(/,"Policy":"[^"]*"/, '') })],
    ['an added query string', (s: Tc3Signed): Tc3Signed => ({ ...s, path: '/?RoleSessionName=x' })],
    ['one digit of the signature', flipLastSignatureDigit],
  ])('%s -> AuthFailure.SignatureFailure', async (_name, tamper) => {
    const response = await send(tamper(signEverything()));
    expectError(response, 'AuthFailure.SignatureFailure');
    expect(emulator.calls).toEqual([]);
  });

  it.each([
    ['X-TC-Token', withHeader('X-TC-Token', `${TEMP_CALLER.token}x`), 'AuthFailure.TokenFailure'],
    ['X-TC-Token case only', withHeader('X-TC-Token', TEMP_CALLER.token.toUpperCase()), 'AuthFailure.TokenFailure'],
    ['X-TC-Action', withHeader('X-TC-Action', 'GetFederationToken'), 'InvalidAction'],
    ['X-TC-Version', withHeader('X-TC-Version', '2017-03-12'), 'NoSuchVersion'],
    ['the scope date', (s: Tc3Signed): Tc3Signed => withHeader('Authorization', String(s.headers['Authorization']).replace('2026-11-22', '2026-11-21'))(s), 'AuthFailure.InvalidAuthorization'],
    ['the SecretId', (s: Tc3Signed): Tc3Signed => withHeader('Authorization', String(s.headers['Authorization']).replace(TEMP_CALLER.secretId, PERMANENT_CALLER.secretId))(s), 'AuthFailure.TokenFailure'],
  ])('%s -> %s', async (_name, tamper, code) => {
    expectError(await send(tamper(signEverything())), code);
    expect(emulator.calls).toEqual([]);
  });

  it('the SecretId swapped to another key that takes no token still fails the signature', async () => {
    const signed = signAssumeRole({ caller: { ...PERMANENT_CALLER, secretKey: 'not-its-key' } });
    expectError(await send(signed), 'AuthFailure.SignatureFailure');
  });

  it('an unsigned header is not protected (TC3 signs only what SignedHeaders lists): X-TC-Region changes go through', async () => {
    const signed = signAssumeRole();
    expect(errorOf(await send(withHeader('X-TC-Region', 'ap-shanghai')(signed))).Code).toBeUndefined();
    expect(emulator.calls[0]?.region).toBe('ap-shanghai');
  });

  it('signed values are compared lower-cased, so a case-only change of a signed value verifies', async () => {
    const signed = signEverything();
    const response = await send(withHeader('Content-Type', 'Application/JSON; Charset=UTF-8')(signed));
    expect(errorOf(response).Code).toBeUndefined();
  });
});

describe('faults', () => {
  it('error: answers with the Tencent error body (HTTP 200 by default) once, then normally', async () => {
    emulator.injectFault({ kind: 'error', code: 'RequestLimitExceeded' });
    const throttled = await assumeRole();
    expectError(throttled, 'RequestLimitExceeded');
    expect(errorOf(throttled).Message).toBe('The number of requests exceeds the frequency limit.');
    expect(errorOf(await assumeRole()).Code).toBeUndefined();
    expect(emulator.rejections).toEqual([]);
    expect(emulator.calls).toHaveLength(1);
    expect(emulator.requestCount()).toBe(2);
  });

  it('error: uses a given status and message; queued faults apply in order', async () => {
    emulator.injectFault({ kind: 'error', code: 'InternalError.SystemError', status: 503, message: 'down for maintenance' });
    emulator.injectFault({ kind: 'raw', status: 502, body: '<html>Bad Gateway</html>', contentType: 'text/html' });
    const first = await assumeRole();
    expect([first.status, errorOf(first).Code, errorOf(first).Message]).toEqual([503, 'InternalError.SystemError', 'down for maintenance']);
    const second = await assumeRole();
    expect([second.status, second.text, second.headers['content-type']]).toEqual([502, '<html>Bad Gateway</html>', 'text/html']);
    expect(errorOf(await assumeRole()).Code).toBeUndefined();
  });

  it('raw: sends a truncated JSON body as is', async () => {
    emulator.injectFault({ kind: 'raw', status: 200, body: '{"Response":{"Credentials":{"TmpSecretId":"AKID' });
    const response = await assumeRole();
    expect([response.status, response.text, response.headers['content-type']]).toEqual([200, '{"Response":{"Credentials":{"TmpSecretId":"AKID', 'application/json']);
    expect(emulator.calls).toEqual([]);
  });

  it('persistent: applies to every request until cleared, after the one-shot faults', async () => {
    emulator.injectFault({ kind: 'error', code: 'RequestLimitExceeded' }, { persistent: true });
    emulator.injectFault({ kind: 'error', code: 'InternalError' });
    expect(errorOf(await assumeRole()).Code).toBe('InternalError');
    expect(errorOf(await assumeRole()).Code).toBe('RequestLimitExceeded');
    expect(errorOf(await assumeRole()).Code).toBe('RequestLimitExceeded');
    emulator.clearFaults();
    expect(errorOf(await assumeRole()).Code).toBeUndefined();
  });

  it('a fault object changed after injection does not change the scheduled fault', async () => {
    const fault = { kind: 'error' as const, code: 'RequestLimitExceeded' };
    emulator.injectFault(fault);
    fault.code = 'InternalError';
    expect(errorOf(await assumeRole()).Code).toBe('RequestLimitExceeded');
  });

  delayCases(
    () => emulator,
    async () => expect(errorOf(await assumeRole()).Code).toBeUndefined(),
    async () => expectError(await assumeRole({ caller: { ...TEMP_CALLER, secretKey: 'wrong' } }), 'AuthFailure.SignatureFailure'),
  );

  closeCases(() => emulator, () => assumeRole());
});

describe('bookkeeping', () => {
  it('counts every request and records rejections; reset() clears everything', async () => {
    await assumeRole();
    await assumeRole({ params: { RoleArn: 'bad', RoleSessionName: 'ab' } });
    emulator.injectFault({ kind: 'error', code: 'RequestLimitExceeded' });
    await assumeRole();
    expect(emulator.requestCount()).toBe(3);
    expect(emulator.calls).toHaveLength(1);
    expect(emulator.rejections).toEqual([{ code: 'InvalidParameterValue' }]);

    emulator.injectFault({ kind: 'error', code: 'RequestLimitExceeded' }, { persistent: true });
    const calls = emulator.calls;
    emulator.reset();
    expect([emulator.requestCount(), calls.length, emulator.rejections.length]).toEqual([0, 0, 0]);
    expect(errorOf(await assumeRole()).Code).toBeUndefined();
  });

  it('reads callers on every request', async () => {
    const callers: TencentStsEmulatorOptions['callers'] = {};
    await restart({ callers });
    expectError(await assumeRole({ caller: PERMANENT_CALLER }), 'AuthFailure.SecretIdNotFound');
    callers[PERMANENT_CALLER.secretId] = { secretKey: PERMANENT_CALLER.secretKey };
    expect(errorOf(await assumeRole({ caller: PERMANENT_CALLER })).Code).toBeUndefined();
  });

  listenerCases(() => emulator, (port) => restart({ port }), async () => expect(errorOf(await assumeRole()).Code).toBeUndefined());
});

// ---------------------------------------------------------------------------------------------------------------------
// The official SDK, when installed (tencentcloud-sdk-nodejs-sts, or the full or common package). Accepting what its
// signer sends, and having it understand our error bodies, is the evidence that the emulator checks what Tencent Cloud
// checks. Loaded with require because the packages are CommonJS; typed locally so the file compiles without them.
// ---------------------------------------------------------------------------------------------------------------------

interface SdkClientConfig {
  credential: { secretId: string; secretKey: string; token?: string };
  region: string;
  profile: { httpProfile: { endpoint: string; protocol: string; agent: Agent; reqTimeout: number } };
}
type SdkAssumeRole = (config: SdkClientConfig, request: Record<string, unknown>) => Promise<SuccessBody>;

const require = createRequire(import.meta.url);

function loadOfficialSdk(): { name: string; assumeRole: SdkAssumeRole } | undefined {
  type StsModule = { sts: { v20180813: { Client: new (config: SdkClientConfig) => { AssumeRole(request: Record<string, unknown>): Promise<SuccessBody> } } } };
  type CommonModule = { CommonClient: new (endpoint: string, version: string, config: SdkClientConfig) => { request(action: string, request: Record<string, unknown>): Promise<SuccessBody> } };
  for (const name of ['tencentcloud-sdk-nodejs-sts', 'tencentcloud-sdk-nodejs']) {
    try {
      const { Client } = (require(name) as StsModule).sts.v20180813;
      return { name, assumeRole: (config, request) => new Client(config).AssumeRole(request) };
    } catch {
      // not installed
    }
  }
  try {
    const { CommonClient } = require('tencentcloud-sdk-nodejs-common') as CommonModule;
    return {
      name: 'tencentcloud-sdk-nodejs-common',
      assumeRole: (config, request) => new CommonClient('sts.tencentcloudapi.com', '2018-08-13', config).request('AssumeRole', request),
    };
  } catch {
    return undefined;
  }
}

const officialSdk = loadOfficialSdk();

describe.skipIf(officialSdk === undefined)(`interoperability with the official SDK (${officialSdk?.name ?? 'not installed'})`, () => {
  /**
   * The SDK derives the service name from the endpoint's first label and signs `host` as the URL's hostname without
   * the port, so it has to talk to `http://sts.tencentcloudapi.com/`; this agent delivers that connection to the
   * emulator instead, leaving both the Host header and the signature exactly as they would be in production.
   */
  function loopbackAgent(): Agent {
    const agent = new Agent({ keepAlive: false });
    const [host, port] = emulator.host.split(':');
    Object.assign(agent, { createConnection: () => connect(Number(port), host) });
    return agent;
  }

  function config(caller: { secretId: string; secretKey: string; token?: string }): SdkClientConfig {
    return {
      credential: caller,
      region: 'ap-guangzhou',
      profile: { httpProfile: { endpoint: 'sts.tencentcloudapi.com', protocol: 'http://', agent: loopbackAgent(), reqTimeout: 10 } },
    };
  }

  it('accepts its requests, with a token and a URL-encoded policy full of characters that need encoding', async () => {
    clock = Date.now(); // the SDK stamps X-TC-Timestamp with the real time
    const policy = JSON.stringify({
      version: '2.0',
      statement: [{ effect: 'allow', action: ['name/cos:PutObject'], resource: ["qcs::cos:ap-guangzhou:uid/1:b-1/u 1/*!'()~+%é中/*"] }],
    });
    const response = await officialSdk!.assumeRole(config(TEMP_CALLER), {
      RoleArn: ROLE_ARN,
      RoleSessionName: 'user-42',
      DurationSeconds: 900,
      Policy: encodeURIComponent(policy),
    });

    expect(emulator.rejections).toEqual([]);
    expect(response.Credentials.TmpSecretId).toBe(emulator.calls[0]?.issued.tmpSecretId);
    expect(response.ExpiredTime).toBe(emulator.calls[0]?.issued.expiredTime);
    expect(emulator.calls[0]).toMatchObject({ callerSecretId: TEMP_CALLER.secretId, token: TEMP_CALLER.token, region: 'ap-guangzhou', durationSeconds: 900, policy });
  });

  it('accepts a permanent key without a token', async () => {
    clock = Date.now();
    await officialSdk!.assumeRole(config(PERMANENT_CALLER), { RoleArn: ROLE_ARN, RoleSessionName: 'ab' });
    expect(emulator.calls[0]).toMatchObject({ callerSecretId: PERMANENT_CALLER.secretId, token: undefined, durationSeconds: 7200 });
  });

  it('surfaces our error bodies and faults as its exceptions', async () => {
    clock = Date.now();
    const request = { RoleArn: ROLE_ARN, RoleSessionName: 'user-42' };
    await expect(officialSdk!.assumeRole(config({ ...TEMP_CALLER, secretKey: 'wrong' }), request)).rejects.toMatchObject({ code: 'AuthFailure.SignatureFailure' });
    await expect(officialSdk!.assumeRole(config({ ...TEMP_CALLER, token: 'other' }), request)).rejects.toMatchObject({ code: 'AuthFailure.TokenFailure' });
    emulator.injectFault({ kind: 'error', code: 'RequestLimitExceeded' });
    await expect(officialSdk!.assumeRole(config(TEMP_CALLER), request)).rejects.toMatchObject({ code: 'RequestLimitExceeded' });
    emulator.injectFault({ kind: 'raw', status: 502, body: 'Bad Gateway', contentType: 'text/plain' });
    await expect(officialSdk!.assumeRole(config(TEMP_CALLER), request)).rejects.toMatchObject({ httpCode: 502 });
    clock = Date.now() + 600_000;
    await expect(officialSdk!.assumeRole(config(TEMP_CALLER), request)).rejects.toMatchObject({ code: 'AuthFailure.SignatureExpire' });
  });
});
