import { describe, expect, it } from 'vitest';
import { MAX_POLICY_CHARACTERS, microsecondTimestamp, startHuaweiIamEmulator } from '../../emulators/huawei-iam';
import type { HuaweiIamEmulator, HuaweiIamEmulatorOptions, RecordedSecurityTokenCall } from '../../emulators/huawei-iam';
import { emulatorPerTest } from './emulator-per-test';
import { sendRequest } from './http-client';
import type { HttpResponse, Sendable } from './http-client';
import { sdkDate, signWithSdk, withAuthorization, withHeader } from './huawei-client';
import type { HuaweiSignOptions } from './huawei-client';
import { closeCases, delayCases, listenerCases } from './shared-server-cases';

// ---------------------------------------------------------------------------------------------------------------------
// Clients: the official SDK signer (./huawei-client.ts) for AK/SK requests, plain HTTP for token requests and
// malformed ones.
// ---------------------------------------------------------------------------------------------------------------------

const NOW = Date.parse('2026-11-22T05:18:01Z');
const PATH = '/v3.0/OS-CREDENTIAL/securitytokens';
const AGENCY_TOKEN = `MIIT${'a1B2'.repeat(40)}`;
const OTHER_TOKEN = `MIIT${'z9Y8'.repeat(40)}`;
const TEMP = { ak: 'HSTTEMPCALLER000000X', sk: 'temp/secret+key=', token: 'gQpjbi1ub3J0aC00-agency-security-token_+/=' };
const PERMANENT = { ak: 'PERMANENTCALLER00000', sk: 'permanent-secret-key' };

const POLICY = {
  Version: '1.1',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['obs:object:PutObject', 'obs:object:AbortMultipartUpload', 'obs:object:ListMultipartUploadParts'],
      Resource: ['obs:*:*:object:media-bucket/uploads/u42/*'],
    },
    { Effect: 'Allow', Action: ['obs:bucket:ListBucket'], Resource: ['obs:*:*:bucket:media-bucket'], Condition: { StringLike: { 'obs:prefix': ['uploads/u42/*'] } } },
  ],
};
const body = (identity: Record<string, unknown>): Record<string, unknown> => ({ auth: { identity: { methods: ['token'], ...identity } } });

type Response = HttpResponse;

let clock = NOW;
let emulator: HuaweiIamEmulator;
let tokens: string[];

async function start(options: Partial<HuaweiIamEmulatorOptions> = {}): Promise<HuaweiIamEmulator> {
  tokens = [AGENCY_TOKEN];
  return startHuaweiIamEmulator({
    tokens,
    callers: { [TEMP.ak]: { secretKey: TEMP.sk, securityToken: TEMP.token }, [PERMANENT.ak]: { secretKey: PERMANENT.sk } },
    now: () => clock,
    ...options,
  });
}

/** A fresh emulator, and the clock at NOW, for each test; `restart` swaps in one started with other options. */
const restart = emulatorPerTest(start, (started) => (emulator = started), () => (clock = NOW));

interface SignOptions extends HuaweiSignOptions {
  /** A JSON value (serialised as the SDK does), unless `raw` is given. */
  body?: unknown;
}

function signed(options: SignOptions = {}): Sendable {
  const data = options.body ?? body({ token: { duration_seconds: 900 } });
  return signWithSdk(options, { url: emulator.url, path: PATH, contentType: 'application/json;charset=UTF-8', caller: TEMP, date: clock, data });
}

function withToken(options: { body?: unknown; raw?: string; token?: string; headers?: Record<string, string | undefined>; method?: string; path?: string } = {}): Sendable {
  return {
    method: options.method ?? 'POST',
    path: options.path ?? PATH,
    headers: { 'Content-Type': 'application/json;charset=utf8', 'X-Auth-Token': options.token ?? AGENCY_TOKEN, ...options.headers },
    body: options.raw ?? JSON.stringify(options.body ?? body({ token: { duration_seconds: 900 } })),
  };
}

const send = (request: Sendable): Promise<Response> => sendRequest(emulator, request);
const tokenCall = (options: Parameters<typeof withToken>[0] = {}): Promise<Response> => send(withToken(options));
const akskCall = (options: SignOptions = {}): Promise<Response> => send(signed(options));

/** IAM's own errors: `{error_msg, error_code}`; APIG's add `request_id`, which the X-Request-Id header repeats. */
function expectError(response: Response, status: number, code: string, message?: RegExp): void {
  expect({ status: response.status, code: response.json['error_code'] }).toEqual({ status, code });
  if (code.startsWith('APIGW.')) {
    expect(Object.keys(response.json)).toEqual(['error_msg', 'error_code', 'request_id']);
    expect(response.json['request_id']).toMatch(/^[0-9a-f]{32}$/);
    expect(response.headers['x-request-id']).toBe(response.json['request_id']);
  } else {
    expect(Object.keys(response.json)).toEqual(['error_msg', 'error_code']);
  }
  if (message) expect(response.json['error_msg']).toMatch(message);
}

function credentialOf(response: Response): { access: string; expires_at: string; secret: string; securitytoken: string } {
  return response.json['credential'] as { access: string; expires_at: string; secret: string; securitytoken: string };
}

// ---------------------------------------------------------------------------------------------------------------------
// Success
// ---------------------------------------------------------------------------------------------------------------------

describe('securitytokens success', () => {
  it('token auth with a policy: 201, credential shaped like IAM, call recorded', async () => {
    const response = await tokenCall({ body: body({ token: { duration_seconds: 1800 }, policy: POLICY }) });

    expect(response.status).toBe(201);
    expect(response.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(Object.keys(response.json)).toEqual(['credential']);
    const credential = credentialOf(response);
    expect(Object.keys(credential)).toEqual(['access', 'expires_at', 'secret', 'securitytoken']);
    expect(credential.access).toMatch(/^[A-Z0-9]{20}$/);
    expect(credential.secret).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(credential.securitytoken).toMatch(/^gQ[A-Za-z0-9_-]{800}$/);
    expect(credential.expires_at).toBe('2026-11-22T05:48:01.000000Z');

    const expected: RecordedSecurityTokenCall = {
      auth: 'token',
      authToken: AGENCY_TOKEN,
      durationSeconds: 1800,
      policy: POLICY,
      policyText: JSON.stringify(POLICY),
      issued: { access: credential.access, secret: credential.secret, securitytoken: credential.securitytoken, expiresAt: credential.expires_at },
    };
    expect(emulator.calls).toEqual([expected]);
    expect(emulator.rejections).toEqual([]);
  });

  it('the minimal documented body defaults to 900 s; every call issues fresh credentials', async () => {
    const first = await tokenCall({ body: { auth: { identity: { methods: ['token'] } } } });
    const second = await tokenCall({ body: body({ token: {} }) });
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(credentialOf(first).expires_at).toBe('2026-11-22T05:33:01.000000Z');
    expect(emulator.calls.map((call) => call.durationSeconds)).toEqual([900, 900]);
    expect(emulator.calls[0]).not.toHaveProperty('policy');
    const [a, b] = emulator.calls;
    expect(a?.issued.access).not.toBe(b?.issued.access);
    expect(a?.issued.secret).not.toBe(b?.issued.secret);
    expect(a?.issued.securitytoken).not.toBe(b?.issued.securitytoken);
  });

  it('expiry follows the clock, with IAM microsecond precision', async () => {
    clock = NOW + 587;
    const response = await tokenCall();
    expect(credentialOf(response).expires_at).toBe('2026-11-22T05:33:01.587000Z');
    expect(microsecondTimestamp(Date.parse('2020-01-08T02:56:19.587Z'))).toBe('2020-01-08T02:56:19.587000Z');
  });

  it('AK/SK auth with a temporary key, signed by the official SDK (X-Security-Token signed)', async () => {
    const request = signed({ body: body({ token: { duration_seconds: 3600 }, policy: POLICY }) });
    expect(request.headers['Authorization']).toMatch(/SignedHeaders=content-type;host;x-sdk-date;x-security-token, /);
    const response = await send(request);
    expect(response.status).toBe(201);
    expect(emulator.calls).toEqual([
      {
        auth: 'aksk',
        callerAccessKey: TEMP.ak,
        securityToken: TEMP.token,
        durationSeconds: 3600,
        policy: POLICY,
        policyText: JSON.stringify(POLICY),
        issued: expect.objectContaining({ access: credentialOf(response).access }) as unknown,
      },
    ]);
  });

  it('AK/SK auth with a permanent key records no security token', async () => {
    expect((await akskCall({ caller: PERMANENT })).status).toBe(201);
    expect(emulator.calls[0]).toMatchObject({ auth: 'aksk', callerAccessKey: PERMANENT.ak, durationSeconds: 900 });
    expect(emulator.calls[0]).not.toHaveProperty('securityToken');
    expect(emulator.calls[0]).not.toHaveProperty('authToken');
  });

  it.each(['application/json', 'application/json;charset=utf8', 'Application/JSON; charset=UTF-8'])('accepts Content-Type %s', async (contentType) => {
    expect((await tokenCall({ headers: { 'Content-Type': contentType } })).status).toBe(201);
  });

  it('accepts the boundaries: 900 and 86400 s, 8 statements, 100 actions, 10 resources of 128 chars, 10 conditions, 2048 characters', async () => {
    const statement = (overrides: Record<string, unknown> = {}) => ({ Effect: 'Deny', Action: ['obs:*:*'], ...overrides });
    const conditions = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`obs:key${i}`, ['v']]));
    const bodies = [
      body({ token: { duration_seconds: 900 } }),
      body({ token: { duration_seconds: 86400 } }),
      body({ policy: { Version: '1.1', Statement: Array.from({ length: 8 }, () => statement()) } }),
      body({ policy: { Version: '1.1', Statement: [statement({ Action: Array.from({ length: 100 }, (_, i) => `obs:object:Op${i}`) })] } }),
      body({ policy: { Version: '1.1', Statement: [statement({ Resource: Array.from({ length: 10 }, () => `obs:*:*:object:${'b'.repeat(113)}`) })] } }),
      body({ policy: { Version: '1.1', Statement: [statement({ Condition: { StringEquals: conditions } })] } }),
      body({ policy: policyOfLength(MAX_POLICY_CHARACTERS) }),
    ];
    expect(`obs:*:*:object:${'b'.repeat(113)}`).toHaveLength(128);
    for (const request of bodies) {
      const response = await tokenCall({ body: request });
      expect(response.status, response.text).toBe(201);
    }
    expect(emulator.calls.map((call) => call.durationSeconds)).toEqual([900, 86400, 900, 900, 900, 900, 900]);
    expect(emulator.calls.at(-1)?.policyText).toHaveLength(2048);
  });

  it('accepts the documented resource and condition forms', async () => {
    const policy = {
      Version: '1.1',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['obs:object:*', 'obs:bucket:ListBucket'],
          Resource: ['obs:*:*:object:*', 'obs:*:*:bucket:*', 'obs:cn-north-4:0123456789abcdef0123456789abcdef:object:b/a_b-c.d/*', 'obs:*:*:*:*', 'obs:*:*:object:b\\x'],
          Condition: { StringEquals: { 'obs:prefix': ['public'] }, 'ForAnyValue:StringLike': { 'g:UserName': ['a*'] } },
        },
      ],
    };
    expect((await tokenCall({ body: body({ policy }) })).status).toBe(201);
  });

  it('accepts the deprecated auth.identity.token.id as a field while authenticating by header', async () => {
    const response = await tokenCall({ body: body({ token: { id: 'MIIamwYJKoZIhvcNAQcCoIIajDCC...', duration_seconds: 900 } }) });
    expect(response.status).toBe(201);
    expect(emulator.calls[0]?.authToken).toBe(AGENCY_TOKEN);
  });

  it('accepts X-Sdk-Date exactly 900 s away, either side', async () => {
    expect((await akskCall({ date: NOW - 900_000 })).status).toBe(201);
    expect((await akskCall({ date: NOW + 900_000 })).status).toBe(201);
  });
});

/**
 * A valid policy whose JSON.stringify is exactly `length` characters: 128-character resources, ten to a statement
 * (the limits), the last resource's path absorbing the remainder.
 */
function policyOfLength(length: number): Record<string, unknown> {
  const prefix = 'obs:*:*:object:';
  const resources: string[] = [];
  const build = (lastPathLength: number): Record<string, unknown> => {
    const all = [...resources, prefix + 'x'.repeat(lastPathLength)];
    const statements = [];
    for (let index = 0; index < all.length; index += 10) {
      statements.push({ Effect: 'Allow', Action: ['obs:object:GetObject'], Resource: all.slice(index, index + 10) });
    }
    return { Version: '1.1', Statement: statements };
  };
  const longest = 128 - prefix.length;
  while (JSON.stringify(build(longest)).length < length) resources.push(prefix + 'x'.repeat(longest));
  const policy = build(1 + length - JSON.stringify(build(1)).length);
  expect(JSON.stringify(policy)).toHaveLength(length);
  return policy;
}

// ---------------------------------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------------------------------

describe('body validation', () => {
  const statement = { Effect: 'Allow', Action: ['obs:object:PutObject'], Resource: ['obs:*:*:object:b/*'] };
  const withStatement = (overrides: Record<string, unknown>) => body({ policy: { Version: '1.1', Statement: [{ ...statement, ...overrides }] } });
  const withPolicy = (policy: unknown) => body({ policy });

  const cases: [string, string, RegExp, unknown][] = [
    ['unknown top-level field', 'IAM.0011', /'extra' was unexpected in the body/, { ...body({}), extra: 1 }],
    ['unknown field in auth', 'IAM.0011', /'scope' was unexpected in auth/, { auth: { identity: { methods: ['token'] }, scope: {} } }],
    ['assume_role block (the other method)', 'IAM.0011', /'assume_role' was unexpected in auth\.identity/, body({ assume_role: { agency_name: 'x' } })],
    ['unknown field in token', 'IAM.0011', /'duration' was unexpected in auth\.identity\.token/, body({ token: { duration: 900 } })],
    ['mis-cased field', 'IAM.0011', /'Policy' was unexpected/, body({ Policy: POLICY })],
    ['missing auth', 'IAM.0072', /^'auth' is a required property\.$/, {}],
    ['missing identity', 'IAM.0072', /^'auth\.identity' is a required property\.$/, { auth: {} }],
    ['missing methods', 'IAM.0072', /^'auth\.identity\.methods' is a required property\.$/, { auth: { identity: {} } }],
    ['auth not an object', 'IAM.0073', /'auth'/, { auth: 'token' }],
    ['methods password', 'IAM.0073', /'auth\.identity\.methods'.*\["password"\]/, { auth: { identity: { methods: ['password'] } } }],
    ['methods assume_role', 'IAM.0073', /token method only/, { auth: { identity: { methods: ['assume_role'] } } }],
    ['methods as a string', 'IAM.0073', /auth\.identity\.methods/, { auth: { identity: { methods: 'token' } } }],
    ['methods twice', 'IAM.0073', /auth\.identity\.methods/, { auth: { identity: { methods: ['token', 'token'] } } }],
    ['methods empty', 'IAM.0073', /auth\.identity\.methods/, { auth: { identity: { methods: [] } } }],
    ['token not an object', 'IAM.0073', /'auth\.identity\.token'/, body({ token: 'MIIT' })],
    ['token.id a number', 'IAM.0073', /auth\.identity\.token\.id/, body({ token: { id: 12 } })],
    ['duration as a string', 'IAM.0073', /duration_seconds'\. The value is '"900"'/, body({ token: { duration_seconds: '900' } })],
    ['duration fractional', 'IAM.0073', /integer/, body({ token: { duration_seconds: 900.5 } })],
    ['duration null', 'IAM.0073', /integer/, body({ token: { duration_seconds: null } })],
    ['duration 899', 'IAM.0073', /900\.\.86400/, body({ token: { duration_seconds: 899 } })],
    ['duration 86401', 'IAM.0073', /900\.\.86400/, body({ token: { duration_seconds: 86401 } })],
    ['policy as a JSON string', 'IAM.0073', /'auth\.identity\.policy'.*not a string/, withPolicy(JSON.stringify(POLICY))],
    ['policy an array', 'IAM.0073', /'auth\.identity\.policy'/, withPolicy([POLICY])],
    ['policy null', 'IAM.0073', /'auth\.identity\.policy'/, withPolicy(null)],
    ['policy of 2049 characters', 'IAM.0073', /2049 characters, at most 2048/, withPolicy(policyOfLength(2049))],
    ['Version 1.0', 'IAM.0073', /policy\.Version'.*"1\.0"/, withPolicy({ ...POLICY, Version: '1.0' })],
    ['Version 5.0 (the STS grammar)', 'IAM.0073', /policy\.Version/, withPolicy({ ...POLICY, Version: '5.0' })],
    ['Version as a number', 'IAM.0073', /policy\.Version/, withPolicy({ ...POLICY, Version: 1.1 })],
    ['Version missing', 'IAM.0073', /policy\.Version/, withPolicy({ Statement: POLICY.Statement })],
    ['unknown policy element', 'IAM.0073', /policy\.Id'/, withPolicy({ ...POLICY, Id: 'x' })],
    ['lower-case keys', 'IAM.0073', /policy\.version'/, withPolicy({ version: '1.1', statement: POLICY.Statement })],
    ['Statement missing', 'IAM.0073', /policy\.Statement'/, withPolicy({ Version: '1.1' })],
    ['Statement empty', 'IAM.0073', /1\.\.8 statements/, withPolicy({ Version: '1.1', Statement: [] })],
    ['9 statements', 'IAM.0073', /1\.\.8 statements/, withPolicy({ Version: '1.1', Statement: Array.from({ length: 9 }, () => statement) })],
    ['Statement an object', 'IAM.0073', /policy\.Statement'/, withPolicy({ Version: '1.1', Statement: statement })],
    ['statement a string', 'IAM.0073', /Statement\[0\]'/, withPolicy({ Version: '1.1', Statement: ['allow all'] })],
    ['statement with Principal', 'IAM.0073', /Statement\[0\]\.Principal'/, withStatement({ Principal: '*' })],
    ['Effect allow (lower case)', 'IAM.0073', /Statement\[0\]\.Effect'/, withStatement({ Effect: 'allow' })],
    ['Effect missing', 'IAM.0073', /Statement\[0\]\.Effect'/, withStatement({ Effect: undefined })],
    ['Action missing', 'IAM.0073', /Statement\[0\]\.Action'/, withStatement({ Action: undefined })],
    ['Action a string', 'IAM.0073', /Statement\[0\]\.Action'/, withStatement({ Action: 'obs:object:PutObject' })],
    ['Action empty', 'IAM.0073', /1\.\.100 actions/, withStatement({ Action: [] })],
    ['101 actions', 'IAM.0073', /1\.\.100 actions/, withStatement({ Action: Array.from({ length: 101 }, (_, i) => `obs:object:Op${i}`) })],
    ['Action with an upper-case service', 'IAM.0073', /Action\[0\]'.*lower-case service/, withStatement({ Action: ['OBS:object:PutObject'] })],
    ['Action of two parts', 'IAM.0073', /Action\[1\]'/, withStatement({ Action: ['obs:object:GetObject', 'obs:PutObject'] })],
    ['Action a number', 'IAM.0073', /Action\[0\]'/, withStatement({ Action: [1] })],
    ['Resource a string', 'IAM.0073', /Statement\[0\]\.Resource'/, withStatement({ Resource: 'obs:*:*:object:b/*' })],
    ['Resource empty', 'IAM.0073', /1\.\.10 resources/, withStatement({ Resource: [] })],
    ['11 resources', 'IAM.0073', /1\.\.10 resources/, withStatement({ Resource: Array.from({ length: 11 }, () => 'obs:*:*:object:b/*') })],
    ['a 129-character resource', 'IAM.0073', /Resource\[0\]'.*128/, withStatement({ Resource: [`obs:*:*:object:${'b'.repeat(114)}`] })],
    ['Resource with upper-case OBS', 'IAM.0073', /Resource\[0\]'/, withStatement({ Resource: ['OBS:*:*:object:b/*'] })],
    ['Resource of another service', 'IAM.0073', /Resource\[0\]'/, withStatement({ Resource: ['ecs:*:*:instance:*'] })],
    ['Resource with a space in the path', 'IAM.0073', /Resource\[0\]'/, withStatement({ Resource: ['obs:*:*:object:b/a b/*'] })],
    ['Resource with a non-ASCII path', 'IAM.0073', /Resource\[0\]'/, withStatement({ Resource: ['obs:*:*:object:b/文档/*'] })],
    ['Resource with an unknown type', 'IAM.0073', /Resource\[0\]'/, withStatement({ Resource: ['obs:*:*:file:b/*'] })],
    ['Resource with four parts', 'IAM.0073', /Resource\[0\]'/, withStatement({ Resource: ['obs:*:object:b/*'] })],
    ['Condition a string', 'IAM.0073', /Statement\[0\]\.Condition'/, withStatement({ Condition: 'obs:prefix=public' })],
    ['Condition operator with an array', 'IAM.0073', /Condition\.StringEquals'/, withStatement({ Condition: { StringEquals: ['public'] } })],
    ['Condition key without namespace', 'IAM.0073', /Condition\.StringEquals\.prefix'/, withStatement({ Condition: { StringEquals: { prefix: ['public'] } } })],
    ['Condition values a string', 'IAM.0073', /Condition\.StringEquals\.obs:prefix'/, withStatement({ Condition: { StringEquals: { 'obs:prefix': 'public' } } })],
    ['Condition values numbers', 'IAM.0073', /obs:prefix'/, withStatement({ Condition: { NumericEquals: { 'obs:prefix': [1] } } })],
    ['Condition operator malformed', 'IAM.0073', /Condition\.String Equals'/, withStatement({ Condition: { 'String Equals': { 'obs:prefix': ['a'] } } })],
    ['11 conditions', 'IAM.0073', /11 conditions, at most 10/, withStatement({ Condition: { StringEquals: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`obs:k${i}`, ['v']])) } })],
  ];

  it.each(cases)('%s -> 400 %s', async (_name, code, message, requestBody) => {
    const response = await tokenCall({ body: requestBody });
    expectError(response, 400, code, message);
    expect(emulator.rejections).toEqual([{ status: 400, code }]);
    expect(emulator.calls).toEqual([]);
  });

  it.each([
    ['not JSON', '{"auth":'],
    ['empty', ''],
    ['an array', '[]'],
    ['a string', '"token"'],
    ['null', 'null'],
  ])('body %s -> 400 IAM.0011', async (_name, raw) => {
    expectError(await tokenCall({ raw }), 400, 'IAM.0011', /^Request body is invalid\. \(/);
  });

  it.each([
    ['text/plain', { 'Content-Type': 'text/plain' }],
    ['form-encoded', { 'Content-Type': 'application/x-www-form-urlencoded' }],
    ['absent', { 'Content-Type': undefined }],
    ['application/jsonp', { 'Content-Type': 'application/jsonp' }],
  ])('Content-Type %s -> 400 IAM.0011', async (_name, headers) => {
    expectError(await tokenCall({ headers }), 400, 'IAM.0011', /Content-Type/);
    expect(emulator.calls).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// Routing and authentication
// ---------------------------------------------------------------------------------------------------------------------

describe('routing', () => {
  it.each([
    ['GET on the path', { method: 'GET' }, /only POST/],
    ['PUT on the path', { method: 'PUT' }, /only POST/],
    ['another IAM path', { path: '/v3/auth/tokens' }, /\/v3\/auth\/tokens/],
    ['a trailing slash', { path: `${PATH}/` }, /securitytokens\//],
    ['another case', { path: PATH.toLowerCase() }, /os-credential/],
  ])('%s -> 404 APIGW.0101', async (_name, change, message) => {
    expectError(await tokenCall(change), 404, 'APIGW.0101', message);
    expect(emulator.rejections).toEqual([{ status: 404, code: 'APIGW.0101' }]);
  });

  it('routing comes before authentication, authentication before the body', async () => {
    expectError(await tokenCall({ path: '/v3/x', token: 'bad', raw: '{' }), 404, 'APIGW.0101');
    expectError(await tokenCall({ token: 'bad', raw: '{' }), 401, 'APIGW.0301');
    expectError(await tokenCall({ raw: '{' }), 400, 'IAM.0011');
  });
});

describe('token authentication', () => {
  it('no credentials at all -> 401 IAM.0001', async () => {
    expectError(await tokenCall({ headers: { 'X-Auth-Token': undefined } }), 401, 'IAM.0001', /^The request you have made requires authentication\./);
  });

  it('the deprecated body token.id alone does not authenticate', async () => {
    const response = await tokenCall({ headers: { 'X-Auth-Token': undefined }, body: body({ token: { id: AGENCY_TOKEN } }) });
    expectError(response, 401, 'IAM.0001', /token\.id is not accepted/);
  });

  it.each([
    ['an unknown token', OTHER_TOKEN],
    ['an empty token', ''],
    ['a prefix of the token', AGENCY_TOKEN.slice(0, -1)],
    ['the token with a different case', AGENCY_TOKEN.toLowerCase()],
  ])('%s -> 401 APIGW.0301 decrypt token fail', async (_name, token) => {
    expectError(await tokenCall({ token }), 401, 'APIGW.0301', /^Incorrect IAM authentication information: decrypt token fail$/);
    expect(emulator.calls).toEqual([]);
  });

  it('the token sent twice -> 401', async () => {
    const request = withToken();
    expectError(await send({ ...request, headers: { ...request.headers, 'X-Auth-Token': [AGENCY_TOKEN, AGENCY_TOKEN] } }), 401, 'APIGW.0301');
  });

  it('X-Auth-Token and Authorization together -> 401 (二选一)', async () => {
    const request = signed();
    expectError(await send({ ...request, headers: { ...request.headers, 'X-Auth-Token': AGENCY_TOKEN } }), 401, 'APIGW.0301', /alternatives/);
  });

  it('reads the token list on every request', async () => {
    expectError(await tokenCall({ token: OTHER_TOKEN }), 401, 'APIGW.0301');
    tokens.push(OTHER_TOKEN);
    expect((await tokenCall({ token: OTHER_TOKEN })).status).toBe(201);
    tokens.splice(0, tokens.length);
    expectError(await tokenCall({ token: AGENCY_TOKEN }), 401, 'APIGW.0301');
  });
});

describe('AK/SK authentication', () => {
  it.each<[string, SignOptions, RegExp]>([
    ['unknown AK', { caller: { ak: 'UNKNOWNAK00000000000', sk: 'x' } }, /Get secretKey failed,ak:UNKNOWNAK00000000000,err:ak not exist$/],
    ['wrong secret key', { caller: { ...TEMP, sk: 'wrong' } }, /verify aksk signature fail, canonicalRequest:POST\|\/v3\.0\/OS-CREDENTIAL\/securitytokens\/\|\|content-type:application\/json;charset=UTF-8\|host:127\.0\.0\.1:\d+\|x-sdk-date:20261122T051801Z\|x-security-token:/],
    ['temporary key without X-Security-Token', { caller: { ak: TEMP.ak, sk: TEMP.sk } }, /X-Security-Token is required/],
    ['temporary key with another token', { caller: { ...TEMP, token: 'gQother' } }, /X-Security-Token does not belong/],
    ['temporary key with an empty token', { caller: { ...TEMP, token: '' } }, /X-Security-Token is required/],
    ['permanent key with a token', { caller: { ...PERMANENT, token: 'stale' } }, /permanent key/],
    ['X-Sdk-Date 901 s old', { date: NOW - 901_000 }, /signature expired, signature time:20261122T050300Z,server time:20261122T051801Z$/],
    ['X-Sdk-Date 901 s ahead', { date: NOW + 901_000 }, /signature expired/],
  ])('%s -> 401 APIGW.0301', async (_name, options, message) => {
    const response = await akskCall(options);
    expectError(response, 401, 'APIGW.0301', message);
    expect(response.json['error_msg']).toMatch(/^Incorrect IAM authentication information: /);
    expect(emulator.rejections).toEqual([{ status: 401, code: 'APIGW.0301' }]);
    expect(emulator.calls).toEqual([]);
  });

  it('a token added after signing (so unsigned) -> 401', async () => {
    const request = signed({ caller: { ak: TEMP.ak, sk: TEMP.sk } });
    const response = await send({ ...request, headers: { ...request.headers, 'X-Security-Token': TEMP.token } });
    expectError(response, 401, 'APIGW.0301', /SignedHeaders must include x-security-token$/);
  });

  it('a request replayed after 15 minutes is refused; within the window it is not (APIG keeps no nonce)', async () => {
    const captured = signed();
    clock = NOW + 10 * 60_000;
    expect((await send(captured)).status).toBe(201);
    clock = NOW + 16 * 60_000;
    expectError(await send(captured), 401, 'APIGW.0301', /signature expired/);
    expect(emulator.calls).toHaveLength(1);
  });

  it('honours allowedSkewSeconds', async () => {
    await restart({ allowedSkewSeconds: 60 });
    expectError(await akskCall({ date: NOW - 61_000 }), 401, 'APIGW.0301', /signature expired/);
    expect((await akskCall({ date: NOW - 60_000 })).status).toBe(201);
  });

  it.each<[string, (request: Sendable) => Sendable, RegExp]>([
    ['the body (a value)', (r) => ({ ...r, body: r.body.replace('900', '901') }), /verify aksk signature fail/],
    ['the body (whitespace only)', (r) => ({ ...r, body: `${r.body} ` }), /verify aksk signature fail/],
    ['the body (policy added)', (r) => ({ ...r, body: JSON.stringify(body({ policy: POLICY })) }), /verify aksk signature fail/],
    ['a signed header (Content-Type)', withHeader('Content-Type', 'application/json'), /verify aksk signature fail/],
    ['the Host', withHeader('host', 'iam.myhuaweicloud.com'), /verify aksk signature fail/],
    ['X-Sdk-Date within the window', withHeader('X-Sdk-Date', sdkDate(NOW + 1000)), /verify aksk signature fail/],
    ['an added query string', (r) => ({ ...r, path: `${r.path}?duration_seconds=86400` }), /verify aksk signature fail/],
    ['one digit of the signature', withAuthorization((a) => a.slice(0, -1) + (a.endsWith('0') ? '1' : '0')), /verify aksk signature fail/],
    ['the AK swapped for the permanent one', withAuthorization((a) => a.replace(TEMP.ak, PERMANENT.ak)), /permanent key/],
    ['lower-case algorithm', withAuthorization((a) => a.replace('SDK-HMAC-SHA256', 'sdk-hmac-sha256')), /invalid Authorization: unsupported algorithm/],
    ['lower-case Access', withAuthorization((a) => a.replace('Access=', 'access=')), /invalid Authorization: unexpected Authorization element "access=/],
    ['lower-case SignedHeaders', withAuthorization((a) => a.replace('SignedHeaders=', 'signedheaders=')), /invalid Authorization/],
    ['host left out of SignedHeaders', withAuthorization((a) => a.replace('content-type;host;', 'content-type;')), /SignedHeaders must include host$/],
    ['x-sdk-date left out of SignedHeaders', withAuthorization((a) => a.replace(';x-sdk-date;', ';')), /SignedHeaders must include x-sdk-date$/],
    ['unsorted SignedHeaders', withAuthorization((a) => a.replace('content-type;host', 'host;content-type')), /sorted/],
    ['X-Sdk-Date removed', (r) => ({ ...r, headers: { ...r.headers, 'X-Sdk-Date': undefined } }), /signed header x-sdk-date is absent$/],
    ['a signed header sent twice', (r) => ({ ...r, headers: { ...r.headers, 'Content-Type': ['application/json;charset=UTF-8', 'text/plain'] } }), /signed header content-type is repeated$/],
    ['Authorization garbage', withHeader('Authorization', 'Bearer abc'), /unsupported algorithm "Bearer"/],
  ])('tampering: %s -> 401', async (_name, change, message) => {
    expectError(await send(change(signed())), 401, 'APIGW.0301', message);
    expect(emulator.calls).toEqual([]);
  });

  it('X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD is honoured as APIG documents it: the body is then not protected', async () => {
    const request = signed({ headers: { 'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD' } });
    const response = await send({ ...request, body: JSON.stringify(body({ token: { duration_seconds: 86400 } })) });
    expect(response.status).toBe(201);
    expect(emulator.calls[0]?.durationSeconds).toBe(86400);
  });

  it('reads callers on every request', async () => {
    const callers: Record<string, { secretKey: string; securityToken?: string }> = {};
    await restart({ callers });
    expectError(await akskCall({ caller: PERMANENT }), 401, 'APIGW.0301', /ak not exist/);
    callers[PERMANENT.ak] = { secretKey: PERMANENT.sk };
    expect((await akskCall({ caller: PERMANENT })).status).toBe(201);
  });

  it('without callers only tokens authenticate', async () => {
    await restart({ callers: undefined });
    expectError(await akskCall({ caller: PERMANENT }), 401, 'APIGW.0301', /ak not exist/);
    expect((await tokenCall()).status).toBe(201);
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// Faults and bookkeeping
// ---------------------------------------------------------------------------------------------------------------------

describe('faults', () => {
  it('error: answers with the IAM error body once, then normally', async () => {
    emulator.injectFault({ kind: 'error', status: 403, code: 'IAM.0002' });
    const denied = await tokenCall();
    expectError(denied, 403, 'IAM.0002', /^You are not authorized to perform the requested action\.$/);
    expect((await tokenCall()).status).toBe(201);
    expect(emulator.rejections).toEqual([]);
    expect(emulator.calls).toHaveLength(1);
    expect(emulator.requestCount()).toBe(2);
  });

  it('error: an APIGW code gets APIG envelope with request_id; a given message is used', async () => {
    emulator.injectFault({ kind: 'error', status: 429, code: 'APIGW.0308', message: 'The throttling threshold has been reached: policy user over ratelimit,limit:5,time:1 second' });
    const throttled = await tokenCall();
    expectError(throttled, 429, 'APIGW.0308', /^The throttling threshold has been reached/);
  });

  it('raw: sends a truncated body as is; queued faults apply in order', async () => {
    emulator.injectFault({ kind: 'raw', status: 201, body: '{"credential":{"access":"AK' });
    emulator.injectFault({ kind: 'raw', status: 502, body: '<html>Bad Gateway</html>', contentType: 'text/html' });
    const first = await tokenCall();
    expect([first.status, first.text, first.headers['content-type']]).toEqual([201, '{"credential":{"access":"AK', 'application/json;charset=UTF-8']);
    const second = await tokenCall();
    expect([second.status, second.text, second.headers['content-type']]).toEqual([502, '<html>Bad Gateway</html>', 'text/html']);
    expect((await tokenCall()).status).toBe(201);
    expect(emulator.calls).toHaveLength(1);
  });

  it('persistent: applies to every request until cleared, after the one-shot faults', async () => {
    emulator.injectFault({ kind: 'error', status: 500, code: 'IAM.0006' }, { persistent: true });
    emulator.injectFault({ kind: 'error', status: 503, code: 'APIGW.0201' });
    expect((await tokenCall()).status).toBe(503);
    expectError(await tokenCall(), 500, 'IAM.0006', /^An unexpected error prevented/);
    expect((await tokenCall()).status).toBe(500);
    emulator.clearFaults();
    expect((await tokenCall()).status).toBe(201);
  });

  delayCases(
    () => emulator,
    async () => expect((await tokenCall()).status).toBe(201),
    async () => expectError(await tokenCall({ token: OTHER_TOKEN }), 401, 'APIGW.0301'),
  );

  closeCases(() => emulator, () => tokenCall());
});

describe('bookkeeping', () => {
  it('counts every request and records rejections; reset() clears everything', async () => {
    await tokenCall();
    await tokenCall({ token: OTHER_TOKEN });
    await tokenCall({ body: body({ token: { duration_seconds: 1 } }) });
    emulator.injectFault({ kind: 'error', status: 500, code: 'IAM.0006' });
    await tokenCall();
    expect(emulator.requestCount()).toBe(4);
    expect(emulator.calls).toHaveLength(1);
    expect(emulator.rejections).toEqual([
      { status: 401, code: 'APIGW.0301' },
      { status: 400, code: 'IAM.0073' },
    ]);

    emulator.injectFault({ kind: 'error', status: 500, code: 'IAM.0006' }, { persistent: true });
    const calls = emulator.calls;
    const rejections = emulator.rejections;
    emulator.reset();
    expect([emulator.requestCount(), calls.length, rejections.length]).toEqual([0, 0, 0]);
    expect((await tokenCall()).status).toBe(201);
  });

  listenerCases(() => emulator, (port) => restart({ port }), async () => expect((await akskCall()).status).toBe(201));

  it('an unexpected failure is answered with 500 IAM.0006 instead of hanging', async () => {
    tokens.unshift(42 as unknown as string);
    const response = await tokenCall();
    expect(Object.keys(response.json)).toEqual(['error_msg', 'error_code']);
    expect(response.status).toBe(500);
    expect(response.json['error_code']).toBe('IAM.0006');
    expect(response.json['error_msg']).toMatch(/^An unexpected error prevented the server from fulfilling your request\. \(TypeError/);
    expect(emulator.calls).toEqual([]);
  });

  it('refuses impossible options', async () => {
    await expect(start({ allowedSkewSeconds: -1 })).rejects.toThrow(RangeError);
    await expect(start({ allowedSkewSeconds: Number.NaN })).rejects.toThrow(RangeError);
  });
});
