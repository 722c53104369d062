import { describe, expect, it } from 'vitest';
import { MAX_POLICY_LENGTH, startHuaweiStsEmulator, v5PolicyProblem } from '../../emulators/huawei-sts';
import type { HuaweiStsEmulator, HuaweiStsEmulatorOptions, RecordedAssumeAgency } from '../../emulators/huawei-sts';
import { emulatorPerTest } from './emulator-per-test';
import { sendRequest } from './http-client';
import type { HttpResponse, Sendable } from './http-client';
import { sdkDate, signWithSdk, withAuthorization, withHeader } from './huawei-client';
import type { HuaweiSignOptions } from './huawei-client';
import { closeCases, delayCases, listenerCases } from './shared-server-cases';

// ---------------------------------------------------------------------------------------------------------------------
// Client: the official SDK signer (./huawei-client.ts), plus raw HTTP edits for malformed requests.
// ---------------------------------------------------------------------------------------------------------------------

const NOW = Date.parse('2026-11-22T05:18:01Z');
const PATH = '/v5/agencies/assume';
const ACCOUNT = '0123456789abcdef0123456789abcdef';
const AGENCY_URN = `iam::${ACCOUNT}:agency:stsgate-obs`;
const LONG_AGENCY_URN = `iam::${ACCOUNT}:agency:long-sessions`;
const TEMP = { ak: 'HSTTEMPCALLER000000X', sk: 'temp/secret+key=', token: 'gQpjbi1ub3J0aC00-function-security-token_+/=' };
const PERMANENT = { ak: 'PERMANENTCALLER00000', sk: 'permanent-secret-key' };

const POLICY_JSON = JSON.stringify({
  Version: '5.0',
  Statement: [
    { Effect: 'Allow', Action: ['obs:object:putObject', 'obs:object:abortMultipartUpload'], Resource: ['obs:*:*:object:media-bucket/uploads/u42/*'] },
    { Sid: 'list', Effect: 'Allow', Action: ['obs:bucket:listBucket'], Resource: ['obs:*:*:bucket:media-bucket'], Condition: { StringLike: { 'obs:prefix': ['uploads/u42/*'] } } },
  ],
});

type Response = HttpResponse;

let clock = NOW;
let emulator: HuaweiStsEmulator;

async function start(options: Partial<HuaweiStsEmulatorOptions> = {}): Promise<HuaweiStsEmulator> {
  return startHuaweiStsEmulator({
    callers: { [TEMP.ak]: { secretKey: TEMP.sk, securityToken: TEMP.token }, [PERMANENT.ak]: { secretKey: PERMANENT.sk } },
    agencies: { [AGENCY_URN]: {}, [LONG_AGENCY_URN]: { maxSessionDuration: 43200 } },
    now: () => clock,
    ...options,
  });
}

/** A fresh emulator, and the clock at NOW, for each test; `restart` swaps in one started with other options. */
const restart = emulatorPerTest(start, (started) => (emulator = started), () => (clock = NOW));

interface SignOptions extends HuaweiSignOptions {
  /** Body fields (serialised as the SDK does), unless `raw` is given. */
  params?: Record<string, unknown>;
}

function signed(options: SignOptions = {}): Sendable {
  const data = options.params ?? { agency_urn: AGENCY_URN, agency_session_name: 'user-42', duration_seconds: 900 };
  return signWithSdk(options, { url: emulator.url, path: PATH, contentType: 'application/json', caller: TEMP, date: clock, data });
}

const send = (request: Sendable): Promise<Response> => sendRequest(emulator, request);
const assume = (options: SignOptions = {}): Promise<Response> => send(signed(options));
const params = (overrides: Record<string, unknown>): Record<string, unknown> => ({ agency_urn: AGENCY_URN, agency_session_name: 'user-42', ...overrides });

/** IAM5's envelope `{error_msg, error_code, request_id}` (+ encoded_authorization_message on 403). */
function expectError(response: Response, status: number, code: string, message?: RegExp): void {
  expect({ status: response.status, code: response.json['error_code'] }).toEqual({ status, code });
  const keys = ['error_msg', 'error_code', 'request_id', ...(status === 403 ? ['encoded_authorization_message'] : [])];
  expect(Object.keys(response.json)).toEqual(keys);
  expect(response.json['request_id']).toMatch(/^[0-9a-f]{32}$/);
  expect(response.headers['x-request-id']).toBe(response.json['request_id']);
  if (message) expect(response.json['error_msg']).toMatch(message);
}

interface SuccessBody {
  credentials: { access_key_id: string; expiration: string; secret_access_key: string; security_token: string };
  assumed_agency: { urn: string; id: string };
  source_identity?: string;
}
const successOf = (response: Response): SuccessBody => response.json as unknown as SuccessBody;

// ---------------------------------------------------------------------------------------------------------------------
// Success
// ---------------------------------------------------------------------------------------------------------------------

describe('AssumeAgency success', () => {
  it('temporary key (agency chaining) with a session policy: 200, credentials shaped like STS, call recorded', async () => {
    const response = await assume({ params: params({ duration_seconds: 900, policy: POLICY_JSON }) });

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(Object.keys(response.json)).toEqual(['credentials', 'assumed_agency']);
    const body = successOf(response);
    expect(Object.keys(body.credentials)).toEqual(['access_key_id', 'expiration', 'secret_access_key', 'security_token']);
    expect(body.credentials.access_key_id).toMatch(/^[A-Z0-9]{20}$/);
    expect(body.credentials.secret_access_key).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(body.credentials.security_token).toMatch(/^hQ[A-Za-z0-9+/]{1200}$/);
    expect(body.credentials.expiration).toBe('2026-11-22T05:33:01.000Z');
    expect(body.assumed_agency.urn).toBe(`sts::${ACCOUNT}::assumed-agency:stsgate-obs/user-42`);
    expect(body.assumed_agency.id).toMatch(/^[0-9a-f]{32}:user-42$/);

    const expected: RecordedAssumeAgency = {
      callerAccessKey: TEMP.ak,
      securityToken: TEMP.token,
      agencyUrn: AGENCY_URN,
      agencySessionName: 'user-42',
      durationSeconds: 900,
      policy: POLICY_JSON,
      issued: {
        accessKeyId: body.credentials.access_key_id,
        secretAccessKey: body.credentials.secret_access_key,
        securityToken: body.credentials.security_token,
        expiration: body.credentials.expiration,
      },
    };
    expect(emulator.calls).toEqual([expected]);
    expect(emulator.rejections).toEqual([]);
  });

  it('defaults to 3600 s, issues fresh credentials every time, keeps the agency id stable', async () => {
    const first = await assume({ params: params({}) });
    const second = await assume({ params: params({ agency_session_name: 'user-43' }) });
    expect(successOf(first).credentials.expiration).toBe('2026-11-22T06:18:01.000Z');
    expect(emulator.calls.map((call) => call.durationSeconds)).toEqual([3600, 3600]);
    expect(emulator.calls[0]).not.toHaveProperty('policy');
    const [a, b] = emulator.calls;
    expect(a?.issued.accessKeyId).not.toBe(b?.issued.accessKeyId);
    expect(a?.issued.secretAccessKey).not.toBe(b?.issued.secretAccessKey);
    expect(a?.issued.securityToken).not.toBe(b?.issued.securityToken);
    expect(successOf(first).assumed_agency.id.split(':')[0]).toBe(successOf(second).assumed_agency.id.split(':')[0]);
  });

  it('a permanent key may ask up to the agency maximum (43200), and records no security token', async () => {
    const response = await assume({ caller: PERMANENT, params: params({ agency_urn: LONG_AGENCY_URN, duration_seconds: 43200 }) });
    expect(response.status).toBe(200);
    expect(successOf(response).credentials.expiration).toBe('2026-11-22T17:18:01.000Z');
    expect(emulator.calls[0]).toMatchObject({ callerAccessKey: PERMANENT.ak, agencyUrn: LONG_AGENCY_URN, durationSeconds: 43200 });
    expect(emulator.calls[0]).not.toHaveProperty('securityToken');
  });

  it('a temporary key may ask exactly 3600 s', async () => {
    expect((await assume({ params: params({ agency_urn: LONG_AGENCY_URN, duration_seconds: 3600 }) })).status).toBe(200);
  });

  it('accepts the optional fields and echoes source_identity', async () => {
    const response = await assume({
      params: params({
        external_id: 'ext:id/1',
        policy_ids: ['OBSReadOnlyPolicy', 'a1-b2'],
        serial_number: 'iam/mfa/0123456789',
        token_code: '123456',
        source_identity: 'user@example.com',
        tags: [{ key: 'tenant', value: 'acme' }, { key: '项目', value: '' }],
        transitive_tag_keys: ['tenant'],
      }),
    });
    expect(response.status).toBe(200);
    expect(successOf(response).source_identity).toBe('user@example.com');
  });

  it('accepts the boundaries: 2- and 128-character session names, a 2048-character policy, 900 s', async () => {
    for (const request of [
      params({ agency_session_name: 'ab' }),
      params({ agency_session_name: `${'a'.repeat(120)}+=,.@-_9` }),
      params({ policy: policyOfLength(MAX_POLICY_LENGTH) }),
      params({ duration_seconds: 900 }),
    ]) {
      const response = await assume({ params: request });
      expect(response.status, response.text).toBe(200);
    }
    expect(emulator.calls[1]?.agencySessionName).toHaveLength(128);
    expect(emulator.calls[2]?.policy).toHaveLength(2048);
  });

  it('accepts X-Sdk-Date exactly 900 s away, either side', async () => {
    expect((await assume({ date: NOW - 900_000 })).status).toBe(200);
    expect((await assume({ date: NOW + 900_000 })).status).toBe(200);
  });
});

/** A valid v5 policy text of exactly `length` characters. */
function policyOfLength(length: number): string {
  const make = (resource: string): string => JSON.stringify({ Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['obs:object:getObject'], Resource: [resource] }] });
  const policy = make('r'.repeat(length - make('').length));
  expect(policy).toHaveLength(length);
  return policy;
}

// ---------------------------------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------------------------------

describe('body validation', () => {
  const statement = { Effect: 'Allow', Action: ['obs:object:putObject'], Resource: ['obs:*:*:object:b/*'] };
  const policyWith = (overrides: Record<string, unknown>): string => JSON.stringify({ Version: '5.0', Statement: [{ ...statement, ...overrides }] });

  const invalid: [string, RegExp, Record<string, unknown>][] = [
    ['missing agency_urn', /agency_urn is required/, { agency_session_name: 'user-42' }],
    ['agency_urn a number', /agency_urn must be a string/, params({ agency_urn: 42 })],
    ['agency_urn in Aliyun form', /not iam::<account_id>:agency:<agency_name>/, params({ agency_urn: 'acs:ram::123456789012:role/x' })],
    ['agency_urn without account', /not iam::/, params({ agency_urn: 'iam:::agency:stsgate-obs' })],
    ['agency_urn with an upper-case account id', /not iam::/, params({ agency_urn: AGENCY_URN.toUpperCase().replace('IAM::', 'iam::').replace(':AGENCY:', ':agency:') })],
    ['agency_urn of a role', /not iam::/, params({ agency_urn: `iam::${ACCOUNT}:role:stsgate-obs` })],
    ['agency_urn with a trailing newline', /not iam::/, params({ agency_urn: `${AGENCY_URN}\n` })],
    ['missing agency_session_name', /agency_session_name is required/, { agency_urn: AGENCY_URN }],
    ['session name a number', /agency_session_name must be a string/, params({ agency_session_name: 42 })],
    ['session name of 1 character', /2\.\.128 characters, got 1/, params({ agency_session_name: 'a' })],
    ['session name of 129 characters', /2\.\.128 characters, got 129/, params({ agency_session_name: 'a'.repeat(129) })],
    ['session name with a space', /agency_session_name contains characters/, params({ agency_session_name: 'user 42' })],
    ['session name with a slash', /agency_session_name contains characters/, params({ agency_session_name: 'user/42' })],
    ['session name with non-ASCII letters', /agency_session_name contains characters/, params({ agency_session_name: 'usér' })],
    ['duration as a string', /integer/, params({ duration_seconds: '3600' })],
    ['duration fractional', /integer/, params({ duration_seconds: 3600.5 })],
    ['duration null', /integer/, params({ duration_seconds: null })],
    ['duration 899', /900\.\.43200, got 899/, params({ duration_seconds: 899 })],
    ['duration 43201', /900\.\.43200, got 43201/, params({ duration_seconds: 43201 })],
    ['duration 3601 with X-Security-Token', /with X-Security-Token \(temporary credentials\) at most 3600/, params({ agency_urn: LONG_AGENCY_URN, duration_seconds: 3601 })],
    ['duration 43200 with X-Security-Token', /at most 3600/, params({ agency_urn: LONG_AGENCY_URN, duration_seconds: 43200 })],
    ['policy an object (not a string)', /policy must be a string/, params({ policy: JSON.parse(POLICY_JSON) as unknown })],
    ['policy of 1 character', /2\.\.2048 characters, got 1/, params({ policy: '{' })],
    ['policy of 2049 characters', /2\.\.2048 characters, got 2049/, params({ policy: policyOfLength(2049) })],
    ['external_id of 1 character', /external_id must be 2\.\.1224/, params({ external_id: 'x' })],
    ['external_id with a space', /external_id contains/, params({ external_id: 'a b' })],
    ['token_code of 5 digits', /token_code must be 6\.\.6/, params({ token_code: '12345' })],
    ['token_code with letters', /token_code contains/, params({ token_code: '12345a' })],
    ['serial_number too short', /serial_number must be 9\.\.256/, params({ serial_number: 'iam/mfa' })],
    ['source_identity a number', /source_identity must be a string/, params({ source_identity: 7 })],
    ['policy_ids not an array', /policy_ids must be an array/, params({ policy_ids: 'OBSReadOnlyPolicy' })],
    ['11 policy_ids', /at most 10/, params({ policy_ids: Array.from({ length: 11 }, (_, i) => `p${i}`) })],
    ['a policy id with a colon', /policy_ids entry/, params({ policy_ids: ['a:b'] })],
    ['tags not an array', /tags must be an array/, params({ tags: { key: 'a', value: 'b' } })],
    ['21 tags', /at most 20 tags/, params({ tags: Array.from({ length: 21 }, (_, i) => ({ key: `k${i}`, value: 'v' })) })],
    ['a tag with a null value', /tag value null/, params({ tags: [{ key: 'a', value: null }] })],
    ['a tag key with _sys_', /tag key "_sys_x"/, params({ tags: [{ key: '_sys_x', value: 'v' }] })],
    ['a tag with an extra field', /each tag must be/, params({ tags: [{ key: 'a', value: 'b', extra: 1 }] })],
    ['a transitive key not a string', /transitive tag key/, params({ transitive_tag_keys: [1] })],
    ['an unknown field', /unknown field durationSeconds/, params({ durationSeconds: 900 })],
    ['a field of the v3 API', /unknown field auth/, params({ auth: {} })],
  ];

  it.each(invalid)('%s -> 400 STS.InvalidParameter', async (_name, message, request) => {
    const response = await assume({ params: request });
    expectError(response, 400, 'STS.InvalidParameter', message);
    expect(emulator.rejections).toEqual([{ status: 400, code: 'STS.InvalidParameter' }]);
    expect(emulator.calls).toEqual([]);
  });

  it('a duration above the agency maximum -> 400, also for a permanent key', async () => {
    const response = await assume({ caller: PERMANENT, params: params({ duration_seconds: 3601 }) });
    expectError(response, 400, 'STS.InvalidParameter', /exceeds the agency's maximum session duration 3600/);
  });

  const malformed: [string, RegExp, string][] = [
    ['not JSON', /not JSON/, '{"Version":"5.0",'],
    ['a JSON string', /not a JSON object/, JSON.stringify(POLICY_JSON)],
    ['an array', /not a JSON object/, '[]'],
    ['Version 1.1 (the v3 grammar)', /Version must be "5.0"/, POLICY_JSON.replace('"5.0"', '"1.1"')],
    ['Version as a number', /Version must be "5.0"/, POLICY_JSON.replace('"5.0"', '5.0')],
    ['Version missing', /Version must be "5.0"/, JSON.stringify({ Statement: [statement] })],
    ['lower-case keys', /unknown policy element version/, JSON.stringify({ version: '5.0', statement: [statement] })],
    ['Statement empty', /Statement must be a non-empty array/, JSON.stringify({ Version: '5.0', Statement: [] })],
    ['Statement an object', /Statement must be a non-empty array/, JSON.stringify({ Version: '5.0', Statement: statement })],
    ['statement a string', /Statement\[0\]: not an object/, JSON.stringify({ Version: '5.0', Statement: ['allow'] })],
    ['Effect allow', /Statement\[0\]: Effect must be/, policyWith({ Effect: 'allow' })],
    ['Action missing', /exactly one of Action and NotAction/, policyWith({ Action: undefined })],
    ['Action and NotAction', /exactly one of Action and NotAction/, policyWith({ NotAction: ['obs:object:getObject'] })],
    ['Action empty', /Action must be a non-empty list/, policyWith({ Action: [] })],
    ['Action without resource type', /Action must be a non-empty list of service:resourceType:operation/, policyWith({ Action: ['obs:putObject'] })],
    ['Action a string', /Action must be a non-empty list/, policyWith({ Action: 'obs:object:putObject' })],
    ['Resource empty', /Resource must be a non-empty list/, policyWith({ Resource: [] })],
    ['Resource and NotResource', /exclude each other/, policyWith({ NotResource: ['obs:*:*:bucket:*'] })],
    ['Condition a string', /Condition must be an object/, policyWith({ Condition: 'x' })],
    ['Principal in a statement', /unknown statement element Principal/, policyWith({ Principal: { IAM: ['*'] } })],
    ['an unknown top-level element', /unknown policy element Id/, JSON.stringify({ Version: '5.0', Id: 'x', Statement: [statement] })],
  ];

  it.each(malformed)('policy %s -> 400 PAP5.0011', async (_name, message, policy) => {
    const response = await assume({ params: params({ policy }) });
    expectError(response, 400, 'PAP5.0011', new RegExp(`^malformed policy document: .*${message.source}`));
    expect(emulator.calls).toEqual([]);
  });

  it('an agency that is not configured -> 403 PAP5.0001 with encoded_authorization_message', async () => {
    const response = await assume({ params: params({ agency_urn: `iam::${ACCOUNT}:agency:someone-else` }) });
    expectError(response, 403, 'PAP5.0001', /^access denied: the caller may not assume iam::0123456789abcdef0123456789abcdef:agency:someone-else/);
    expect(response.json['encoded_authorization_message']).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(emulator.rejections).toEqual([{ status: 403, code: 'PAP5.0001' }]);
  });

  it.each([
    ['not JSON', '{"agency_urn":'],
    ['empty', ''],
    ['an array', '[]'],
    ['a string', '"assume"'],
  ])('body %s -> 400 STS.InvalidParameter', async (_name, raw) => {
    expectError(await assume({ raw }), 400, 'STS.InvalidParameter', /request body/);
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['form-encoded', 'application/x-www-form-urlencoded'],
  ])('Content-Type %s -> 400', async (_name, contentType) => {
    expectError(await assume({ headers: { 'Content-Type': contentType } }), 400, 'STS.InvalidParameter', /Content-Type/);
  });

  it('checks policy grammar directly', () => {
    expect(v5PolicyProblem(POLICY_JSON)).toBeUndefined();
    expect(v5PolicyProblem('{"Version":"5.0","Statement":[{"Effect":"Deny","NotAction":["*"],"NotResource":["obs:*:*:bucket:b"]}]}')).toBeUndefined();
    expect(v5PolicyProblem('{"Version":"5.0","Statement":[{"Effect":"Allow","Action":["obs:*:get?bject"]}]}')).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// Routing and authentication
// ---------------------------------------------------------------------------------------------------------------------

describe('routing', () => {
  it.each([
    ['GET', { method: 'GET' }, /only POST/],
    ['another path', { path: '/v5/agencies/assume-with-oidc' }, /assume-with-oidc/],
    ['the v3 path', { path: '/v3.0/OS-CREDENTIAL/securitytokens' }, /securitytokens/],
    ['a trailing slash', { path: `${PATH}/` }, /assume\//],
  ])('%s -> 404 APIGW.0101', async (_name, change, message) => {
    expectError(await assume(change), 404, 'APIGW.0101', message);
  });

  it('routing comes before authentication, authentication before the body', async () => {
    const wrongKey = { ...TEMP, sk: 'wrong' };
    expectError(await assume({ path: '/v5/x', caller: wrongKey, raw: '{' }), 404, 'APIGW.0101');
    expectError(await assume({ caller: wrongKey, raw: '{' }), 401, 'APIGW.0301');
    expectError(await assume({ raw: '{' }), 400, 'STS.InvalidParameter');
  });
});

describe('AK/SK authentication', () => {
  it.each<[string, SignOptions, RegExp]>([
    ['unknown AK', { caller: { ak: 'UNKNOWNAK00000000000', sk: 'x' } }, /Get secretKey failed,ak:UNKNOWNAK00000000000,err:ak not exist$/],
    ['wrong secret key', { caller: { ...TEMP, sk: 'wrong' } }, /verify aksk signature fail, canonicalRequest:POST\|\/v5\/agencies\/assume\/\|\|content-type:application\/json\|host:127\.0\.0\.1:\d+\|x-sdk-date:20261122T051801Z\|x-security-token:/],
    ['temporary key without X-Security-Token', { caller: { ak: TEMP.ak, sk: TEMP.sk } }, /X-Security-Token is required/],
    ['temporary key with another token', { caller: { ...TEMP, token: 'gQother' } }, /X-Security-Token does not belong/],
    ['permanent key with a token', { caller: { ...PERMANENT, token: 'stale' } }, /permanent key/],
    ['X-Sdk-Date 901 s old', { date: NOW - 901_000 }, /signature expired, signature time:20261122T050300Z,server time:20261122T051801Z$/],
    ['X-Sdk-Date 901 s ahead', { date: NOW + 901_000 }, /signature expired/],
  ])('%s -> 401 APIGW.0301', async (_name, options, message) => {
    const response = await assume(options);
    expectError(response, 401, 'APIGW.0301', message);
    expect(response.json['error_msg']).toMatch(/^Incorrect IAM authentication information: /);
    expect(emulator.rejections).toEqual([{ status: 401, code: 'APIGW.0301' }]);
    expect(emulator.calls).toEqual([]);
  });

  it('X-Auth-Token alone is not accepted (AK/SK only)', async () => {
    const request = signed();
    const headers = { 'Content-Type': 'application/json', 'X-Auth-Token': 'MIITagencytoken' };
    expectError(await send({ ...request, headers }), 401, 'APIGW.0301', /AK\/SK \(SDK-HMAC-SHA256\) authentication only/);
  });

  it('no credentials at all -> 401', async () => {
    expectError(await send({ ...signed(), headers: { 'Content-Type': 'application/json' } }), 401, 'APIGW.0301', /Authorization is absent/);
  });

  it('a token added after signing (so unsigned) -> 401', async () => {
    const request = signed({ caller: { ak: TEMP.ak, sk: TEMP.sk } });
    expectError(await send({ ...request, headers: { ...request.headers, 'X-Security-Token': TEMP.token } }), 401, 'APIGW.0301', /SignedHeaders must include x-security-token$/);
  });

  it('a request replayed after 15 minutes is refused', async () => {
    const captured = signed();
    clock = NOW + 14 * 60_000;
    expect((await send(captured)).status).toBe(200);
    clock = NOW + 16 * 60_000;
    expectError(await send(captured), 401, 'APIGW.0301', /signature expired/);
    expect(emulator.calls).toHaveLength(1);
  });

  it('honours allowedSkewSeconds', async () => {
    await restart({ allowedSkewSeconds: 30 });
    expectError(await assume({ date: NOW + 31_000 }), 401, 'APIGW.0301', /signature expired/);
    expect((await assume({ date: NOW + 30_000 })).status).toBe(200);
  });

  it.each<[string, (request: Sendable) => Sendable, RegExp]>([
    ['the agency in the body', (r) => ({ ...r, body: r.body.replace('stsgate-obs', 'other-agency') }), /verify aksk signature fail/],
    ['the duration in the body', (r) => ({ ...r, body: r.body.replace('900', '3600') }), /verify aksk signature fail/],
    ['the policy in the body', (r) => ({ ...r, body: r.body.replace('putObject', 'deleteObject') }), /verify aksk signature fail/],
    ['a signed header (Content-Type)', withHeader('Content-Type', 'application/json;charset=UTF-8'), /verify aksk signature fail/],
    ['the Host', withHeader('host', 'sts.cn-north-4.myhuaweicloud.com'), /verify aksk signature fail/],
    ['X-Sdk-Date within the window', withHeader('X-Sdk-Date', sdkDate(NOW - 1000)), /verify aksk signature fail/],
    ['an added query', (r) => ({ ...r, path: `${r.path}?x=1` }), /verify aksk signature fail/],
    ['one digit of the signature', withAuthorization((a) => a.slice(0, -1) + (a.endsWith('0') ? '1' : '0')), /verify aksk signature fail/],
    ['lower-case algorithm', withAuthorization((a) => a.replace('SDK-HMAC-SHA256', 'Sdk-Hmac-Sha256')), /unsupported algorithm/],
    ['lower-case Signature', withAuthorization((a) => a.replace('Signature=', 'signature=')), /unexpected Authorization element "signature=/],
    ['host left out of SignedHeaders', withAuthorization((a) => a.replace('content-type;host;', 'content-type;')), /SignedHeaders must include host$/],
    ['x-security-token left out of SignedHeaders', withAuthorization((a) => a.replace(';x-security-token', '')), /SignedHeaders must include x-security-token$/],
  ])('tampering: %s -> 401', async (_name, change, message) => {
    expectError(await send(change(signed({ params: params({ duration_seconds: 900, policy: POLICY_JSON }) }))), 401, 'APIGW.0301', message);
    expect(emulator.calls).toEqual([]);
  });

  it('reads callers and agencies on every request', async () => {
    const callers: HuaweiStsEmulatorOptions['callers'] = {};
    const agencies: HuaweiStsEmulatorOptions['agencies'] = {};
    await restart({ callers, agencies });
    expectError(await assume({ caller: PERMANENT }), 401, 'APIGW.0301', /ak not exist/);
    callers[PERMANENT.ak] = { secretKey: PERMANENT.sk };
    expectError(await assume({ caller: PERMANENT }), 403, 'PAP5.0001');
    agencies[AGENCY_URN] = { maxSessionDuration: 7200 };
    expect((await assume({ caller: PERMANENT, params: params({ duration_seconds: 7200 }) })).status).toBe(200);
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// Faults and bookkeeping
// ---------------------------------------------------------------------------------------------------------------------

describe('faults', () => {
  it('error: answers with the IAM5 error body once, then normally', async () => {
    emulator.injectFault({ kind: 'error', status: 500, code: 'STS.InternalError' });
    expectError(await assume(), 500, 'STS.InternalError', /^internal server error$/);
    expect((await assume()).status).toBe(200);
    expect(emulator.rejections).toEqual([]);
    expect(emulator.requestCount()).toBe(2);
  });

  it('error: a 403 fault carries encoded_authorization_message; a given message is used', async () => {
    emulator.injectFault({ kind: 'error', status: 403, code: 'PAP5.0001', message: 'access denied: nope' });
    expectError(await assume(), 403, 'PAP5.0001', /^access denied: nope$/);
  });

  it('raw and persistent faults, in order', async () => {
    emulator.injectFault({ kind: 'error', status: 429, code: 'APIGW.0308' }, { persistent: true });
    emulator.injectFault({ kind: 'raw', status: 200, body: '{"credentials":{"access_key_id":"HST' });
    const raw = await assume();
    expect([raw.status, raw.text, raw.headers['content-type']]).toEqual([200, '{"credentials":{"access_key_id":"HST', 'application/json;charset=UTF-8']);
    expectError(await assume(), 429, 'APIGW.0308');
    expectError(await assume(), 429, 'APIGW.0308');
    emulator.clearFaults();
    expect((await assume()).status).toBe(200);
    expect(emulator.calls).toHaveLength(1);
  });

  delayCases(
    () => emulator,
    async () => expect((await assume()).status).toBe(200),
    async () => expectError(await assume({ caller: { ...TEMP, sk: 'wrong' } }), 401, 'APIGW.0301'),
  );

  closeCases(() => emulator, () => assume());
});

describe('bookkeeping', () => {
  it('counts every request and records rejections; reset() clears everything', async () => {
    await assume();
    await assume({ params: params({ agency_session_name: 'x' }) });
    await assume({ params: params({ agency_urn: `iam::${ACCOUNT}:agency:nope` }) });
    emulator.injectFault({ kind: 'error', status: 500, code: 'STS.InternalError' });
    await assume();
    expect(emulator.requestCount()).toBe(4);
    expect(emulator.calls).toHaveLength(1);
    expect(emulator.rejections).toEqual([
      { status: 400, code: 'STS.InvalidParameter' },
      { status: 403, code: 'PAP5.0001' },
    ]);
    emulator.injectFault({ kind: 'error', status: 500, code: 'STS.InternalError' }, { persistent: true });
    const calls = emulator.calls;
    emulator.reset();
    expect([emulator.requestCount(), calls.length, emulator.rejections.length]).toEqual([0, 0, 0]);
    expect((await assume()).status).toBe(200);
  });

  listenerCases(() => emulator, (port) => restart({ port }), async () => expect((await assume()).status).toBe(200));

  it('refuses impossible options', async () => {
    await expect(start({ allowedSkewSeconds: -1 })).rejects.toThrow(RangeError);
    await expect(start({ agencies: { [AGENCY_URN]: { maxSessionDuration: 3599 } } })).rejects.toThrow(RangeError);
    await expect(start({ agencies: { [AGENCY_URN]: { maxSessionDuration: 43201 } } })).rejects.toThrow(RangeError);
    await expect(start({ agencies: { 'acs:ram::1:role/x': {} } })).rejects.toThrow(RangeError);
  });

  it('an agency made invalid while running answers 500 rather than issuing', async () => {
    const agencies: HuaweiStsEmulatorOptions['agencies'] = { [AGENCY_URN]: {} };
    await restart({ agencies });
    agencies[AGENCY_URN] = { maxSessionDuration: 60 };
    expectError(await assume(), 500, 'STS.InternalError', /maxSessionDuration/);
    expect(emulator.calls).toEqual([]);
  });
});
