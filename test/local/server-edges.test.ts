/**
 * The local token service behaves like the functions at its edges: an oversized body or token gets the
 * function's own JSON error (not a cap or header limit of the local server's), requests beyond what it
 * will read get the same JSON shape, a taken port is one line naming the variable, and a configuration
 * error is the last thing printed, with the broken route marked in the banner.
 */
import { request } from 'node:http';
import { type AddressInfo, createServer, type Server, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentityProvider } from '../../emulators/identity-provider.js';
import { type LocalTokenService, startLocalTokenService } from '../../local/server.js';
import { cleanStsgateEnv, runServiceToExit, type ServiceProcess, startServiceProcess, stopServiceProcess, waitForOutput } from '../helpers/local-service.js';

const ROUTES = ['/aliyun', '/tencent', '/huawei'] as const;
/** The function's body limit (lib/http/pipeline.ts), as its 413 states it. */
const FUNCTION_413 = { error: 'invalid_request', error_description: 'the request body must be at most 16384 bytes' };

describe('requests at the edges, as the functions answer them', () => {
  let service: LocalTokenService;
  let restoreEnv: () => void;
  let demoOrigin: string;

  beforeAll(async () => {
    restoreEnv = cleanStsgateEnv();
    service = await startLocalTokenService(0);
    demoOrigin = new URL(service.demoUrl).origin;
  });
  afterAll(async () => {
    await service?.close();
    restoreEnv();
  });

  it.each(ROUTES)('%s: a body just over 16 KiB gets the function’s JSON 413', async (route) => {
    const res = await fetch(`${service.url}${route}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: 'x'.repeat(16 * 1024 + 1) });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual(FUNCTION_413);
  });

  it.each(ROUTES)('%s: a body far beyond what the local server buffers (2 MiB) gets the very same answer, CORS headers included', async (route) => {
    const res = await fetch(`${service.url}${route}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: demoOrigin },
      body: JSON.stringify({ prefix: 'p'.repeat(2 * 1024 * 1024) }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual(FUNCTION_413);
    // The function's own answer: a browser page can read why it was refused.
    expect(res.headers.get('access-control-allow-origin')).toBe(demoOrigin);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it.each(ROUTES)('%s: an Authorization header over the token limit (20 KB, above Node’s 16 KiB default) gets the function’s JSON 401', async (route) => {
    const res = await fetch(`${service.url}${route}`, { method: 'POST', headers: { Authorization: `Bearer ${'a'.repeat(20_000)}` } });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'invalid_token', error_description: 'the token is too large' });
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('headers beyond what the local server reads (100 KB) get the functions’ JSON error shape, not an empty 431', async () => {
    const res = await fetch(`${service.url}/aliyun`, { method: 'POST', headers: { Authorization: `Bearer ${'a'.repeat(100_000)}` } });
    expect(res.status).toBe(431);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ error: 'invalid_request', error_description: 'the request headers must be at most 65536 bytes' });
  });

  it('a request that is not HTTP gets the same JSON shape', async () => {
    const { hostname, port } = new URL(service.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = new Socket();
      let text = '';
      socket.on('data', (chunk) => (text += chunk));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
      socket.connect(Number(port), hostname, () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({ error: 'invalid_request', error_description: 'the request is not valid HTTP' });
  });

  it('still passes a body under the limit whole: a narrowing body of 15 KB reaches the function', async () => {
    const token = await (await fetch(`${service.url}/dev/token?sub=alice`)).text();
    // Valid JSON only if it arrives whole: 15 KB of whitespace between its fields.
    const body = `{"actions": ["get"],${' '.repeat(15_000)}"prefix": "users/alice/docs/"}`;
    const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const { hostname, port } = new URL(service.url);
      const req = request({ host: hostname, port, path: '/aliyun', method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } }, (r) => {
        let text = '';
        r.on('data', (chunk) => (text += chunk));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      // In small pieces, as a slow client would send it.
      for (let i = 0; i < body.length; i += 1000) req.write(body.slice(i, i + 1000));
      req.end();
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({ actions: ['get'], prefix: 'users/alice/docs/' });
  });
});

describe('a port already in use', { timeout: 60_000 }, () => {
  let blocker: Server;
  let taken: number;

  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    taken = (blocker.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

  it.each([
    ['PORT', () => ({ PORT: String(taken) })],
    ['DEMO_PORT', () => ({ PORT: '0', DEMO_PORT: String(taken) })],
  ])('%s: one line naming it, exit code 1, no stack trace', async (variable, vars) => {
    const { code, stdout, stderr } = await runServiceToExit(vars());
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual([`stsgate local: port ${taken} on 127.0.0.1 is already in use: stop what is using it, or set ${variable} to another port.`]);
  });

  it('PORT that is not a port number: one line naming it', async () => {
    const { code, stderr } = await runServiceToExit({ PORT: 'eighty' });
    expect(code).toBe(1);
    expect(stderr.trim()).toBe('stsgate local: refusing to start: PORT must be a port number from 0 to 65535.');
  });
});

// Each test starts `npm start` as a child process: generous bounds for a loaded 2-core machine.
describe('a configuration error under npm start', { timeout: 60_000 }, () => {
  const SECRET = 'edge-test-jwt-secret-value-0123456789abcdef';
  let service: ServiceProcess | undefined;
  let login: Awaited<ReturnType<typeof startIdentityProvider>>;

  beforeAll(async () => {
    login = await startIdentityProvider('edge-app');
  });
  afterAll(async () => {
    await stopServiceProcess(service);
    await login.close();
  });

  it('is marked on the broken route in the banner and summed up last, naming variables and never values', async () => {
    // Real Aliyun with its bucket and region forgotten; the emulated clouds default theirs.
    service = await startServiceProcess({ STSGATE_REAL: 'aliyun', JWT_JWKS_URL: login.jwksUrl, JWT_ISSUER: login.issuer, JWT_AUDIENCE: login.audience });
    await waitForOutput(service, /restart npm start\.\n$/, 40_000);
    const output = service.output();

    const aliyunLine = output.split('\n').find((line) => line.startsWith(`  POST ${service?.url}/aliyun`));
    expect(aliyunLine).toMatch(/MISCONFIGURED: TOKEN_BUCKET: is required; TOKEN_REGION: is required$/);
    expect(output).toMatch(/\/tencent +Tencent STS: emulator/);

    // After the banner and the listening line, and the very last thing printed.
    const summary = output.slice(output.indexOf('CONFIGURATION ERROR'));
    expect(output.indexOf('CONFIGURATION ERROR')).toBeGreaterThan(output.indexOf('listening on'));
    expect(summary.trim().split('\n')).toEqual([
      'CONFIGURATION ERROR: this route answers every request with 500 server_error until fixed:',
      `  POST ${service.url}/aliyun   TOKEN_BUCKET: is required; TOKEN_REGION: is required`,
      'Fix the variables named above and restart npm start.',
    ]);
    const res = await fetch(`${service.url}/aliyun`, { method: 'POST' });
    expect(res.status).toBe(500);
  });

  it('never prints a value, even a bad one', async () => {
    await stopServiceProcess(service);
    service = await startServiceProcess({ JWT_SECRET: SECRET, JWT_ISSUER: 'https://login.example.com/', JWT_AUDIENCE: 'app', TOKEN_DURATION_SECONDS: 'ninety-seconds-7f3a' });
    await waitForOutput(service, /restart npm start\.\n$/, 40_000);
    const output = service.output();
    for (const route of ROUTES) {
      expect(output.split('\n').find((line) => line.startsWith(`  POST ${service?.url}${route}`))).toContain('MISCONFIGURED: TOKEN_DURATION_SECONDS: must be a whole number');
    }
    expect(output).toContain('CONFIGURATION ERROR: these routes answer');
    expect(output).not.toContain('ninety-seconds-7f3a');
    expect(output).not.toContain(SECRET);
  });
});
