/**
 * The Aliyun function in-process (source, not bundle): FC3 events in, FC3 responses out, against a
 * loopback identity provider and the STS emulator. Every test also checks that no log line and no
 * response body carries a secret.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { aliyun } from '../../lib/clouds/aliyun.js';
import { createTokenFunction } from '../../lib/token-function.js';
import { createFc3Handler, type Fc3Handler } from '../../functions/aliyun/handler.js';
import { type AliyunFixture, bearer, fc3Event, startAliyunFixture } from '../helpers/aliyun-fixture.js';
import { captureLogs, expectNoSecrets } from '../helpers/log-capture.js';
import { attackCases } from '../helpers/attack-cases.js';
import { late } from '../helpers/bundle-harness.js';

let fx: AliyunFixture;
let logs: ReturnType<typeof captureLogs>;
let handler: Fc3Handler;
const bodies: string[] = [];

const makeHandler = (env: Record<string, string | undefined> = {}, stsTimeoutMs = 2000) =>
  createFc3Handler(createTokenFunction(aliyun, { env: { ...fx.env, ...env }, logger: logs, stsTimeoutMs }), { ...fx.env, ...env });

async function call(h: Fc3Handler, init: Parameters<typeof fc3Event>[0], context = fx.context()) {
  const response = await h(fc3Event(init), context);
  bodies.push(response.body);
  return { ...response, json: response.body ? (JSON.parse(response.body) as Record<string, unknown>) : undefined };
}

beforeAll(async () => {
  fx = await startAliyunFixture();
  logs = captureLogs();
  handler = makeHandler();
});

afterEach(() => {
  fx.sts.reset();
  expectNoSecrets([...logs.lines.map((l) => l.text)], fx.secrets());
  // Response bodies legitimately carry issued keys; they must never carry the role's own credentials.
  expectNoSecrets(bodies.filter((b) => !b.includes('"accessKeyId"')), [fx.role.accessKeySecret, fx.role.securityToken]);
  bodies.length = 0;
});

afterAll(() => fx.close());

describe('issuing', () => {
  it('answers 200 with exactly the contract fields and no-store', async () => {
    const res = await call(handler, { headers: bearer(await fx.idp.mint({ sub: 'alice' })) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['Content-Type']).toBe('application/json');
    expect(res.headers['Cache-Control']).toBe('no-store');
    expect(Object.keys(res.json ?? {}).sort()).toEqual(
      ['accessKeyId', 'accessKeySecret', 'actions', 'bucket', 'expiration', 'expiredTime', 'grants', 'prefix', 'provider', 'region', 'securityToken', 'startTime'].sort(),
    );
    // Issue 15: a one-rule deployment's grants are its one grant, under the rule name `default`.
    expect(res.json?.grants).toEqual([{ rule: 'default', prefix: 'users/alice/', actions: ['get', 'put', 'list'] }]);
    const issued = fx.sts.calls[0]?.issued;
    expect(res.json).toMatchObject({
      provider: 'aliyun',
      accessKeyId: issued?.accessKeyId,
      accessKeySecret: issued?.accessKeySecret,
      securityToken: issued?.securityToken,
      expiration: issued?.expiration,
      bucket: 'media-bucket',
      region: 'cn-hangzhou',
      prefix: 'users/alice/',
      actions: ['get', 'put', 'list'],
    });
    expect(res.json?.expiredTime).toBe(Date.parse(String(issued?.expiration)) / 1000);
    expect(Number(res.json?.expiredTime) - Number(res.json?.startTime)).toBeGreaterThanOrEqual(1799);
  });

  it('sends STS a policy for the user’s own prefix and nothing else, as the user, with the role token', async () => {
    await call(makeHandler(), { headers: bearer(await fx.idp.mint({ sub: 'alice' })) });
    const sent = fx.sts.calls[0];
    expect(sent?.roleArn).toBe('acs:ram::1234567890123456:role/oss-upload');
    expect(sent?.roleSessionName).toBe('alice');
    expect(sent?.durationSeconds).toBe(1800);
    expect(sent?.securityToken).toBe(fx.role.securityToken);
    expect(JSON.parse(sent?.policy ?? '')).toEqual({
      Version: '1',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['oss:GetObject', 'oss:PutObject', 'oss:AbortMultipartUpload', 'oss:ListParts'],
          Resource: ['acs:oss:*:*:media-bucket/users/alice/*'],
        },
        {
          Effect: 'Allow',
          Action: ['oss:ListObjects'],
          Resource: ['acs:oss:*:*:media-bucket'],
          Condition: { StringLike: { 'oss:Prefix': ['users/alice/*'] } },
        },
      ],
    });
  });

  it('narrows the grant from the request body', async () => {
    const res = await call(makeHandler(), {
      headers: { ...bearer(await fx.idp.mint({ sub: 'alice' })), 'content-type': 'application/json' },
      body: JSON.stringify({ actions: ['get'], prefix: 'users/alice/photos/', durationSeconds: 900 }),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json).toMatchObject({ prefix: 'users/alice/photos/', actions: ['get'] });
    expect(JSON.parse(fx.sts.calls[0]?.policy ?? '').Statement).toEqual([
      { Effect: 'Allow', Action: ['oss:GetObject'], Resource: ['acs:oss:*:*:media-bucket/users/alice/photos/*'] },
    ]);
    expect(fx.sts.calls[0]?.durationSeconds).toBe(900);
  });

  it('reuses cached credentials and makes one STS call for 20 concurrent identical requests', async () => {
    const token = await fx.idp.mint({ sub: 'carol' });
    const results = await Promise.all(Array.from({ length: 20 }, () => call(handler, { headers: bearer(token) })));
    expect(results.every((r) => r.statusCode === 200)).toBe(true);
    expect(new Set(results.map((r) => r.json?.accessKeyId)).size).toBe(1);
    expect(fx.sts.calls).toHaveLength(1);
    const again = await call(handler, { headers: bearer(await fx.idp.mint({ sub: 'carol' })) });
    expect(again.json?.accessKeyId).toBe(results[0]?.json?.accessKeyId);
    expect(fx.sts.calls).toHaveLength(1);
    // A different scope is a different cache entry.
    await call(handler, { headers: bearer(token), body: '{"actions":["get"]}' });
    expect(fx.sts.calls).toHaveLength(2);
  });

  it('writes one structured log line per request', async () => {
    const before = logs.requests().length;
    await call(handler, { headers: bearer(await fx.idp.mint({ sub: 'dave' })) }, fx.context({ requestId: 'req-dave' }));
    const lines = logs.requests().slice(before);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ requestId: 'req-dave', provider: 'aliyun', subject: 'dave', outcome: 'issued', status: 200, cache: 'miss', credentialSource: 'invocation-context' });
    expect(typeof lines[0]?.latencyMs).toBe('number');
    expect(typeof lines[0]?.stsLatencyMs).toBe('number');
  });

  it('falls back to ALIBABA_CLOUD_* environment credentials when the context has none', async () => {
    const h = makeHandler({
      ALIBABA_CLOUD_ACCESS_KEY_ID: fx.role.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: fx.role.accessKeySecret,
      ALIBABA_CLOUD_SECURITY_TOKEN: fx.role.securityToken,
    });
    const res = await call(h, { headers: bearer(await fx.idp.mint({ sub: 'erin' })) }, fx.context({ credentials: undefined }));
    expect(res.statusCode).toBe(200);
    expect(logs.requests().at(-1)?.credentialSource).toBe('environment');
  });
});

describe('the attack list: each gets its 4xx and makes no STS call', () => {
  it.each(attackCases(late(() => fx.idp)).map((c) => [c.name, c] as const))('%s', async (_name, attack) => {
    const before = fx.sts.requestCount();
    const res = await call(handler, await attack.build());
    expect(res.statusCode).toBe(attack.status);
    expect(res.json?.error).toBe(attack.code);
    expect(typeof res.json?.error_description).toBe('string');
    expect(fx.sts.requestCount()).toBe(before);
    if (attack.status === 401) expect(res.headers['WWW-Authenticate']).toMatch(/^Bearer( error="invalid_token".*)?$/);
    if (attack.reason) expect(logs.requests().at(-1)).toMatchObject({ error: attack.code, reason: attack.reason });
  });

  it('a key jose cannot use for the algorithm (a 1024-bit RSA key in the JWKS) → 401 with reason unverifiable', async () => {
    const { createSign, generateKeyPairSync } = await import('node:crypto');
    const { createServer } = await import('node:http');
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    // A JWKS can hand out such a key at any time (JWT_PUBLIC_KEY refuses one at cold start).
    const jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'short', alg: 'RS256', use: 'sig' }] });
    const server = createServer((_, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as import('node:net').AddressInfo;
      const h = makeHandler({ JWT_JWKS_URL: `http://127.0.0.1:${port}/jwks.json` });
      // Signed by hand: jose itself refuses to sign with a key this short.
      const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const input = `${part({ alg: 'RS256', typ: 'JWT', kid: 'short' })}.${part({ sub: 'alice', iss: fx.idp.issuer, aud: fx.idp.audience, exp: Math.floor(Date.now() / 1000) + 300 })}`;
      const token = `${input}.${createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')}`;
      const res = await call(h, { headers: bearer(token) });
      expect(res.statusCode).toBe(401);
      expect(logs.requests().at(-1)).toMatchObject({ error: 'invalid_token', reason: 'unverifiable' });
    } finally {
      server.close();
    }
  });

  it('gives a missing header the bare Bearer challenge and a bad token the invalid_token one', async () => {
    expect((await call(handler, {})).headers['WWW-Authenticate']).toBe('Bearer');
    expect((await call(handler, { headers: bearer('a.b.c') })).headers['WWW-Authenticate']).toMatch(/^Bearer error="invalid_token", error_description="[^"]+"$/);
  });

  it('refuses an HS256 token when a public key is configured, too', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const h = makeHandler({ JWT_JWKS_URL: undefined, JWT_PUBLIC_KEY: pem });
    const { SignJWT } = await import('jose');
    const token = await new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'HS256' }).setIssuer(fx.idp.issuer).setAudience(fx.idp.audience).setExpirationTime('5m').sign(new TextEncoder().encode(pem));
    const res = await call(h, { headers: bearer(token) });
    expect(res.statusCode).toBe(401);
    expect(fx.sts.requestCount()).toBe(0);
  });
});

describe('HTTP behaviour', () => {
  it('answers a CORS preflight without a JWT, for allowed origins only', async () => {
    const ok = await call(handler, { method: 'OPTIONS', headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST' } });
    expect(ok.statusCode).toBe(204);
    expect(ok.headers).toMatchObject({ 'Access-Control-Allow-Origin': 'https://app.example.com', 'Access-Control-Allow-Methods': 'POST, OPTIONS', Vary: 'Origin' });
    expect(ok.headers['Access-Control-Allow-Headers']).toContain('authorization');
    const other = await call(handler, { method: 'OPTIONS', headers: { Origin: 'https://evil.example.com' } });
    expect(other.statusCode).toBe(204);
    expect(other.headers['Access-Control-Allow-Origin']).toBeUndefined();
  });

  it('adds CORS headers to successes and errors for allowed origins', async () => {
    const ok = await call(handler, { headers: { ...bearer(await fx.idp.mint({ sub: 'alice' })), origin: 'https://app.example.com' } });
    expect(ok.headers['Access-Control-Allow-Origin']).toBe('https://app.example.com');
    const denied = await call(handler, { headers: { ORIGIN: 'https://app.example.com' } });
    expect(denied.statusCode).toBe(401);
    expect(denied.headers['Access-Control-Allow-Origin']).toBe('https://app.example.com');
    expect(denied.headers['Access-Control-Expose-Headers']).toContain('WWW-Authenticate');
  });

  it('sends no CORS headers at all when CORS_ALLOWED_ORIGINS is unset', async () => {
    const h = makeHandler({ CORS_ALLOWED_ORIGINS: undefined });
    const res = await call(h, { method: 'OPTIONS', headers: { Origin: 'https://app.example.com' } });
    expect(Object.keys(res.headers).filter((k) => k.startsWith('Access-Control'))).toEqual([]);
  });

  it.each(['GET', 'PUT', 'DELETE'])('refuses %s with 405 and Allow', async (method) => {
    const res = await call(handler, { method, headers: bearer(await fx.idp.mint({ sub: 'alice' })) });
    expect(res.statusCode).toBe(405);
    expect(res.json?.error).toBe('method_not_allowed');
    expect(res.headers.Allow).toBe('POST, OPTIONS');
  });

  it('refuses a body over 16 KiB with 413, plain or base64', async () => {
    const token = await fx.idp.mint({ sub: 'alice' });
    const big = JSON.stringify({ prefix: `users/alice/${'x'.repeat(17 * 1024)}/` });
    for (const base64 of [false, true]) {
      const res = await call(handler, { headers: bearer(token), body: big, base64 });
      expect(res.statusCode).toBe(413);
      expect(res.json?.error).toBe('invalid_request');
    }
  });

  it('decodes a base64 body and refuses invalid base64 or UTF-8', async () => {
    const token = await fx.idp.mint({ sub: 'alice' });
    expect((await call(handler, { headers: bearer(token), body: '{"actions":["get"]}', base64: true })).json?.actions).toEqual(['get']);
    const badBase64 = await handler(Buffer.from(JSON.stringify({ ...JSON.parse(fc3Event({ headers: bearer(token) }).toString()), body: '%%%not base64', isBase64Encoded: true })), fx.context());
    expect(badBase64.statusCode).toBe(400);
    const badUtf8 = await handler(
      Buffer.from(JSON.stringify({ ...JSON.parse(fc3Event({ headers: bearer(token) }).toString()), body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64'), isBase64Encoded: true })),
      fx.context(),
    );
    expect(badUtf8.statusCode).toBe(400);
    expect(JSON.parse(badUtf8.body).error_description).toContain('UTF-8');
  });

  it('answers a non-HTTP or broken event with 400, never a throw', async () => {
    for (const event of [Buffer.from('not json'), Buffer.from('[]'), Buffer.from('{}'), null, 42, { requestContext: { http: { method: 7 } } }]) {
      const res = await handler(event, fx.context());
      expect(res.statusCode).toBe(400);
      expect(JSON.parse(res.body).error).toBe('invalid_request');
    }
  });
});

describe('per-subject rate limit (TOKEN_RATE_LIMIT)', () => {
  it('answers 429 with Retry-After over the limit, makes no STS call for it, and leaves other subjects alone', async () => {
    const limited = makeHandler({ TOKEN_RATE_LIMIT: '2' });
    const token = await fx.idp.mint({ sub: 'greedy' });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(limited, { headers: bearer(token) })).statusCode);
    expect(statuses).toEqual([200, 200, 429]);
    const refused = await call(limited, { headers: bearer(token) });
    expect(refused.json).toMatchObject({ error: 'rate_limited' });
    expect(Number(refused.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
    expect(fx.sts.requestCount()).toBe(1); // the two allowed requests share one STS call; the refused make none
    expect((await call(limited, { headers: bearer(await fx.idp.mint({ sub: 'modest' })) })).statusCode).toBe(200);
  });

  it('is off by default', async () => {
    const token = await fx.idp.mint({ sub: 'unlimited' });
    for (let i = 0; i < 30; i++) expect((await call(handler, { headers: bearer(token) })).statusCode).toBe(200);
  });
});

describe('per-subject limit on new keys (TOKEN_STS_RATE_LIMIT)', () => {
  const prefix = (sub: string, folder: string) => JSON.stringify({ prefix: `users/${sub}/${folder}/` });

  it('counts only requests that call STS: cache hits and joining an identical call in flight are free', async () => {
    const h = makeHandler({ TOKEN_STS_RATE_LIMIT: '2' });
    const token = await fx.idp.mint({ sub: 'frugal' });
    const burst = await Promise.all(Array.from({ length: 20 }, () => call(h, { headers: bearer(token), body: prefix('frugal', 'a') })));
    expect(burst.every((r) => r.statusCode === 200)).toBe(true);
    for (let i = 0; i < 30; i++) expect((await call(h, { headers: bearer(token), body: prefix('frugal', 'a') })).statusCode).toBe(200);
    expect(fx.sts.requestCount()).toBe(1);

    expect((await call(h, { headers: bearer(token), body: prefix('frugal', 'b') })).statusCode).toBe(200);
    const refused = await call(h, { headers: bearer(token), body: prefix('frugal', 'c') });
    expect(refused.statusCode).toBe(429);
    expect(refused.json?.error).toBe('rate_limited');
    expect(refused.json?.error_description).toMatch(/^too many new keys for this subject: .*at most 2 are issued a minute/);
    expect(Number(refused.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
    expect(logs.requests().at(-1)).toMatchObject({ subject: 'frugal', status: 429, error: 'rate_limited', reason: 'new_key_limit' });
    expect(fx.sts.requestCount()).toBe(2);

    // Scopes it already has keys for are still served, and other subjects have their own allowance.
    expect((await call(h, { headers: bearer(token), body: prefix('frugal', 'a') })).statusCode).toBe(200);
    expect((await call(h, { headers: bearer(await fx.idp.mint({ sub: 'other' })), body: prefix('other', 'c') })).statusCode).toBe(200);
  });

  it('is on by default at 10 new keys a minute, and off with TOKEN_STS_RATE_LIMIT=off', async () => {
    const statuses = async (h: Fc3Handler, sub: string) => {
      const token = await fx.idp.mint({ sub });
      const out: number[] = [];
      for (let i = 0; i < 12; i++) out.push((await call(h, { headers: bearer(token), body: prefix(sub, `f${i}`) })).statusCode);
      return out;
    };
    expect(await statuses(makeHandler(), 'default-limit')).toEqual([...Array(10).fill(200), 429, 429]);
    expect(await statuses(makeHandler({ TOKEN_STS_RATE_LIMIT: 'off' }), 'no-limit')).toEqual(Array(12).fill(200));
  });

  it('refuses a bad value at cold start, naming the variable', () => {
    const before = logs.lines.length;
    makeHandler({ TOKEN_STS_RATE_LIMIT: '0' });
    const startup = logs.lines.slice(before).find((l) => l.level === 'error');
    expect(startup?.fields.variables).toEqual(['TOKEN_STS_RATE_LIMIT']);
  });
});

describe('upstream failures map to the documented statuses', () => {
  const request = async (sub: string, h = handler) => call(h, { headers: bearer(await fx.idp.mint({ sub })) });

  it('STS throttling → 503 temporarily_unavailable with Retry-After after one call, not retried', async () => {
    const h = makeHandler(); // throttling pauses the instance's STS calls: an instance of its own
    fx.sts.injectFault({ kind: 'error', status: 400, code: 'Throttling.Api', message: 'Request was denied due to api flow control' }, { persistent: true });
    const res = await request('t1', h);
    expect(fx.sts.requestCount()).toBe(1);
    expect(res.statusCode).toBe(503);
    expect(res.json).toMatchObject({ error: 'temporarily_unavailable', upstream_code: 'Throttling.Api' });
    expect(res.headers['Retry-After']).toBe('1');
    expect(logs.requests().at(-1)).toMatchObject({ error: 'temporarily_unavailable', reason: 'sts_throttled', upstreamCode: 'Throttling.Api' });
  });

  it('an STS refusal → 502 upstream_error with STS’s code, never its message', async () => {
    fx.sts.injectFault({ kind: 'error', status: 403, code: 'NoPermission', message: 'secret-ish detail AKIDEXAMPLE' });
    const res = await request('t2');
    expect(fx.sts.requestCount()).toBe(1); // a refusal is never retried
    expect(res.statusCode).toBe(502);
    expect(res.json).toMatchObject({ error: 'upstream_error', upstream_code: 'NoPermission' });
    expect(res.body).not.toContain('secret-ish');
  });

  it('an unsafe STS error code is not echoed', async () => {
    fx.sts.injectFault({ kind: 'error', status: 400, code: '<script>alert(1)</script>' });
    const res = await request('t3');
    expect(res.json?.upstream_code).toBe('unknown');
  });

  it('STS 5xx on every attempt → 503', async () => {
    fx.sts.injectFault({ kind: 'error', status: 500, code: 'InternalError' }, { persistent: true });
    expect((await request('t4')).statusCode).toBe(503);
    expect(fx.sts.requestCount()).toBe(3);
  });

  it.each([
    ['a 5xx', { kind: 'error', status: 503, code: 'ServiceUnavailable' }],
    ['a dropped connection', { kind: 'raw', status: 502, body: '' }],
  ] as const)('one transient failure (%s) is retried, and the caller gets 200', async (_name, fault) => {
    fx.sts.injectFault(fault);
    const res = await request(`retry-${_name.length}`);
    expect(res.statusCode).toBe(200);
    expect(fx.sts.requestCount()).toBe(2);
  });

  it('retries stop before the invocation’s deadline', async () => {
    fx.sts.injectFault({ kind: 'error', status: 500, code: 'InternalError' }, { persistent: true });
    const started = Date.now();
    const res = await handler(fc3Event({ headers: bearer(await fx.idp.mint({ sub: 'retry-deadline' })) }), fx.context({ function: { timeout: 1 } }));
    expect([503, 504]).toContain(res.statusCode);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it.each([
    ['malformed JSON', '{"Credentials": {'],
    ['missing fields', '{"RequestId":"x","Credentials":{"AccessKeyId":"STS.x"}}'],
    ['a bad expiration', '{"Credentials":{"AccessKeyId":"STS.x","AccessKeySecret":"s","SecurityToken":"t","Expiration":"soon"}}'],
    ['HTML', '<html>gateway</html>'],
  ])('a 200 with %s → 502 upstream_error', async (_name, body) => {
    fx.sts.injectFault({ kind: 'raw', status: 200, body });
    const res = await request(`m-${_name.length}`);
    expect(res.statusCode).toBe(502);
    expect(res.json?.upstream_code).toBe('InvalidResponse');
  });

  it('a hanging STS → 504 upstream_timeout within the STS timeout', async () => {
    const h = makeHandler({}, 300);
    fx.sts.injectFault({ kind: 'hang' });
    const started = Date.now();
    const res = await request('t5', h);
    expect(fx.sts.requestCount()).toBe(1); // a timeout is not retried
    expect(res.statusCode).toBe(504);
    expect(res.json?.error).toBe('upstream_timeout');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('never waits past the invocation deadline', async () => {
    fx.sts.injectFault({ kind: 'hang' });
    const started = Date.now();
    const res = await handler(fc3Event({ headers: bearer(await fx.idp.mint({ sub: 't6' })) }), fx.context({ function: { timeout: 1 } }));
    expect([504]).toContain(res.statusCode);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('an unreachable STS → 503', async () => {
    const h = makeHandler({ ALIYUN_STS_ENDPOINT: 'http://127.0.0.1:1' });
    const res = await request('t7', h);
    expect(res.statusCode).toBe(503);
    expect(res.json?.error).toBe('temporarily_unavailable');
  });

  it('a failure is not cached: the next request succeeds', async () => {
    fx.sts.injectFault({ kind: 'error', status: 500, code: 'InternalError' }, { persistent: true });
    expect((await request('t8')).statusCode).toBe(503);
    fx.sts.clearFaults();
    expect((await request('t8')).statusCode).toBe(200);
  });

  it('an unreachable JWKS → 503, not 401', async () => {
    const h = makeHandler({ JWT_JWKS_URL: 'http://127.0.0.1:1/jwks.json' });
    const res = await request('j1', h);
    expect(res.statusCode).toBe(503);
    expect(res.json?.error).toBe('temporarily_unavailable');
    expect(res.headers['Retry-After']).toBeDefined();
  });

  it.each(['http-500', 'garbage', 'redirect'] as const)('a JWKS answering %s → 503 on a cold instance', async (mode) => {
    const h = makeHandler();
    fx.idp.setJwksMode(mode);
    try {
      const res = await request('j2', h);
      expect(res.statusCode).toBe(503);
    } finally {
      fx.idp.setJwksMode('ok');
    }
  });
});

describe('misconfiguration', () => {
  it('answers 500 server_error without details and logs the variable at cold start', async () => {
    const before = logs.lines.length;
    const h = makeHandler({ TOKEN_BUCKET: undefined, JWT_AUDIENCE: '', ALIYUN_ROLE_ARN: 'not-an-arn' });
    const startup = logs.lines.slice(before).find((l) => l.level === 'error');
    expect(startup?.message).toContain('TOKEN_BUCKET');
    expect(startup?.message).toContain('JWT_AUDIENCE');
    expect(startup?.fields.variables).toEqual(['JWT_AUDIENCE', 'TOKEN_BUCKET']);
    for (const method of ['POST', 'OPTIONS']) {
      const res = await call(h, { method, headers: bearer(await fx.idp.mint({ sub: 'alice' })) });
      expect(res.statusCode).toBe(500);
      expect(res.json).toEqual({ error: 'server_error', error_description: 'the token service is not available' });
    }
    expect(fx.sts.requestCount()).toBe(0);
  });

  it('answers 500 when no credentials are available, and logs which sources were tried', async () => {
    const res = await call(handler, { headers: bearer(await fx.idp.mint({ sub: 'nocreds' })) }, fx.context({ credentials: undefined }));
    expect(res.statusCode).toBe(500);
    const line = logs.lines.filter((l) => l.message === 'no role credentials available').at(-1);
    expect(line?.fields.tried).toEqual([
      'invocation-context: nothing configured',
      'environment: nothing configured',
      'credentials-uri: ALIBABA_CLOUD_CREDENTIALS_URI is not set',
      'ecs-ram-role: disabled by ALIBABA_CLOUD_ECS_METADATA_DISABLED',
    ]);
  });
});
