/**
 * The built dist/tencent/index.js, loaded as SCF loads it (CommonJS, configuration and the role's keys
 * in the environment), fed both SCF HTTP event shapes, against a loopback JWKS and the STS emulator.
 */
import { existsSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { attackCases, bearer } from '../helpers/attack-cases.js';
import { type BundleHandler, captureConsole, coldStart, late, withJson } from '../helpers/bundle-harness.js';
import { expectNoSecrets } from '../helpers/log-capture.js';
import { apiGatewayEvent, functionUrlEvent, type TencentFixture, startTencentFixture } from '../helpers/tencent-fixture.js';

const BUNDLE = new URL('../../dist/tencent/index.js', import.meta.url);

let fx: TencentFixture;
let handler: BundleHandler;
let consoleLines: ReturnType<typeof captureConsole>;
const bodies: string[] = [];

async function invoke(event: unknown, context = fx.context(), instance = handler) {
  const response = await instance(event, context);
  bodies.push(response.body);
  return withJson(response);
}

beforeAll(async () => {
  fx = await startTencentFixture();
  // The bundle logs with console; keep its lines to check them for secrets.
  consoleLines = captureConsole();
  handler = coldStart(BUNDLE, 'main_handler', fx.env);
  // SCF reads the role's keys from the environment on every invocation, not only at cold start.
  for (const name of ['TENCENTCLOUD_SECRETID', 'TENCENTCLOUD_SECRETKEY', 'TENCENTCLOUD_SESSIONTOKEN']) process.env[name] = fx.env[name];
});

afterEach(() => {
  fx.sts.reset();
  expectNoSecrets(consoleLines.lines, fx.secrets());
  expectNoSecrets(bodies.filter((b) => !b.includes('"accessKeyId"')), [fx.role.secretKey, fx.role.token]);
  bodies.length = 0;
});

afterAll(async () => {
  consoleLines.restore();
  for (const name of ['TENCENTCLOUD_SECRETID', 'TENCENTCLOUD_SECRETKEY', 'TENCENTCLOUD_SESSIONTOKEN']) delete process.env[name];
  await fx.close();
});

describe('dist/tencent/index.js', () => {
  it('exists as one CommonJS file with a source map', () => {
    expect(existsSync(BUNDLE.pathname)).toBe(true);
    expect(existsSync(`${BUNDLE.pathname}.map`)).toBe(true);
  });

  it.each([
    ['a Function URL event', 'url-user', (token: string) => functionUrlEvent({ headers: bearer(token) })],
    ['an API Gateway event', 'apigw-user', (token: string) => apiGatewayEvent({ headers: bearer(token) })],
  ])('issues scoped COS keys for %s', async (_shape, sub, build) => {
    const res = await invoke(build(await fx.idp.mint({ sub })));
    expect(res.statusCode).toBe(200);
    expect(res.isBase64Encoded).toBe(false);
    expect(res.headers['Cache-Control']).toBe('no-store');
    const issued = fx.sts.calls[0]?.issued;
    expect(res.json).toEqual({
      provider: 'tencent',
      accessKeyId: issued?.tmpSecretId,
      accessKeySecret: issued?.tmpSecretKey,
      securityToken: issued?.token,
      expiration: new Date((issued?.expiredTime ?? 0) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      startTime: expect.any(Number),
      expiredTime: issued?.expiredTime,
      bucket: 'media-1250000000',
      region: 'ap-guangzhou',
      prefix: `users/${sub}/`,
      actions: ['get', 'put', 'list'],
      // Issue 15: the one grant of a one-rule deployment.
      grants: [{ rule: 'default', prefix: `users/${sub}/`, actions: ['get', 'put', 'list'] }],
    });
  });

  it('sends STS the role token as X-TC-Token and a CAM policy for the user’s prefix only', async () => {
    await invoke(functionUrlEvent({ headers: bearer(await fx.idp.mint({ sub: 'policy-user' })) }));
    const sent = fx.sts.calls[0];
    expect(sent).toMatchObject({
      callerSecretId: fx.role.secretId,
      token: fx.role.token,
      region: 'ap-guangzhou',
      roleArn: 'qcs::cam::uin/100000000001:roleName/stsgate-cos',
      roleSessionName: 'policy-user',
      durationSeconds: 1800,
    });
    const policy = JSON.parse(sent?.policy ?? '{}');
    expect(JSON.stringify(policy)).not.toMatch(/principal/i);
    expect(policy).toEqual({
      version: '2.0',
      statement: [
        {
          effect: 'allow',
          action: [
            'name/cos:GetObject',
            'name/cos:HeadObject',
            'name/cos:PutObject',
            'name/cos:PostObject',
            'name/cos:AppendObject',
            'name/cos:InitiateMultipartUpload',
            'name/cos:ListMultipartUploads',
            'name/cos:ListParts',
            'name/cos:UploadPart',
            'name/cos:CompleteMultipartUpload',
            'name/cos:AbortMultipartUpload',
          ],
          resource: ['qcs::cos:ap-guangzhou:uid/1250000000:media-1250000000/users/policy-user/*'],
        },
        {
          effect: 'allow',
          action: ['name/cos:GetBucket'],
          resource: ['qcs::cos:ap-guangzhou:uid/1250000000:media-1250000000/*'],
          condition: { string_like: { 'cos:prefix': 'users/policy-user/*' } },
        },
      ],
    });
  });

  it('decodes a base64 API Gateway body', async () => {
    const res = await invoke(apiGatewayEvent({ headers: bearer(await fx.idp.mint({ sub: 'b64' })), body: '{"actions":["get"]}', base64: true }));
    expect(res.statusCode).toBe(200);
    expect(res.json?.actions).toEqual(['get']);
  });

  it('answers the CORS preflight from a Function URL without a token', async () => {
    const res = await invoke(functionUrlEvent({ method: 'OPTIONS', headers: { Origin: 'https://app.example.com' } }));
    expect(res.statusCode).toBe(204);
    expect(res.headers['Access-Control-Allow-Origin']).toBe('https://app.example.com');
  });

  it('makes one STS call for 20 concurrent identical requests', async () => {
    const token = await fx.idp.mint({ sub: 'burst' });
    const results = await Promise.all(Array.from({ length: 20 }, () => invoke(functionUrlEvent({ headers: bearer(token) }))));
    expect(results.every((r) => r.statusCode === 200)).toBe(true);
    expect(fx.sts.calls).toHaveLength(1);
  });

  it('answers a non-HTTP event with 400', async () => {
    for (const event of [null, 'x', {}, { httpMethod: 42 }, { httpMethod: 'POST', body: { not: 'a string' } }]) {
      const res = await invoke(event);
      expect(res.statusCode).toBe(400);
    }
  });
});

describe('the attack list against the Tencent bundle: each gets its 4xx and makes no STS call', () => {
  it.each(attackCases(late(() => fx.idp)).map((c) => [c.name, c] as const))('%s', async (_name, attack) => {
    const before = fx.sts.requestCount();
    const request = await attack.build();
    const res = await invoke(functionUrlEvent({ headers: request.headers ?? {}, body: request.body ?? '' }));
    expect(res.statusCode).toBe(attack.status);
    expect(res.json?.error).toBe(attack.code);
    expect(fx.sts.requestCount()).toBe(before);
  });
});

describe('Tencent STS errors map to the documented statuses', () => {
  const request = async (sub: string, instance = handler) => invoke(functionUrlEvent({ headers: bearer(await fx.idp.mint({ sub })) }), fx.context(), instance);

  it.each([
    ['RequestLimitExceeded', 503, 'temporarily_unavailable', 1],
    ['RequestLimitExceeded.UinLimitExceeded', 503, 'temporarily_unavailable', 1],
    ['InvalidParameter.OverLimit', 503, 'temporarily_unavailable', 1],
    ['InternalError.SystemError', 503, 'temporarily_unavailable', 3],
    ['AuthFailure.TokenFailure', 502, 'upstream_error', 1],
    ['InvalidParameter.GrantOtherResource', 502, 'upstream_error', 1],
    ['ResourceNotFound.RoleNotFound', 502, 'upstream_error', 1],
  ])('%s → %i %s after %i call(s)', async (code, status, error, calls) => {
    // Persistent: a failure that is retried (STS's own trouble) reaches the caller only once it outlasts the
    // retries; throttling is not retried and pauses the instance's calls, hence an instance per case.
    fx.sts.injectFault({ kind: 'error', code }, { persistent: true });
    const res = await request(`err-${code.length}-${status}`, coldStart(BUNDLE, 'main_handler', fx.env));
    expect(fx.sts.requestCount()).toBe(calls);
    expect(res.statusCode).toBe(status);
    expect(res.json).toMatchObject({ error, upstream_code: code });
    if (status === 503) expect(res.headers['Retry-After']).toBe('1');
  });

  it.each([
    ['truncated JSON', '{"Response":{"Credentials":'],
    ['missing credentials', '{"Response":{"RequestId":"x","ExpiredTime":1}}'],
    ['no expiry', '{"Response":{"Credentials":{"Token":"t","TmpSecretId":"i","TmpSecretKey":"k"}}}'],
    ['a bad Expiration', '{"Response":{"Credentials":{"Token":"t","TmpSecretId":"i","TmpSecretKey":"k"},"Expiration":"soon"}}'],
    ['ExpiredTime and Expiration disagreeing', '{"Response":{"Credentials":{"Token":"t","TmpSecretId":"i","TmpSecretKey":"k"},"ExpiredTime":1900000000,"Expiration":"2030-01-01T00:00:00Z"}}'],
  ])('a 200 with %s → 502', async (_name, body) => {
    fx.sts.injectFault({ kind: 'raw', status: 200, body });
    const res = await request(`raw-${_name.length}`);
    expect(res.statusCode).toBe(502);
    expect(res.json?.upstream_code).toBe('InvalidResponse');
  });

  it('takes the expiry from Expiration when ExpiredTime is missing', async () => {
    fx.sts.injectFault({ kind: 'raw', status: 200, body: '{"Response":{"Credentials":{"Token":"tok-iso-only","TmpSecretId":"AKIDiso","TmpSecretKey":"key-iso-only"},"Expiration":"2031-05-01T10:00:00Z","RequestId":"r"}}' });
    const res = await request('iso-only');
    expect(res.statusCode).toBe(200);
    expect(res.json).toMatchObject({ expiration: '2031-05-01T10:00:00Z', expiredTime: Date.parse('2031-05-01T10:00:00Z') / 1000 });
  });

  it('a 5xx without a body → 503', async () => {
    fx.sts.injectFault({ kind: 'raw', status: 502, body: 'bad gateway' }, { persistent: true });
    expect((await request('gw')).statusCode).toBe(503);
  });
});
