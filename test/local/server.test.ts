/**
 * `npm start` as a newcomer runs it: a child process serving the built function over real HTTP, with
 * the emulated cloud. The test does what the printed curl command does. Real mode needs a real login
 * (JWT_*): there, an identity provider of its own stands in for the app's.
 */
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAliyunStsEmulator } from '../../emulators/aliyun-sts.js';
import { startHuaweiIamEmulator } from '../../emulators/huawei-iam.js';
import { startIdentityProvider } from '../../emulators/identity-provider.js';
import { startAliyunEcsMetadataEmulator } from '../../emulators/metadata/aliyun-ecs-metadata.js';
import { formBody, sendTo } from '../emulators/storage-client.js';
import { type ServiceProcess as Started, startServiceProcess as startService, stopServiceProcess as stop } from '../helpers/local-service.js';

let service: Started;
let url: string;
let output = '';

beforeAll(async () => {
  service = await startService();
  url = service.url;
  output = service.output();
  service.child.stdout?.on('data', () => (output = service.output()));
});

afterAll(() => stop(service));

describe('the local token service', () => {
  it('prints a clearly labelled banner with a ready-to-paste curl', () => {
    expect(output).toContain('EMULATED cloud');
    expect(output).toContain(`curl -s -X POST ${url}/aliyun -H "Authorization: Bearer $(curl -s '${url}/dev/token?sub=alice')"`);
  });

  it('prints the demo page, on its own origin, which may connect to itself, the token service and the emulated buckets only', async () => {
    const demo = /demo page: (http:\/\/127\.0\.0\.1:\d+)\//.exec(output)?.[1];
    expect(demo).toBeDefined();
    expect(demo).not.toBe(url);
    const page = await fetch(`${demo}/`);
    expect(page.status).toBe(200);
    const buckets = [...output.matchAll(/stand-in, checks [^,]+, on (http:\/\/\S+)/g)].map((match) => match[1]);
    expect(buckets).toEqual([expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), expect.stringMatching(/^http:\/\/stsgate-local\.localhost:\d+$/)]);
    expect(page.headers.get('content-security-policy')).toContain(`connect-src 'self' ${url} ${buckets.join(' ')};`);
    expect(await page.text()).toContain('<title>stsgate demo');
  });

  it('issues a token for a development JWT, as the printed curl does', async () => {
    const jwt = await (await fetch(`${url}/dev/token?sub=alice`)).text();
    const res = await fetch(`${url}/aliyun`, { method: 'POST', headers: { Authorization: `Bearer ${jwt}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ provider: 'aliyun', prefix: 'users/alice/', bucket: 'stsgate-local' });
  });

  it('serves the Tencent function at /tencent with SCF Function URL events', async () => {
    const jwt = await (await fetch(`${url}/dev/token?sub=cos-user`)).text();
    const res = await fetch(`${url}/tencent`, { method: 'POST', headers: { Authorization: `Bearer ${jwt}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ provider: 'tencent', prefix: 'users/cos-user/', bucket: 'stsgate-local-1250000000', region: 'ap-guangzhou' });
    expect(output).toMatch(/Tencent STS: emulator on http:\/\/127\.0\.0\.1:\d+/);
  });

  it('serves the Huawei function at /huawei with FunctionGraph APIG events (base64 bodies)', async () => {
    const jwt = await (await fetch(`${url}/dev/token?sub=obs-user`)).text();
    const res = await fetch(`${url}/huawei`, { method: 'POST', headers: { Authorization: `Bearer ${jwt}` }, body: '{"actions":["put"]}' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ provider: 'huawei', prefix: 'users/obs-user/', bucket: 'stsgate-local', region: 'cn-north-4', actions: ['put'] });
    expect(output).toMatch(/Huawei IAM: emulator on http:\/\/127\.0\.0\.1:\d+/);
  });

  it('answers the demo page’s preflight and refuses a missing token', async () => {
    const demo = new URL(/demo page: (\S+)/.exec(output)?.[1] ?? '').origin;
    const preflight = await fetch(`${url}/aliyun`, { method: 'OPTIONS', headers: { Origin: demo, 'Access-Control-Request-Method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(demo);
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

  it.each([
    ['aliyun', 'stsgate-local'],
    ['tencent', 'stsgate-local-1250000000'],
    ['huawei', 'stsgate-local'],
  ])('signs uploads and downloads at /%s/uploads and /%s/downloads for the emulated bucket, which takes them', async (cloud) => {
    const jwt = await (await fetch(`${url}/dev/token?sub=uploader`)).text();
    const sign = async (route: string, body: unknown) =>
      (await fetch(`${url}/${cloud}/${route}`, { method: 'POST', headers: { Authorization: `Bearer ${jwt}` }, body: JSON.stringify(body) })).json() as Promise<Record<string, any>>;
    const form = await sign('uploads', { filename: 'notes.txt', contentType: 'text/plain', size: 5 });
    expect(form).toMatchObject({ provider: cloud, method: 'POST', key: expect.stringMatching(/^users\/uploader\/[0-9a-f]{16}-notes\.txt$/) });
    // The bucket's stand-in listens on 127.0.0.1, whatever host the URL names (OBS: <bucket>.localhost).
    const bucket = { host: `127.0.0.1:${new URL(form.url).port}` };
    const { body, contentType } = await formBody([...Object.entries(form.fields as Record<string, string>), ['file', { content: 'hello', filename: 'notes.txt', type: 'text/plain' }]]);
    expect((await sendTo(bucket, form.url, { method: 'POST', headers: { 'content-type': contentType }, body })).status).toBe(204);
    const download = await sign('downloads', { key: form.key });
    expect(download).toMatchObject({ provider: cloud, method: 'GET' });
    expect((await sendTo(bucket, download.url, { method: 'GET' })).text).toBe('hello');
    // Another user's key is not signed for.
    expect((await sign('downloads', { key: 'users/someone-else/notes.txt' })).error).toBe('insufficient_scope');
  });

  it('logs each request as one JSON line without the token', async () => {
    const jwt = await (await fetch(`${url}/dev/token?sub=logger`)).text();
    await fetch(`${url}/aliyun`, { method: 'POST', headers: { Authorization: `Bearer ${jwt}` } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    output = service.output();
    const line = output.split('\n').find((l) => l.includes('"subject":"logger"'));
    expect(line && JSON.parse(line)).toMatchObject({ msg: 'request', provider: 'aliyun', status: 200 });
    expect(output).not.toContain(jwt);
  });
});

/** JWT_* for a service that trusts `login`, as a deployer points it at the app's own login service. */
function appLogin(login: { jwksUrl: string; issuer: string; audience: string }): Record<string, string> {
  return { JWT_JWKS_URL: login.jwksUrl, JWT_ISSUER: login.issuer, JWT_AUDIENCE: login.audience };
}

describe('the local token service in real mode', () => {
  it('signs with ALIBABA_CLOUD_* keys and calls the configured STS, labelled REAL', async () => {
    // The "real" STS here is the emulator, reached through ALIYUN_STS_ENDPOINT as a deployer would
    // point at a VPC endpoint: what is under test is the wiring from environment keys to the call.
    const keys = { id: 'LTAI5tRealModeKey', secret: 'real-mode-secret-value', token: 'real-mode-security-token' };
    const sts = await startAliyunStsEmulator({ callers: { [keys.id]: { accessKeySecret: keys.secret, securityToken: keys.token } } });
    const login = await startIdentityProvider('real-mode-app');
    let real: Started | undefined;
    try {
      real = await startService({
        ...appLogin(login),
        ALIBABA_CLOUD_ACCESS_KEY_ID: keys.id,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: keys.secret,
        ALIBABA_CLOUD_SECURITY_TOKEN: keys.token,
        ALIYUN_ROLE_ARN: 'acs:ram::1234567890123456:role/real-mode',
        ALIYUN_STS_ENDPOINT: sts.url,
        TOKEN_BUCKET: 'real-bucket',
        TOKEN_REGION: 'cn-shanghai',
      });
      expect(real.output()).toContain('Aliyun STS: REAL');
      const jwt = await login.mint({ sub: 'realuser' });
      const res = await fetch(`${real.url}/aliyun`, { method: 'POST', headers: { Authorization: `Bearer ${jwt}` } });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ bucket: 'real-bucket', region: 'cn-shanghai', prefix: 'users/realuser/' });
      expect(sts.calls).toHaveLength(1);
      expect(sts.calls[0]).toMatchObject({ callerAccessKeyId: keys.id, roleArn: 'acs:ram::1234567890123456:role/real-mode', roleSessionName: 'realuser' });
      expect(real.output()).not.toContain(keys.secret);
    } finally {
      await stop(real);
      await sts.close();
      await login.close();
    }
  });
});

describe('the Huawei function of the local token service in real mode', () => {
  it('signs IAM securitytokens with HUAWEICLOUD_SDK_* keys (no agency token off the platform), labelled REAL', async () => {
    const keys = { ak: 'HSTREALMODEKEY0001', sk: 'real-mode-huawei-secret', token: 'real-mode-huawei-security-token' };
    const iam = await startHuaweiIamEmulator({ tokens: [], callers: { [keys.ak]: { secretKey: keys.sk, securityToken: keys.token } } });
    const login = await startIdentityProvider('real-mode-app');
    let real: Started | undefined;
    try {
      real = await startService({
        ...appLogin(login),
        HUAWEICLOUD_SDK_AK: keys.ak,
        HUAWEICLOUD_SDK_SK: keys.sk,
        HUAWEICLOUD_SDK_SECURITY_TOKEN: keys.token,
        HUAWEI_IAM_ENDPOINT: iam.url,
        TOKEN_BUCKET: 'real-obs-bucket',
        TOKEN_REGION: 'cn-east-3',
      });
      expect(real.output()).toContain('Huawei IAM: REAL');
      const jwt = await login.mint({ sub: 'realobs' });
      const res = await fetch(`${real.url}/huawei`, { method: 'POST', headers: { Authorization: `Bearer ${jwt}` } });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ provider: 'huawei', bucket: 'real-obs-bucket', region: 'cn-east-3', prefix: 'users/realobs/' });
      expect(iam.calls).toHaveLength(1);
      expect(iam.calls[0]).toMatchObject({ auth: 'aksk', callerAccessKey: keys.ak, securityToken: keys.token });
      expect(real.output()).not.toContain(keys.sk);
    } finally {
      await stop(real);
      await iam.close();
      await login.close();
    }
  });
});

describe('the local token service on an instance with a role attached', () => {
  it('issues real tokens with no keys configured: the Aliyun chain finds the ECS RAM role through IMDSv2', async () => {
    // The instance's metadata service (hardened mode) and, standing in for the real STS, the emulator,
    // which accepts exactly the role credentials the metadata service hands out.
    const ecs = await startAliyunEcsMetadataEmulator({ mode: 'v2-required' });
    const role = ecs.credentials;
    const sts = await startAliyunStsEmulator({ callers: { [role.accessKeyId]: { accessKeySecret: role.accessKeySecret, securityToken: role.securityToken } } });
    const login = await startIdentityProvider('real-mode-app');
    let real: Started | undefined;
    try {
      real = await startService({
        ...appLogin(login),
        ALIYUN_ROLE_ARN: 'acs:ram::1234567890123456:role/on-ecs',
        ALIYUN_STS_ENDPOINT: sts.url,
        ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT: ecs.url,
        TOKEN_BUCKET: 'ecs-bucket',
        TOKEN_REGION: 'cn-beijing',
      });
      expect(real.output()).toContain('Aliyun STS: REAL');
      const jwt = await login.mint({ sub: 'onecs' });
      // Two different scopes, so two STS calls, each signed with the role's keys.
      for (const action of ['put', 'get']) {
        const res = await fetch(`${real.url}/aliyun`, { method: 'POST', headers: { Authorization: `Bearer ${jwt}` }, body: JSON.stringify({ actions: [action] }) });
        expect(res.status).toBe(200);
      }
      expect(sts.calls.map((c) => c.callerAccessKeyId)).toEqual([role.accessKeyId, role.accessKeyId]);
      // Token, role list and role credentials once: the second request reused the role's keys.
      expect(ecs.calls.map((c) => `${c.method} ${c.route}`)).toEqual(['PUT token', 'GET role-list', 'GET role-credentials']);
      expect(real.output()).not.toContain(role.accessKeySecret);
    } finally {
      await stop(real);
      await sts.close();
      await ecs.close();
      await login.close();
    }
  });
});
