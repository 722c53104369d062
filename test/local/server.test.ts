/**
 * `npm start` as a newcomer runs it: a child process serving the built function over real HTTP, with
 * the emulated cloud. The test does what the printed curl command does.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let child: ChildProcess;
let url: string;
let output = '';

beforeAll(async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0' };
  for (const name of Object.keys(env)) if (/^(JWT_|TOKEN_|ALIYUN_|ALIBABA_CLOUD_|CORS_)/.test(name)) delete env[name];
  child = spawn(process.execPath, ['--import', 'tsx', 'local/server.ts'], { cwd: new URL('../..', import.meta.url).pathname, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr?.on('data', (chunk) => (output += chunk));
  url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
});

afterAll(async () => {
  child.kill('SIGTERM');
  await once(child, 'exit');
});

describe('the local token service', () => {
  it('prints a clearly labelled banner with a ready-to-paste curl', () => {
    expect(output).toContain('EMULATED cloud');
    expect(output).toContain(`curl -s -X POST ${url}/aliyun -H "Authorization: Bearer $(curl -s '${url}/dev/token?sub=alice')"`);
  });

  it('issues a token for a development JWT, as the printed curl does', async () => {
    const jwt = await (await fetch(`${url}/dev/token?sub=alice`)).text();
    const res = await fetch(`${url}/aliyun`, { method: 'POST', headers: { Authorization: `Bearer ${jwt}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ provider: 'aliyun', prefix: 'users/alice/', bucket: 'stsgate-local' });
  });

  it('answers a browser preflight and refuses a missing token', async () => {
    const preflight = await fetch(`${url}/aliyun`, { method: 'OPTIONS', headers: { Origin: 'http://localhost:5173', 'Access-Control-Request-Method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    const denied = await fetch(`${url}/aliyun`, { method: 'POST' });
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('passes the post-deploy smoke check (npm run smoke), which masks the keys it prints', async () => {
    const { spawn: run } = await import('node:child_process');
    const smoke = run(process.execPath, ['--import', 'tsx', 'scripts/smoke.ts', `${url}/aliyun`, '--token-url', `${url}/dev/token?sub=smoke`], {
      cwd: new URL('../..', import.meta.url).pathname,
    });
    let out = '';
    smoke.stdout.on('data', (chunk) => (out += chunk));
    const [code] = await once(smoke, 'exit');
    expect(out).toContain('smoke check passed');
    expect(code).toBe(0);
    const secret = /accessKeySecret: (.*)/.exec(out)?.[1] ?? '';
    expect(secret).toMatch(/^.{4}…\(\d+ chars\)$/);
  });

  it('logs each request as one JSON line without the token', async () => {
    const jwt = await (await fetch(`${url}/dev/token?sub=logger`)).text();
    await fetch(`${url}/aliyun`, { method: 'POST', headers: { Authorization: `Bearer ${jwt}` } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const line = output.split('\n').find((l) => l.includes('"subject":"logger"'));
    expect(line && JSON.parse(line)).toMatchObject({ msg: 'request', provider: 'aliyun', status: 200 });
    expect(output).not.toContain(jwt);
  });
});
