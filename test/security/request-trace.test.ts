/**
 * Issue 13, item 9, on each cloud's built bundle: a refused token's log line says which check refused it, as a
 * stable reason code that carries no token or claim value; and every response, whatever produced it, carries an
 * `X-Request-Id` equal to the `requestId` of that request's single log line (the platform's own id when it gave a
 * usable one), readable by browser code through CORS.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { attackCases, bearer } from '../helpers/attack-cases.js';
import { type BundleHandler, late, logLineOf, requestLogLines, withJson } from '../helpers/bundle-harness.js';
import { CLOUDS, deploymentsForSuite } from '../helpers/deployments.js';

const suite = deploymentsForSuite();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** Claim values the crafted tokens carry: none may reach a log line. */
const CLAIM_VALUES = ['evil.example.com', 'other-app', 'tomorrow', 'not-a-known-kid', 'YWxpY2U6c2VjcmV0'];

describe.each(CLOUDS)('%s: why a token was refused is in its log line', (name) => {
  const d = () => suite.deployments().byName(name);
  let handler: BundleHandler;
  beforeAll(() => {
    handler = d().start();
  });

  const cases = attackCases(late(() => suite.deployments().byName(name).idp));
  it.each(cases.filter((c) => c.reason).map((c) => [c.name, c] as const))('%s', async (_name, attack) => {
    const request = await attack.build();
    d().beforeInvoke?.(false);
    const res = withJson(await handler(d().event(request.headers ?? {}, { body: request.body ?? '' }), d().context()));
    expect(res.statusCode).toBe(attack.status);
    expect(res.json?.error).toBe(attack.code);
    const line = logLineOf(suite.lines(), res);
    expect(line).toMatchObject({ status: 401, error: 'invalid_token', reason: attack.reason });
    expect(line?.subject).toBeUndefined();
    const text = JSON.stringify(line);
    const token = request.headers?.Authorization?.replace(/^\S+ /, '');
    if (token) expect(text.includes(token)).toBe(false);
    for (const value of CLAIM_VALUES) expect(text.includes(value)).toBe(false);
  });

  it('the issuer’s keys unreachable → 503 with reason jwks_unavailable', async () => {
    const res = withJson(await d().start({ ...d().env, JWT_JWKS_URL: 'http://127.0.0.1:1/jwks.json' })(d().event(bearer(await d().idp.mint({ sub: 'alice' }))), d().context()));
    expect(res.statusCode).toBe(503);
    expect(logLineOf(suite.lines(), res)).toMatchObject({ error: 'temporarily_unavailable', reason: 'jwks_unavailable' });
  });
});

describe.each(CLOUDS)('%s: X-Request-Id on every response, equal to its log line’s requestId', (name) => {
  const d = () => suite.deployments().byName(name);
  let handler: BundleHandler;
  beforeAll(() => {
    handler = d().start();
  });

  /** Invokes with the platform's request id `platformId`; returns the response and its log line. */
  const invoke = async (event: unknown, platformId: string | undefined, instance = handler, context = d().context(10_000, false, platformId)) => {
    d().beforeInvoke?.(false);
    const res = withJson(await instance(event, context));
    const id = res.headers['X-Request-Id'];
    const lines = requestLogLines(suite.lines()).filter((line) => line.requestId === id);
    expect(lines, `one log line for request id ${id}`).toHaveLength(1);
    return { res, id, line: lines[0]! };
  };

  it.each([
    ['200', async () => d().event(bearer(await d().idp.mint({ sub: 'alice' }))), 200],
    ['401', async () => d().event({}), 401],
    ['400 (a malformed body)', async () => d().event(bearer(await d().idp.mint({ sub: 'alice' })), { body: '{"durationSeconds":"900"}' }), 400],
    ['403', async () => d().event(bearer(await d().idp.mint({ sub: 'alice' })), { body: '{"prefix":"users/bob/"}' }), 403],
    ['405', async () => d().event(bearer(await d().idp.mint({ sub: 'alice' })), { method: 'GET' }), 405],
    ['a preflight', async () => d().event({ Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST' }, { method: 'OPTIONS' }), 204],
  ] as const)('%s: the platform’s own id', async (_label, build, status) => {
    const platformId = `plat-${name}-${Math.random().toString(36).slice(2, 10)}`;
    const { res, id, line } = await invoke(await build(), platformId);
    expect(res.statusCode).toBe(status);
    expect(id).toBe(platformId);
    expect(line.status).toBe(status);
  });

  it('a generated id when the platform gives none, or one that could not go into a header', async () => {
    for (const platformId of ['', 'has space', 'crlf\r\nX-Injected: 1', 'quote"d']) {
      const { res, id } = await invoke(d().event(bearer(await d().idp.mint({ sub: 'alice' }))), platformId);
      expect(res.statusCode).toBe(200);
      expect(id).toMatch(UUID);
    }
  });

  it('the adapter’s own 400 for an event that is not an HTTP request', async () => {
    for (const event of [42, null, 'x']) {
      const { res, id, line } = await invoke(event, `plat-${name}-not-http`);
      expect(res.statusCode).toBe(400);
      expect(res.json?.error).toBe('invalid_request');
      expect(id).toBe(`plat-${name}-not-http`);
      expect(line).toMatchObject({ status: 400, error: 'invalid_request', outcome: 'refused' });
      suite.lines().length = 0; // the next event uses the same id
    }
  });

  it('the 500 for a context that cannot be read: a generated id', async () => {
    const unreadable = new Proxy({}, { get: () => { throw new Error('no context'); } });
    const { res, id, line } = await invoke(d().event(bearer(await d().idp.mint({ sub: 'alice' }))), undefined, handler, unreadable);
    expect(res.statusCode).toBe(500);
    expect(id).toMatch(UUID);
    expect(line).toMatchObject({ status: 500, error: 'server_error' });
  });

  it('the misconfigured function’s 500', async () => {
    const broken = d().start({ ...d().env, TOKEN_BUCKET: '' });
    const { res, id } = await invoke(d().event(bearer(await d().idp.mint({ sub: 'alice' }))), `plat-${name}-broken`, broken);
    expect(res.statusCode).toBe(500);
    expect(id).toBe(`plat-${name}-broken`);
  });

  it('is exposed to browser code through CORS', async () => {
    const { res } = await invoke(d().event({ ...bearer(await d().idp.mint({ sub: 'alice' })), Origin: 'https://app.example.com' }), undefined);
    expect(res.headers['Access-Control-Allow-Origin']).toBe('https://app.example.com');
    expect(res.headers['Access-Control-Expose-Headers']?.split(/, */)).toContain('X-Request-Id');
  });
});
