/**
 * `npm start` never hands real keys to whoever asks. With a cloud called for real it refuses to start
 * unless a real login (JWT_*) is configured, so the development login (a token for any subject, to anyone
 * who can reach the port) never runs beside real keys; the development login is not readable from other
 * web pages; and the functions' CORS, by default, allows the demo page's origin only.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startIdentityProvider } from '../../emulators/identity-provider.js';
import { type LocalTokenService, startLocalTokenService } from '../../local/server.js';
import { LocalStartupError } from '../../local/startup-error.js';
import { cleanStsgateEnv, runServiceToExit } from '../helpers/local-service.js';

let service: LocalTokenService | undefined;
let restoreEnv: (() => void) | undefined;

/** The service in this process, started with a clean stsgate environment plus `vars`. */
async function startWith(vars: Record<string, string> = {}): Promise<LocalTokenService> {
  restoreEnv = cleanStsgateEnv(vars);
  service = await startLocalTokenService(0);
  return service;
}

afterEach(async () => {
  await service?.close();
  service = undefined;
  restoreEnv?.();
  restoreEnv = undefined;
});

describe('real mode without a real login', () => {
  // A child process, as a person starts it: a generous bound for a loaded 2-core machine.
  it('refuses to start: one line on stderr saying why and what to set, exit code 1, no banner, no stack trace', { timeout: 60_000 }, async () => {
    const { code, stdout, stderr } = await runServiceToExit({ ALIYUN_ROLE_ARN: 'acs:ram::1234567890123456:role/real' });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line).toMatch(/^stsgate local: refusing to start: ALIYUN_ROLE_ARN makes Aliyun issue REAL keys, but no JWT_JWKS_URL, JWT_PUBLIC_KEY, JWT_SECRET is set/);
    expect(line).toContain('the development login would give anyone who can reach this port a token for any user');
    expect(line).toContain('Set JWT_JWKS_URL (or JWT_PUBLIC_KEY or JWT_SECRET) with JWT_ISSUER and JWT_AUDIENCE');
    expect(line).toContain('or unset ALIYUN_ROLE_ARN to run emulated');
    // The role ARN is configuration, but values are never echoed.
    expect(line).not.toContain('role/real');
  });

  it.each([
    [{ ALIYUN_ROLE_ARN: 'acs:ram::1:role/r' }, 'ALIYUN_ROLE_ARN makes Aliyun'],
    [{ TENCENT_ROLE_ARN: 'qcs::cam::uin/1:roleName/r' }, 'TENCENT_ROLE_ARN makes Tencent'],
    [{ HUAWEICLOUD_SDK_AK: 'HSTREALKEY' }, 'HUAWEICLOUD_SDK_AK makes Huawei'],
    [{ STSGATE_REAL: 'tencent' }, 'STSGATE_REAL makes Tencent'],
    [{ STSGATE_REAL: 'all' }, 'STSGATE_REAL makes Aliyun issue REAL keys, STSGATE_REAL makes Tencent issue REAL keys, STSGATE_REAL makes Huawei'],
    // Set only the issuer and audience, not where the keys come from: still no real login.
    [{ STSGATE_REAL: 'Huawei', JWT_ISSUER: 'https://login.example.com/', JWT_AUDIENCE: 'app', JWT_SECRET: '   ' }, 'STSGATE_REAL makes Huawei'],
  ])('refuses %o before anything listens', async (vars, reason) => {
    const error = await startWith(vars).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LocalStartupError);
    expect(error).toMatchObject({ code: 'real_mode_without_issuer' });
    expect((error as Error).message).toContain(reason);
  });

  it('refuses an STSGATE_REAL that names no cloud, rather than quietly staying emulated', async () => {
    const error = await startWith({ STSGATE_REAL: 'aliyn' }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'invalid_real_setting', message: expect.stringContaining('STSGATE_REAL must be a comma-separated list of aliyun, tencent, huawei, or all') });
    expect((error as Error).message).not.toContain('aliyn');
  });
});

describe('real mode with a real login, beside emulated clouds', () => {
  it('has no development login anywhere, and the emulated clouds trust the real login only', async () => {
    const login = await startIdentityProvider('mixed-app');
    try {
      const running = await startWith({
        STSGATE_REAL: 'aliyun',
        JWT_JWKS_URL: login.jwksUrl,
        JWT_ISSUER: login.issuer,
        JWT_AUDIENCE: login.audience,
        TOKEN_BUCKET: 'real-bucket',
        TOKEN_REGION: 'cn-shanghai',
      });
      expect((await fetch(`${running.url}/dev/token?sub=victim`)).status).toBe(404);
      expect((await fetch(`${running.url}/dev/.well-known/jwks.json`)).status).toBe(404);
      expect((await fetch(`${running.demoUrl}/dev-login?sub=victim`)).status).toBe(404);
      expect(running.banner).toContain('login: JWT_* from the environment (no development login)');
      expect(running.banner).toMatch(/\/tencent +Tencent STS: emulator/);

      const jwt = await login.mint({ sub: 'mixed' });
      const res = await fetch(`${running.url}/tencent`, { method: 'POST', headers: { Authorization: `Bearer ${jwt}` } });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ provider: 'tencent', prefix: 'users/mixed/' });
    } finally {
      await login.close();
    }
  });
});

describe('the development login (every cloud emulated)', () => {
  it('mints for programs on this machine, but gives other web pages nothing they can read', async () => {
    const running = await startWith();
    const res = await fetch(`${running.url}/dev/token?sub=victim`, { headers: { Origin: 'http://evil.example' } });
    expect(res.status).toBe(200);
    expect((await res.text()).split('.')).toHaveLength(3);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('serves the demo page’s own login on the page’s origin, also without CORS', async () => {
    const running = await startWith();
    const res = await fetch(`${running.demoUrl}/dev-login?sub=alice`, { headers: { Origin: 'http://evil.example' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const token = await res.text();
    const fromPage = await fetch(`${running.url}/aliyun`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
    expect(await fromPage.json()).toMatchObject({ prefix: 'users/alice/' });
  });
});

describe('CORS under npm start', () => {
  const preflight = (running: LocalTokenService, route: string, origin: string) =>
    fetch(`${running.url}${route}`, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization' } });

  it.each(['/aliyun', '/tencent', '/huawei'])('%s allows the demo page’s origin by default, under either loopback name, and no other', async (route) => {
    const running = await startWith();
    const demo = new URL(running.demoUrl);
    for (const origin of [demo.origin, `http://localhost:${demo.port}`]) {
      expect((await preflight(running, route, origin)).headers.get('access-control-allow-origin'), origin).toBe(origin);
    }
    for (const origin of ['http://evil.example', running.url, `http://127.0.0.1:${Number(demo.port) + 1}`]) {
      const refused = await preflight(running, route, origin);
      expect(refused.status).toBe(204);
      expect(refused.headers.get('access-control-allow-origin'), origin).toBeNull();
    }
    // A request sent anyway (a browser would not hand its answer to the page) carries no ACAO either.
    const token = await (await fetch(`${running.url}/dev/token?sub=alice`)).text();
    const post = await fetch(`${running.url}${route}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, Origin: 'http://evil.example' } });
    await post.body?.cancel();
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('follows CORS_ALLOWED_ORIGINS when it is set, the demo page included', async () => {
    const running = await startWith({ CORS_ALLOWED_ORIGINS: 'https://app.example.com' });
    expect((await preflight(running, '/aliyun', 'https://app.example.com')).headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect((await preflight(running, '/aliyun', new URL(running.demoUrl).origin)).headers.get('access-control-allow-origin')).toBeNull();
  });
});
