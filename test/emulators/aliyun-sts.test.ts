import { createHash, createHmac, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  canonicalQueryString,
  canonicalRequestFor,
  parseAcs3Authorization,
  percentEncode,
  policyGrammarProblem,
  signatureFor,
  startAliyunStsEmulator,
  stringToSignFor,
  verifyAcs3Signature,
} from '../../emulators/aliyun-sts';
import type { AliyunStsEmulator, AliyunStsEmulatorOptions } from '../../emulators/aliyun-sts';
import { emulatorPerTest } from './emulator-per-test';
import { sendRequest } from './http-client';
import type { HttpResponse, Sendable } from './http-client';
import { closeCases, delayCases, listenerCases } from './shared-server-cases';

// ---------------------------------------------------------------------------------------------------------------------
// A test-only V3 signer. It is deliberately built differently from the emulator's verifier (encodeURIComponent instead
// of a byte loop, no shared helpers) and is itself pinned to the official worked example below, so that the two
// cannot agree on a mistake.
// ---------------------------------------------------------------------------------------------------------------------

const sha256 = (data: string): string => createHash('sha256').update(data, 'utf8').digest('hex');

function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

interface V3SignInput {
  method: string;
  query: [string, string][];
  /** Headers to sign (lowercase names); `x-acs-content-sha256` is added from the body. */
  headers: Record<string, string>;
  body: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** Sent but left out of SignedHeaders. */
  unsigned?: string[];
}

interface V3Signed {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  canonicalRequest: string;
}

function signV3(input: V3SignInput): V3Signed {
  const headers: Record<string, string> = { ...input.headers, 'x-acs-content-sha256': sha256(input.body) };
  const signedNames = Object.keys(headers)
    .filter((name) => !(input.unsigned ?? []).includes(name))
    .sort();
  const encoded = input.query.map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`);
  const canonicalRequest = [
    input.method,
    '/',
    [...encoded].sort().join('&'),
    signedNames.map((name) => `${name}:${(headers[name] ?? '').trim()}\n`).join(''),
    signedNames.join(';'),
    headers['x-acs-content-sha256'],
  ].join('\n');
  const stringToSign = `ACS3-HMAC-SHA256\n${sha256(canonicalRequest)}`;
  const signature = createHmac('sha256', input.accessKeySecret).update(stringToSign).digest('hex');
  const authorization = `ACS3-HMAC-SHA256 Credential=${input.accessKeyId},SignedHeaders=${signedNames.join(';')},Signature=${signature}`;
  return {
    method: input.method,
    path: encoded.length > 0 ? `/?${encoded.join('&')}` : '/',
    headers: { ...headers, authorization },
    body: input.body,
    canonicalRequest,
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// Official V3 worked example (reference §5.2)
// ---------------------------------------------------------------------------------------------------------------------

const EXAMPLE_CANONICAL_REQUEST = [
  'POST',
  '/',
  'ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai',
  'host:ecs.cn-shanghai.aliyuncs.com',
  'x-acs-action:RunInstances',
  'x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  'x-acs-date:2023-10-26T10:22:32Z',
  'x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d',
  'x-acs-version:2014-05-26',
  '',
  'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version',
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
].join('\n');
const EXAMPLE_HASH = '7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259';
const EXAMPLE_SIGNATURE = '06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0';
const EXAMPLE_SIGNED_HEADERS = 'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version';
const EXAMPLE_HEADERS = {
  host: 'ecs.cn-shanghai.aliyuncs.com',
  'x-acs-action': 'RunInstances',
  'x-acs-version': '2014-05-26',
  'x-acs-date': '2023-10-26T10:22:32Z',
  'x-acs-signature-nonce': '3156853299f313e23d1673dc12e1703d',
  'x-acs-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  authorization: `ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=${EXAMPLE_SIGNED_HEADERS},Signature=${EXAMPLE_SIGNATURE}`,
};
const EXAMPLE_URL = '/?ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai';

describe('ACS3-HMAC-SHA256 verification (official worked example)', () => {
  it('rebuilds the canonical request byte for byte', () => {
    const canonical = canonicalRequestFor({
      method: 'POST',
      url: EXAMPLE_URL,
      headers: EXAMPLE_HEADERS,
      signedHeaders: EXAMPLE_SIGNED_HEADERS.split(';'),
      hashedPayload: EXAMPLE_HEADERS['x-acs-content-sha256'],
    });
    expect(canonical).toBe(EXAMPLE_CANONICAL_REQUEST);
    expect(sha256(canonical)).toBe(EXAMPLE_HASH);
    expect(stringToSignFor(canonical)).toBe(`ACS3-HMAC-SHA256\n${EXAMPLE_HASH}`);
    expect(signatureFor('YourAccessKeySecret', stringToSignFor(canonical))).toBe(EXAMPLE_SIGNATURE);
  });

  it('accepts the official Authorization header', () => {
    const verdict = verifyAcs3Signature({ method: 'POST', url: EXAMPLE_URL, headers: EXAMPLE_HEADERS }, 'YourAccessKeySecret');
    expect(verdict).toEqual({ ok: true, accessKeyId: 'YourAccessKeyId' });
  });

  it('accepts the same request with the query in another order and another (equivalent) encoding', () => {
    const url = '/?RegionId=cn%2Dshanghai&ImageId=win2019_1809_x64_dtc_zh%2dcn_40G_alibase_20230811%2Evhd';
    expect(verifyAcs3Signature({ method: 'POST', url, headers: EXAMPLE_HEADERS }, 'YourAccessKeySecret').ok).toBe(true);
  });

  it('rejects a wrong secret, a flipped signature digit, a changed header and a changed query', () => {
    const request = { method: 'POST', url: EXAMPLE_URL, headers: EXAMPLE_HEADERS };
    expect(verifyAcs3Signature(request, 'YourAccessKeySecreT').ok).toBe(false);
    const flipped = EXAMPLE_HEADERS.authorization.replace(/0$/, '1');
    expect(verifyAcs3Signature({ ...request, headers: { ...EXAMPLE_HEADERS, authorization: flipped } }, 'YourAccessKeySecret').ok).toBe(false);
    const otherDate = { ...EXAMPLE_HEADERS, 'x-acs-date': '2023-10-26T10:22:33Z' };
    expect(verifyAcs3Signature({ ...request, headers: otherDate }, 'YourAccessKeySecret').ok).toBe(false);
    expect(verifyAcs3Signature({ ...request, url: `${EXAMPLE_URL}&X=1` }, 'YourAccessKeySecret').ok).toBe(false);
    expect(verifyAcs3Signature({ ...request, method: 'GET' }, 'YourAccessKeySecret').ok).toBe(false);
  });

  it('reports the string to sign on a mismatch, as STS does', () => {
    const verdict = verifyAcs3Signature({ method: 'POST', url: EXAMPLE_URL, headers: EXAMPLE_HEADERS }, 'nope');
    expect(verdict).toMatchObject({ ok: false, stringToSign: `ACS3-HMAC-SHA256\n${EXAMPLE_HASH}` });
  });

  it('pins the test signer to the same example', () => {
    const { 'x-acs-content-sha256': _hash, authorization: _auth, ...headers } = EXAMPLE_HEADERS;
    const signed = signV3({
      method: 'POST',
      query: [
        ['ImageId', 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd'],
        ['RegionId', 'cn-shanghai'],
      ],
      headers,
      body: '',
      accessKeyId: 'YourAccessKeyId',
      accessKeySecret: 'YourAccessKeySecret',
    });
    expect(signed.canonicalRequest).toBe(EXAMPLE_CANONICAL_REQUEST);
    expect(signed.headers['authorization']).toBe(EXAMPLE_HEADERS.authorization);
  });
});

describe('canonicalisation pieces', () => {
  it('percent-encodes per RFC 3986 over UTF-8', () => {
    expect(percentEncode('AZaz09-_.~')).toBe('AZaz09-_.~');
    expect(percentEncode(' *!\'()+/:=&')).toBe('%20%2A%21%27%28%29%2B%2F%3A%3D%26');
    expect(percentEncode('é中')).toBe('%C3%A9%E4%B8%AD');
  });

  it('decodes then re-encodes and sorts the query', () => {
    expect(canonicalQueryString('b=2&a=%7e&c&A=x%3ay&a=%20')).toBe('A=x%3Ay&a=%20&a=~&b=2&c=');
    expect(canonicalQueryString('')).toBe('');
    expect(canonicalQueryString('p=a+b')).toBe('p=a%20b');
    expect(() => canonicalQueryString('p=%zz')).toThrow(URIError);
  });

  it('parses Authorization strictly', () => {
    const ok = parseAcs3Authorization('ACS3-HMAC-SHA256 Credential=AK, SignedHeaders=a;b, Signature=ff');
    expect(ok).toEqual({ ok: true, accessKeyId: 'AK', signedHeaders: ['a', 'b'], signature: 'ff' });
    expect(parseAcs3Authorization('ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=b;a,Signature=ff').ok).toBe(false);
    expect(parseAcs3Authorization('ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=a;A,Signature=ff').ok).toBe(false);
    expect(parseAcs3Authorization('ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=a').ok).toBe(false);
    expect(parseAcs3Authorization('ACS3-HMAC-SM3 Credential=AK,SignedHeaders=a,Signature=ff').ok).toBe(false);
    expect(parseAcs3Authorization('acs AK:signature').ok).toBe(false);
  });

  it('checks policy grammar', () => {
    expect(policyGrammarProblem(VALID_POLICY)).toBeUndefined();
    expect(policyGrammarProblem('{"Version":"1","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{}}]}')).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// The HTTP emulator
// ---------------------------------------------------------------------------------------------------------------------

const NOW = Date.parse('2026-11-22T05:18:01Z');
const ROLE_ARN = 'acs:ram::123456789012:role/oss-upload';
const STS_CALLER = { accessKeyId: 'STS.callerAK', accessKeySecret: 'callerSecret', securityToken: 'CAIScaller+Token/=' };
const PERMANENT_CALLER = { accessKeyId: 'LTAIpermanent', accessKeySecret: 'permanentSecret' };
const VALID_POLICY = JSON.stringify({
  Version: '1',
  Statement: [{ Effect: 'Allow', Action: ['oss:PutObject'], Resource: ['acs:oss:*:*:my-bucket/users/42/*'] }],
});

type Response = HttpResponse;

interface AssumeRoleRequest {
  params?: Record<string, string>;
  caller?: { accessKeyId: string; accessKeySecret: string; securityToken?: string };
  /** Overrides/additions to the signed headers; `undefined` removes one. */
  headers?: Record<string, string | undefined>;
  unsigned?: string[];
  method?: string;
  body?: string;
}

let clock = NOW;
let emulator: AliyunStsEmulator;

async function start(options: Partial<AliyunStsEmulatorOptions> = {}): Promise<AliyunStsEmulator> {
  return startAliyunStsEmulator({
    callers: {
      [STS_CALLER.accessKeyId]: { accessKeySecret: STS_CALLER.accessKeySecret, securityToken: STS_CALLER.securityToken },
      [PERMANENT_CALLER.accessKeyId]: { accessKeySecret: PERMANENT_CALLER.accessKeySecret },
    },
    now: () => clock,
    ...options,
  });
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function signAssumeRole(request: AssumeRoleRequest = {}): V3Signed {
  const caller = request.caller ?? STS_CALLER;
  const params = request.params ?? { RoleArn: ROLE_ARN, RoleSessionName: 'user-42', DurationSeconds: '900' };
  const headers: Record<string, string> = {};
  const base: Record<string, string | undefined> = {
    host: emulator.host,
    'x-acs-action': 'AssumeRole',
    'x-acs-version': '2015-04-01',
    'x-acs-date': isoSeconds(clock),
    'x-acs-signature-nonce': randomUUID().replace(/-/g, ''),
    'x-acs-security-token': caller.securityToken,
    ...request.headers,
  };
  for (const [name, value] of Object.entries(base)) if (value !== undefined) headers[name] = value;
  return signV3({
    method: request.method ?? 'POST',
    query: Object.entries(params),
    headers,
    body: request.body ?? '',
    accessKeyId: caller.accessKeyId,
    accessKeySecret: caller.accessKeySecret,
    unsigned: request.unsigned ?? [],
  });
}

const send = (request: Sendable): Promise<Response> => sendRequest(emulator, request);

function assumeRole(request: AssumeRoleRequest = {}): Promise<Response> {
  return send(signAssumeRole(request));
}

function expectError(response: Response, status: number, code: string): void {
  expect({ status: response.status, code: response.json['Code'] }).toEqual({ status, code });
  expect(Object.keys(response.json)).toEqual(['RequestId', 'HostId', 'Code', 'Message', 'Recommend']);
}

/** A fresh emulator, and the clock at NOW, for each test; `restart` swaps in one started with other options. */
const restart = emulatorPerTest(start, (started) => (emulator = started), () => (clock = NOW));

describe('AssumeRole success', () => {
  it('issues credentials shaped like STS and records the call', async () => {
    const response = await assumeRole({ params: { RoleArn: ROLE_ARN, RoleSessionName: 'user-42', DurationSeconds: '900', Policy: VALID_POLICY } });

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json;charset=utf-8');
    const body = response.json as {
      RequestId: string;
      AssumedRoleUser: { Arn: string; AssumedRoleId: string };
      Credentials: { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string; Expiration: string };
    };
    expect(Object.keys(body)).toEqual(['RequestId', 'AssumedRoleUser', 'Credentials']);
    expect(response.headers['x-acs-request-id']).toBe(body.RequestId);
    expect(body.AssumedRoleUser.Arn).toBe(`${ROLE_ARN}/user-42`);
    expect(body.AssumedRoleUser.AssumedRoleId).toMatch(/^\d{18}:user-42$/);
    expect(body.Credentials.AccessKeyId).toMatch(/^STS\.[A-Za-z0-9]{25}$/);
    expect(body.Credentials.AccessKeySecret).toMatch(/^[A-Za-z0-9]{44}$/);
    expect(body.Credentials.SecurityToken).toMatch(/^CAIS[A-Za-z0-9+/]+=*$/);
    expect(body.Credentials.Expiration).toBe('2026-11-22T05:33:01Z');

    expect(emulator.calls).toEqual([
      {
        callerAccessKeyId: STS_CALLER.accessKeyId,
        securityToken: STS_CALLER.securityToken,
        roleArn: ROLE_ARN,
        roleSessionName: 'user-42',
        durationSeconds: 900,
        policy: VALID_POLICY,
        issued: {
          accessKeyId: body.Credentials.AccessKeyId,
          accessKeySecret: body.Credentials.AccessKeySecret,
          securityToken: body.Credentials.SecurityToken,
          expiration: '2026-11-22T05:33:01Z',
        },
      },
    ]);
    expect(emulator.rejections).toEqual([]);
  });

  it('defaults DurationSeconds to 3600 and keeps one AssumedRoleId per role', async () => {
    const first = await assumeRole({ params: { RoleArn: ROLE_ARN, RoleSessionName: 'alice' } });
    const second = await assumeRole({ params: { RoleArn: ROLE_ARN, RoleSessionName: 'bob' } });
    expect((first.json['Credentials'] as { Expiration: string }).Expiration).toBe('2026-11-22T06:18:01Z');
    expect(emulator.calls.map((call) => call.durationSeconds)).toEqual([3600, 3600]);
    const roleId = (r: Response): string => (r.json['AssumedRoleUser'] as { AssumedRoleId: string }).AssumedRoleId.split(':')[0] ?? '';
    expect(roleId(first)).toBe(roleId(second));
    expect(emulator.calls[0]?.issued.accessKeyId).not.toBe(emulator.calls[1]?.issued.accessKeyId);
  });

  it('accepts a permanent key without a token, GET, extra signed x-acs-* headers and a different query order', async () => {
    const response = await assumeRole({
      caller: PERMANENT_CALLER,
      method: 'GET',
      params: { RoleSessionName: 'user.name@example_1-2', RoleArn: 'acs:ram::1:role/A.b-c' },
      headers: { 'x-acs-accesskey-id': PERMANENT_CALLER.accessKeyId, 'x-acs-credentials-provider': 'static_ak' },
    });
    expect(response.status).toBe(200);
    expect(emulator.calls[0]).toMatchObject({ callerAccessKeyId: PERMANENT_CALLER.accessKeyId, securityToken: undefined, policy: undefined });
  });

  it('accepts the boundaries: 900 s, the role maximum, a 2-char and a 64-char session name, a 2048-byte policy', async () => {
    await restart({ maxSessionDuration: 7200 });
    const base = { RoleArn: ROLE_ARN, RoleSessionName: 'ab' };
    expect((await assumeRole({ params: { ...base, DurationSeconds: '900' } })).status).toBe(200);
    expect((await assumeRole({ params: { ...base, DurationSeconds: '7200' } })).status).toBe(200);
    expect((await assumeRole({ params: { ...base, RoleSessionName: 'x'.repeat(64) } })).status).toBe(200);
    expect((await assumeRole({ params: { ...base, Policy: policyOfLength(2048) } })).status).toBe(200);
    expect(emulator.calls.map((call) => call.durationSeconds)).toEqual([900, 7200, 3600, 3600]);
  });

  it('accepts a date exactly at the skew limit', async () => {
    const past = await assumeRole({ headers: { 'x-acs-date': isoSeconds(NOW - 900_000) } });
    const future = await assumeRole({ headers: { 'x-acs-date': isoSeconds(NOW + 900_000) } });
    expect([past.status, future.status]).toEqual([200, 200]);
  });
});

function policyOfLength(length: number): string {
  const make = (resource: string): string =>
    JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: resource }] });
  const policy = make('r'.repeat(length - make('').length));
  expect(policy.length).toBe(length);
  return policy;
}

describe('validation failures', () => {
  const ok = { RoleArn: ROLE_ARN, RoleSessionName: 'user-42' };

  const parameterCases: [string, number, string, Record<string, string>][] = [
    ['missing RoleArn', 400, 'MissingRoleArn', { RoleSessionName: 'user-42' }],
    ['RoleArn without account', 400, 'InvalidParameter.RoleArn', { ...ok, RoleArn: 'acs:ram:::role/x' }],
    ['RoleArn with letters in account', 400, 'InvalidParameter.RoleArn', { ...ok, RoleArn: 'acs:ram::12ab:role/x' }],
    ['RoleArn of a user', 400, 'InvalidParameter.RoleArn', { ...ok, RoleArn: 'acs:ram::123:user/x' }],
    ['RoleArn with a region', 400, 'InvalidParameter.RoleArn', { ...ok, RoleArn: 'acs:ram:cn-hangzhou:123:role/x' }],
    ['RoleArn with empty role name', 400, 'InvalidParameter.RoleArn', { ...ok, RoleArn: 'acs:ram::123:role/' }],
    ['missing RoleSessionName', 400, 'MissingRoleSessionName', { RoleArn: ROLE_ARN }],
    ['1-char RoleSessionName', 400, 'InvalidParameter.RoleSessionName', { ...ok, RoleSessionName: 'a' }],
    ['65-char RoleSessionName', 400, 'InvalidParameter.RoleSessionName', { ...ok, RoleSessionName: 'a'.repeat(65) }],
    ['RoleSessionName with a space', 400, 'InvalidParameter.RoleSessionName', { ...ok, RoleSessionName: 'user 42' }],
    ['RoleSessionName with a slash', 400, 'InvalidParameter.RoleSessionName', { ...ok, RoleSessionName: 'user/42' }],
    ['DurationSeconds 899', 400, 'InvalidParameter.DurationSeconds', { ...ok, DurationSeconds: '899' }],
    ['DurationSeconds above the role maximum', 400, 'InvalidParameter.DurationSeconds', { ...ok, DurationSeconds: '3601' }],
    ['DurationSeconds not a number', 400, 'InvalidParameter.DurationSeconds', { ...ok, DurationSeconds: 'abc' }],
    ['DurationSeconds fractional', 400, 'InvalidParameter.DurationSeconds', { ...ok, DurationSeconds: '1000.5' }],
    ['DurationSeconds in exponent form', 400, 'InvalidParameter.DurationSeconds', { ...ok, DurationSeconds: '1e3' }],
    ['DurationSeconds empty', 400, 'InvalidParameter.DurationSeconds', { ...ok, DurationSeconds: '' }],
    ['Policy over 2048 bytes', 400, 'InvalidParameter.PolicySize', { ...ok, Policy: policyOfLength(2049) }],
    ['Policy not JSON', 400, 'InvalidParameter.PolicyGrammar', { ...ok, Policy: '{"Version":"1",' }],
    ['Policy empty', 400, 'InvalidParameter.PolicyGrammar', { ...ok, Policy: '' }],
    ['Policy an array', 400, 'InvalidParameter.PolicyGrammar', { ...ok, Policy: '[]' }],
    ['Policy Version 2', 400, 'InvalidParameter.PolicyGrammar', { ...ok, Policy: VALID_POLICY.replace('"1"', '"2"') }],
    ['Policy Version as number', 400, 'InvalidParameter.PolicyGrammar', { ...ok, Policy: VALID_POLICY.replace('"1"', '1') }],
    ['Policy without Statement', 400, 'InvalidParameter.PolicyGrammar', { ...ok, Policy: '{"Version":"1"}' }],
    ['Policy with empty Statement', 400, 'InvalidParameter.PolicyGrammar', { ...ok, Policy: '{"Version":"1","Statement":[]}' }],
    ['Policy Statement an object', 400, 'InvalidParameter.PolicyGrammar', { ...ok, Policy: '{"Version":"1","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}' }],
    ['Policy Statement a string', 400, 'InvalidParameter.PolicyGrammar', { ...ok, Policy: '{"Version":"1","Statement":["x"]}' }],
    ['Policy Effect Maybe', 400, 'InvalidParameter.PolicyGrammar', { ...ok, Policy: VALID_POLICY.replace('Allow', 'Maybe') }],
    ['Policy without Action', 400, 'InvalidParameter.PolicyGrammar', { ...ok, Policy: '{"Version":"1","Statement":[{"Effect":"Allow","Resource":"*"}]}' }],
    ['Policy with empty Action list', 400, 'InvalidParameter.PolicyGrammar', { ...ok, Policy: '{"Version":"1","Statement":[{"Effect":"Allow","Action":[],"Resource":"*"}]}' }],
    ['Policy without Resource', 400, 'InvalidParameter.PolicyGrammar', { ...ok, Policy: '{"Version":"1","Statement":[{"Effect":"Allow","Action":"*"}]}' }],
    ['Policy with a number as Resource', 400, 'InvalidParameter.PolicyGrammar', { ...ok, Policy: '{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":[1]}]}' }],
  ];

  it.each(parameterCases)('%s -> %i %s', async (_name, status, code, params) => {
    const response = await assumeRole({ params });
    expectError(response, status, code);
    expect(emulator.rejections).toEqual([{ code, status }]);
    expect(emulator.calls).toEqual([]);
  });

  const requestCases: [string, number, string, AssumeRoleRequest][] = [
    ['PUT', 404, 'InvalidAction.NotFound', { method: 'PUT' }],
    ['wrong action', 404, 'InvalidAction.NotFound', { headers: { 'x-acs-action': 'GetCallerIdentity' } }],
    ['missing action', 404, 'InvalidAction.NotFound', { headers: { 'x-acs-action': undefined } }],
    ['wrong version', 400, 'InvalidVersion', { headers: { 'x-acs-version': '2019-04-01' } }],
    ['missing version', 400, 'InvalidVersion', { headers: { 'x-acs-version': undefined } }],
    ['unknown AccessKeyId', 404, 'InvalidAccessKeyId.NotFound', { caller: { accessKeyId: 'LTAIunknown', accessKeySecret: 'x' } }],
    ['prototype key as AccessKeyId', 404, 'InvalidAccessKeyId.NotFound', { caller: { accessKeyId: 'constructor', accessKeySecret: 'x' } }],
    ['STS caller without token', 400, 'MissingSecurityToken', { headers: { 'x-acs-security-token': undefined } }],
    ['STS caller with another token', 400, 'InvalidSecurityToken.MismatchWithAccessKey', { headers: { 'x-acs-security-token': 'CAISother' } }],
    ['permanent key with a token', 400, 'InvalidSecurityToken.MismatchWithAccessKey', { caller: { ...PERMANENT_CALLER, securityToken: 'CAISx' } }],
    ['wrong secret', 400, 'SignatureDoesNotMatch', { caller: { ...STS_CALLER, accessKeySecret: 'wrong' } }],
    ['missing date', 400, 'InvalidTimeStamp.Format', { headers: { 'x-acs-date': undefined } }],
    ['date with milliseconds', 400, 'InvalidTimeStamp.Format', { headers: { 'x-acs-date': '2026-11-22T05:18:01.000Z' } }],
    ['date in RFC 1123 form', 400, 'InvalidTimeStamp.Format', { headers: { 'x-acs-date': new Date(NOW).toUTCString() } }],
    ['impossible date', 400, 'InvalidTimeStamp.Format', { headers: { 'x-acs-date': '2026-02-30T05:18:01Z' } }],
    ['date 901 s in the past', 400, 'InvalidTimeStamp.Expired', { headers: { 'x-acs-date': isoSeconds(NOW - 901_000) } }],
    ['date 901 s in the future', 400, 'InvalidTimeStamp.Expired', { headers: { 'x-acs-date': isoSeconds(NOW + 901_000) } }],
    ['missing nonce', 400, 'MissingSignatureNonce', { headers: { 'x-acs-signature-nonce': undefined } }],
    ['token not signed', 400, 'IncompleteSignature', { unsigned: ['x-acs-security-token'] }],
    ['host not signed', 400, 'IncompleteSignature', { unsigned: ['host'] }],
    ['action not signed', 400, 'IncompleteSignature', { unsigned: ['x-acs-action'] }],
    ['version not signed', 400, 'IncompleteSignature', { unsigned: ['x-acs-version'] }],
    ['date not signed', 400, 'IncompleteSignature', { unsigned: ['x-acs-date'] }],
    ['nonce not signed', 400, 'IncompleteSignature', { unsigned: ['x-acs-signature-nonce'] }],
    ['content hash not signed', 400, 'IncompleteSignature', { unsigned: ['x-acs-content-sha256'] }],
  ];

  it.each(requestCases)('%s -> %i %s', async (_name, status, code, request) => {
    const response = await assumeRole(request);
    expectError(response, status, code);
    expect(emulator.rejections).toEqual([{ code, status }]);
    expect(emulator.calls).toEqual([]);
  });

  it('wrong path -> 404 InvalidAction.NotFound', async () => {
    const signed = signAssumeRole();
    const response = await send({ ...signed, path: signed.path.replace('/?', '/sts?') });
    expectError(response, 404, 'InvalidAction.NotFound');
  });

  it('missing Authorization -> 400 MissingAuthorization', async () => {
    const { authorization: _omitted, ...headers } = signAssumeRole().headers;
    const response = await send({ ...signAssumeRole(), headers });
    expectError(response, 400, 'MissingAuthorization');
  });

  it.each([
    ['garbage', 'Bearer abc'],
    ['V2-style', 'acs LTAIpermanent:c2lnbmF0dXJl'],
    ['other algorithm', 'ACS3-HMAC-SM3 Credential=STS.callerAK,SignedHeaders=host,Signature=00'],
    ['missing Signature', 'ACS3-HMAC-SHA256 Credential=STS.callerAK,SignedHeaders=host;x-acs-action'],
    ['unsorted SignedHeaders', 'ACS3-HMAC-SHA256 Credential=STS.callerAK,SignedHeaders=x-acs-action;host,Signature=00'],
  ])('unparsable Authorization (%s) -> 400 IncompleteSignature', async (_name, authorization) => {
    const signed = signAssumeRole();
    const response = await send({ ...signed, headers: { ...signed.headers, authorization } });
    expectError(response, 400, 'IncompleteSignature');
  });

  it('a signed header sent twice -> 400 IncompleteSignature', async () => {
    const signed = signAssumeRole();
    const headers = { ...signed.headers, 'x-acs-signature-nonce': [signed.headers['x-acs-signature-nonce'] ?? '', 'other'] };
    expectError(await send({ ...signed, headers }), 400, 'IncompleteSignature');
  });

  it('malformed percent-encoding or a repeated parameter -> 400 InvalidParameter', async () => {
    const signed = signAssumeRole();
    expectError(await send({ ...signed, path: `${signed.path}&X=%zz` }), 400, 'InvalidParameter');
    const repeated = signAssumeRole({ params: {} });
    const path = `/?RoleArn=${encodeURIComponent(ROLE_ARN)}&RoleSessionName=a1&RoleSessionName=b2`;
    expectError(await send({ ...repeated, path }), 400, 'InvalidParameter');
  });

  it('honours allowedSkewSeconds and maxSessionDuration options', async () => {
    await restart({ allowedSkewSeconds: 60, maxSessionDuration: 43200 });
    expectError(await assumeRole({ headers: { 'x-acs-date': isoSeconds(NOW - 61_000) } }), 400, 'InvalidTimeStamp.Expired');
    expect((await assumeRole({ headers: { 'x-acs-date': isoSeconds(NOW - 60_000) } })).status).toBe(200);
    expect((await assumeRole({ params: { RoleArn: ROLE_ARN, RoleSessionName: 'ab', DurationSeconds: '43200' } })).status).toBe(200);
  });

  it('refuses impossible options', async () => {
    await expect(start({ maxSessionDuration: 1800 })).rejects.toThrow(RangeError);
    await expect(start({ allowedSkewSeconds: -1 })).rejects.toThrow(RangeError);
  });

  it('follows the clock it is given', async () => {
    clock = NOW + 3_600_000;
    expectError(await send(signAssumeRoleAt(NOW)), 400, 'InvalidTimeStamp.Expired');
    expect((await send(signAssumeRoleAt(clock))).status).toBe(200);
  });
});

function flipLastSignatureDigit(signed: V3Signed): V3Signed {
  const authorization = signed.headers['authorization'] ?? '';
  const last = authorization.slice(-1) === '0' ? '1' : '0';
  return { ...signed, headers: { ...signed.headers, authorization: authorization.slice(0, -1) + last } };
}

function signAssumeRoleAt(ms: number): V3Signed {
  return signAssumeRole({ headers: { 'x-acs-date': isoSeconds(ms) } });
}

describe('tampering after signing', () => {
  async function expectTamperRejected(tamper: (signed: V3Signed) => V3Signed, code = 'SignatureDoesNotMatch'): Promise<void> {
    const signed = signAssumeRole({
      params: { RoleArn: ROLE_ARN, RoleSessionName: 'user-42', DurationSeconds: '900', Policy: VALID_POLICY },
      headers: { 'x-acs-accesskey-id': STS_CALLER.accessKeyId },
    });
    const response = await send(tamper(signed));
    expect(response.json['Code']).toBe(code);
    expect(emulator.calls).toEqual([]);
  }
  const withHeader = (name: string, value: string) => (signed: V3Signed): V3Signed => ({
    ...signed,
    headers: { ...signed.headers, [name]: value },
  });
  const withPath = (edit: (path: string) => string) => (signed: V3Signed): V3Signed => ({ ...signed, path: edit(signed.path) });

  it.each([
    ['host', withHeader('host', 'sts.aliyuncs.com')],
    ['x-acs-date (still within skew)', withHeader('x-acs-date', isoSeconds(NOW + 1000))],
    ['x-acs-signature-nonce', withHeader('x-acs-signature-nonce', 'another-nonce')],
    ['x-acs-accesskey-id (an optional signed header)', withHeader('x-acs-accesskey-id', 'STS.other')],
    ['x-acs-content-sha256', withHeader('x-acs-content-sha256', sha256('x'))],
    ['the body', (s: V3Signed): V3Signed => ({ ...s, body: 'x' })],
    ['the method', (s: V3Signed): V3Signed => ({ ...s, method: 'GET' })],
    ['a query value', withPath((p) => p.replace('user-42', 'user-43'))],
    ['the Policy', withPath((p) => p.replace('oss%3APutObject', 'oss%3A%2A'))],
    ['an added parameter', withPath((p) => `${p}&ExternalId=abc`)],
    ['a removed parameter', withPath((p) => p.replace(/&DurationSeconds=900/, ''))],
    ['one digit of the signature', flipLastSignatureDigit],
  ])('%s -> SignatureDoesNotMatch', async (_name, tamper) => {
    await expectTamperRejected(tamper);
  });

  it('a + left unencoded is read as a space -> SignatureDoesNotMatch', async () => {
    const signed = signAssumeRole({ params: { RoleArn: ROLE_ARN, RoleSessionName: 'user-42', ExternalId: 'a+b' } });
    const response = await send({ ...signed, path: signed.path.replace('a%2Bb', 'a+b') });
    expect(response.json['Code']).toBe('SignatureDoesNotMatch');
  });

  it('a changed token fails the token check', async () => {
    await expectTamperRejected(withHeader('x-acs-security-token', `${STS_CALLER.securityToken}x`), 'InvalidSecurityToken.MismatchWithAccessKey');
  });

  it('a changed action or version fails routing', async () => {
    await expectTamperRejected(withHeader('x-acs-action', 'assumerole'), 'InvalidAction.NotFound');
    await expectTamperRejected(withHeader('x-acs-version', '2015-04-02'), 'InvalidVersion');
  });

  it('equivalent re-encodings of the query still verify', async () => {
    const signed = signAssumeRole({ params: { RoleArn: ROLE_ARN, RoleSessionName: 'user.42', ExternalId: 'a~b' } });
    const path = signed.path.replace('user.42', 'user%2E42').replace('a~b', 'a%7eb').replace(/%3A/g, '%3a');
    expect((await send({ ...signed, path })).status).toBe(200);
    expect(emulator.calls[0]?.roleSessionName).toBe('user.42');
  });

  it('the mismatch message carries the server string to sign and canonical request', async () => {
    const response = await assumeRole({ caller: { ...STS_CALLER, accessKeySecret: 'wrong' } });
    expect(response.json['Message']).toMatch(/server string to sign is:ACS3-HMAC-SHA256\n[0-9a-f]{64} canonical request is:"POST\\n\/\\n/);
  });
});

describe('nonce replay', () => {
  it('refuses a replayed request', async () => {
    const signed = signAssumeRole();
    expect((await send(signed)).status).toBe(200);
    expectError(await send(signed), 400, 'SignatureNonceUsed');
    expect(emulator.calls).toHaveLength(1);
    expect(emulator.rejections).toEqual([{ code: 'SignatureNonceUsed', status: 400 }]);
  });

  it('refuses a reused nonce on an otherwise different request', async () => {
    expect((await assumeRole({ headers: { 'x-acs-signature-nonce': 'n-1' } })).status).toBe(200);
    const again = await assumeRole({ headers: { 'x-acs-signature-nonce': 'n-1' }, params: { RoleArn: ROLE_ARN, RoleSessionName: 'other' } });
    expectError(again, 400, 'SignatureNonceUsed');
  });

  it('does not spend a nonce on a request that failed authentication', async () => {
    const forged = await assumeRole({ headers: { 'x-acs-signature-nonce': 'n-2' }, caller: { ...STS_CALLER, accessKeySecret: 'forged' } });
    expectError(forged, 400, 'SignatureDoesNotMatch');
    expect((await assumeRole({ headers: { 'x-acs-signature-nonce': 'n-2' } })).status).toBe(200);
  });
});

describe('faults', () => {
  it('error: answers with the STS error body once, then normally', async () => {
    emulator.injectFault({ kind: 'error', status: 400, code: 'Throttling.Api' });
    const throttled = await assumeRole();
    expectError(throttled, 400, 'Throttling.Api');
    expect(throttled.json['Message']).toBe('Request was denied due to api flow control.');
    expect(throttled.json['Recommend']).toContain('q=Throttling.Api');
    expect((await assumeRole()).status).toBe(200);
    expect(emulator.rejections).toEqual([]);
    expect(emulator.requestCount()).toBe(2);
  });

  it('error: uses a given message and applies queued faults in order', async () => {
    emulator.injectFault({ kind: 'error', status: 503, code: 'ServiceUnavailable', message: 'down for maintenance' });
    emulator.injectFault({ kind: 'raw', status: 502, body: '<html>Bad Gateway</html>', contentType: 'text/html' });
    const first = await assumeRole();
    expect([first.status, first.json['Code'], first.json['Message']]).toEqual([503, 'ServiceUnavailable', 'down for maintenance']);
    const second = await assumeRole();
    expect([second.status, second.text, second.headers['content-type']]).toEqual([502, '<html>Bad Gateway</html>', 'text/html']);
    expect((await assumeRole()).status).toBe(200);
  });

  it('raw: sends a truncated JSON body as is', async () => {
    emulator.injectFault({ kind: 'raw', status: 200, body: '{"RequestId":"X","Credentials":{"AccessKeyId":"STS.' });
    const response = await assumeRole();
    expect(response.status).toBe(200);
    expect(response.text).toBe('{"RequestId":"X","Credentials":{"AccessKeyId":"STS.');
    expect(response.headers['content-type']).toBe('application/json;charset=utf-8');
    expect(emulator.calls).toEqual([]);
  });

  it('persistent: applies to every request until cleared, after the one-shot faults', async () => {
    emulator.injectFault({ kind: 'error', status: 400, code: 'Throttling.User' }, { persistent: true });
    emulator.injectFault({ kind: 'error', status: 500, code: 'InternalError' });
    expect((await assumeRole()).json['Code']).toBe('InternalError');
    expect((await assumeRole()).json['Code']).toBe('Throttling.User');
    expect((await assumeRole()).json['Code']).toBe('Throttling.User');
    emulator.clearFaults();
    expect((await assumeRole()).status).toBe(200);
  });

  delayCases(
    () => emulator,
    async () => expect((await assumeRole()).status).toBe(200),
    async () => expectError(await assumeRole({ caller: { ...STS_CALLER, accessKeySecret: 'wrong' } }), 400, 'SignatureDoesNotMatch'),
  );

  closeCases(() => emulator, () => assumeRole());
});

describe('bookkeeping', () => {
  it('counts every request and records rejections; reset() clears everything', async () => {
    await assumeRole();
    await assumeRole({ params: { RoleArn: 'bad' } });
    emulator.injectFault({ kind: 'error', status: 400, code: 'Throttling.Api' });
    await assumeRole();
    expect(emulator.requestCount()).toBe(3);
    expect(emulator.calls).toHaveLength(1);
    expect(emulator.rejections).toEqual([{ code: 'InvalidParameter.RoleArn', status: 400 }]);

    emulator.injectFault({ kind: 'error', status: 400, code: 'Throttling.Api' }, { persistent: true });
    const calls = emulator.calls;
    emulator.reset();
    expect([emulator.requestCount(), calls.length, emulator.rejections.length]).toEqual([0, 0, 0]);
    expect((await assumeRole()).status).toBe(200);
  });

  listenerCases(() => emulator, (port) => restart({ port }), async () => expect((await assumeRole()).status).toBe(200));
});

// The official SDK (a devDependency) signs with V3 by default. Accepting what it sends, and having it understand our
// error bodies, is the evidence that the emulator checks what Alibaba Cloud checks. Loaded with require because it is
// CommonJS with an `exports.default` class.
const require = createRequire(import.meta.url);
const officialSts = require('@alicloud/sts20150401') as typeof import('@alicloud/sts20150401');
const openApiCore = require('@alicloud/openapi-core') as typeof import('@alicloud/openapi-core');

describe('interoperability with the official SDK (@alicloud/sts20150401)', () => {
  function officialClient(caller: { accessKeyId: string; accessKeySecret: string; securityToken?: string }) {
    const config = new openApiCore.$OpenApiUtil.Config({ ...caller, endpoint: emulator.host, protocol: 'http' });
    return new officialSts.default(config);
  }

  it('accepts its requests, including a policy full of characters that need encoding', async () => {
    clock = Date.now(); // the SDK stamps x-acs-date with the real time
    const policy = JSON.stringify({
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: ['oss:PutObject'], Resource: ["acs:oss:*:*:b/u 1/*!'()~+é中/*"] }],
    });
    const request = new officialSts.AssumeRoleRequest({ roleArn: ROLE_ARN, roleSessionName: 'user-42', durationSeconds: 900, policy });

    const response = await officialClient(STS_CALLER).assumeRole(request);

    expect(emulator.rejections).toEqual([]);
    expect(response.body?.credentials?.accessKeyId).toBe(emulator.calls[0]?.issued.accessKeyId);
    expect(response.body?.assumedRoleUser?.arn).toBe(`${ROLE_ARN}/user-42`);
    expect(emulator.calls[0]).toMatchObject({ securityToken: STS_CALLER.securityToken, durationSeconds: 900, policy });
  });

  it('surfaces our error body as its ClientError', async () => {
    clock = Date.now();
    const request = new officialSts.AssumeRoleRequest({ roleArn: ROLE_ARN, roleSessionName: 'user-42' });
    const failing = officialClient({ ...STS_CALLER, accessKeySecret: 'wrong' }).assumeRole(request);
    await expect(failing).rejects.toMatchObject({ code: 'SignatureDoesNotMatch', statusCode: 400 });
  });
});
