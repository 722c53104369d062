/**
 * The built dist/aliyun/index.js, loaded the way FC3 loads it (CommonJS, configuration from the
 * environment at cold start), fed FC3 HTTP events in the documented shape: a Buffer of JSON, base64
 * bodies, repeated headers comma-joined. `npm test` builds before it runs the tests.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AliyunFixture, bearer, fc3Event, startAliyunFixture } from '../helpers/aliyun-fixture.js';

const BUNDLE = new URL('../../dist/aliyun/index.js', import.meta.url);
type Handler = (event: unknown, context: unknown) => Promise<{ statusCode: number; headers: Record<string, string>; body: string; isBase64Encoded: boolean }>;

let fx: AliyunFixture;
let handler: Handler;

beforeAll(async () => {
  fx = await startAliyunFixture();
  // FC sets the function's environment before the code loads; the bundle reads it at cold start.
  Object.assign(process.env, fx.env);
  handler = (createRequire(import.meta.url)(BUNDLE.pathname) as { handler: Handler }).handler;
});

afterAll(() => fx.close());

describe('dist/aliyun/index.js', () => {
  it('is one self-contained CommonJS file: no require() of anything but Node built-ins and its sibling redis.js', () => {
    expect(existsSync(BUNDLE)).toBe(true);
    const source = readFileSync(BUNDLE, 'utf8');
    const required = [...source.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
    expect(required.length).toBeGreaterThan(0);
    // redis.js is loaded only when REDIS_URL is set (test/state/redis-bundle.test.ts).
    expect(required.filter((name) => !name?.startsWith('node:'))).toEqual(['./redis.js']);
  });

  it('issues scoped keys for an FC3 Buffer event, end to end', async () => {
    const res = await handler(fc3Event({ headers: bearer(await fx.idp.mint({ sub: 'bundle-user' })) }), fx.context());
    expect(res.statusCode).toBe(200);
    expect(res.isBase64Encoded).toBe(false);
    const body = JSON.parse(res.body);
    expect(body).toMatchObject({ provider: 'aliyun', prefix: 'users/bundle-user/', bucket: 'media-bucket', accessKeyId: fx.sts.calls.at(-1)?.issued.accessKeyId });
    const policy = JSON.parse(fx.sts.calls.at(-1)?.policy ?? '{}');
    const resources = policy.Statement.flatMap((s: { Resource: string[] }) => s.Resource);
    expect(resources).toEqual(['acs:oss:*:*:media-bucket/users/bundle-user/*', 'acs:oss:*:*:media-bucket']);
    expect(policy.Statement[1].Condition).toEqual({ StringLike: { 'oss:Prefix': ['users/bundle-user/*'] } });
  });

  it('decodes a base64 body', async () => {
    const res = await handler(
      fc3Event({ headers: bearer(await fx.idp.mint({ sub: 'b64-user' })), body: '{"actions":["get"],"prefix":"users/b64-user/docs/"}', base64: true }),
      fx.context(),
    );
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ actions: ['get'], prefix: 'users/b64-user/docs/' });
  });

  it('treats comma-joined repeated Authorization headers as an invalid token, not as the first one', async () => {
    const token = await fx.idp.mint({ sub: 'dup-user' });
    const before = fx.sts.requestCount();
    const res = await handler(fc3Event({ headers: { Authorization: `Bearer ${token},Bearer ${token}` } }), fx.context());
    expect(res.statusCode).toBe(401);
    expect(fx.sts.requestCount()).toBe(before);
  });

  it('reads comma-joined Origin and header names in any case', async () => {
    const res = await handler(fc3Event({ method: 'OPTIONS', headers: { ORIGIN: 'https://app.example.com' } }), fx.context());
    expect(res.statusCode).toBe(204);
    expect(res.headers['Access-Control-Allow-Origin']).toBe('https://app.example.com');
  });

  it('accepts an already-parsed event object too', async () => {
    const event = JSON.parse(fc3Event({ headers: bearer(await fx.idp.mint({ sub: 'object-user' })) }).toString());
    expect((await handler(event, fx.context())).statusCode).toBe(200);
  });

  it('has a source map beside it', () => {
    expect(existsSync(new URL('../../dist/aliyun/index.js.map', import.meta.url))).toBe(true);
  });
});
