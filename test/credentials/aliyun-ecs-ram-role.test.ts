import { afterEach, describe, expect, it } from 'vitest';
import {
  startAliyunEcsMetadataEmulator,
  type AliyunEcsMetadataEmulator,
  type AliyunEcsMetadataOptions,
} from '../../emulators/metadata/aliyun-ecs-metadata.js';
import {
  DEFAULT_ECS_METADATA_ENDPOINT,
  ecsRamRoleSource,
  loadEcsRamRoleOptions,
  type EcsRamRoleOptions,
} from '../../lib/credentials/aliyun/ecs-ram-role.js';
import { credentialChain } from '../../lib/credentials/chain.js';
import { METADATA_TIMEOUT_MS } from '../../lib/credentials/metadata-http.js';
import type { Invocation } from '../../lib/invocation.js';
import { captureLogs, expectNoSecrets } from '../helpers/log-capture.js';
import { problemVariables } from '../helpers/config-problems.js';

const invocation: Invocation = { requestId: 'r', remainingMs: () => 10_000, env: {} };
const quiet = { log() {} };
const TOKEN_PATH = '/latest/api/token';
const LIST_PATH = '/latest/meta-data/ram/security-credentials/';

let emulator: AliyunEcsMetadataEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function start(options: AliyunEcsMetadataOptions = {}, source: Partial<EcsRamRoleOptions> = {}) {
  const e = (emulator = await startAliyunEcsMetadataEmulator(options));
  return { emulator: e, source: ecsRamRoleSource({ endpoint: new URL(e.url), imdsV1Disabled: false, disabled: false, ...source }) };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  }
  throw new Error('expected a rejection');
}

const secretsOf = (e: AliyunEcsMetadataEmulator) => [e.credentials.accessKeySecret, e.credentials.securityToken, ...e.tokens];
const sequence = (e: AliyunEcsMetadataEmulator) => e.calls.map((call) => `${call.method} ${call.path} ${call.status ?? 'hung'}`);

async function elapsed(promise: Promise<unknown>): Promise<number> {
  const started = Date.now();
  await promise.catch(() => undefined);
  return Date.now() - started;
}

describe('loadEcsRamRoleOptions', () => {
  it('defaults: the link-local endpoint, role discovered, IMDSv1 fallback allowed, enabled', () => {
    expect(loadEcsRamRoleOptions({})).toEqual({
      endpoint: new URL(DEFAULT_ECS_METADATA_ENDPOINT),
      roleName: undefined,
      imdsV1Disabled: false,
      disabled: false,
    });
  });

  it('reads every variable', () => {
    expect(
      loadEcsRamRoleOptions({
        ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT: '127.0.0.1:8080',
        ALIBABA_CLOUD_ECS_METADATA: 'my-role_1.x@y',
        ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'FALSE',
        ALIBABA_CLOUD_IMDSV1_DISABLED: 'true',
      }),
    ).toEqual({ endpoint: new URL('http://127.0.0.1:8080/'), roleName: 'my-role_1.x@y', imdsV1Disabled: true, disabled: false });
    expect(loadEcsRamRoleOptions({ ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'yes', ALIBABA_CLOUD_IMDSV1_DISABLED: '1' })).toMatchObject({
      disabled: true,
      imdsV1Disabled: true,
    });
  });

  it.each(['role/other', '..', '.', 'a b', 'r'.repeat(65), 'rôle', 'role%2F..'])('refuses the role name %j', (value) => {
    expect(problemVariables(() => loadEcsRamRoleOptions({ ALIBABA_CLOUD_ECS_METADATA: value }))).toEqual(['ALIBABA_CLOUD_ECS_METADATA']);
  });

  it.each(['ftp://100.100.100.200', 'http://user:pw@100.100.100.200', 'http://100.100.100.200/?x=1', 'http://'])(
    'refuses the endpoint %j',
    (value) => {
      expect(problemVariables(() => loadEcsRamRoleOptions({ ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT: value }))).toEqual([
        'ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT',
      ]);
    },
  );

  it('refuses a switch it cannot read (a typo must not silently re-enable IMDSv1), naming every bad variable', () => {
    expect(
      problemVariables(() =>
        loadEcsRamRoleOptions({ ALIBABA_CLOUD_IMDSV1_DISABLED: 'ture', ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'on', ALIBABA_CLOUD_ECS_METADATA: 'a/b' }),
      ).sort(),
    ).toEqual(['ALIBABA_CLOUD_ECS_METADATA', 'ALIBABA_CLOUD_ECS_METADATA_DISABLED', 'ALIBABA_CLOUD_IMDSV1_DISABLED']);
  });
});

describe('ecsRamRoleSource', () => {
  describe('security hardening mode (IMDSv2)', () => {
    it('gets a token, then sends it with the role discovery and the credentials request', async () => {
      const { emulator: e, source } = await start({ mode: 'v2-required' });
      expect(source.name).toBe('ecs-ram-role');
      const credentials = await source.resolve(invocation, quiet);
      expect(credentials).toEqual({
        accessKeyId: e.credentials.accessKeyId,
        accessKeySecret: e.credentials.accessKeySecret,
        securityToken: e.credentials.securityToken,
        expiresAt: new Date(e.expiration),
      });
      expect(e.tokens).toHaveLength(1);
      const token = e.tokens[0];
      expect(e.calls).toEqual([
        { method: 'PUT', path: TOKEN_PATH, route: 'token', ttlSeconds: '21600', status: 200 },
        { method: 'GET', path: LIST_PATH, route: 'role-list', token, status: 200 },
        { method: 'GET', path: `${LIST_PATH}${e.roleName}`, route: 'role-credentials', token, status: 200 },
      ]);
      expect(e.rejections).toEqual([]);
    });

    it('a configured role skips the discovery', async () => {
      const { emulator: e, source } = await start({ mode: 'v2-required', roleName: 'configured-role' }, { roleName: 'configured-role' });
      await expect(source.resolve(invocation, quiet)).resolves.toMatchObject({ accessKeyId: e.credentials.accessKeyId });
      expect(sequence(e)).toEqual([`PUT ${TOKEN_PATH} 200`, `GET ${LIST_PATH}configured-role 200`]);
    });

    it('uses the token where it is optional too, and never logs it', async () => {
      const { emulator: e, source } = await start({ mode: 'v2-optional' });
      const logs = captureLogs();
      await source.resolve(invocation, logs);
      expect(e.calls.slice(1).every((call) => call.token === e.tokens[0])).toBe(true);
      expect(logs.lines).toEqual([]);
    });

    it('asks for a new token on every resolve (caching is refreshBeforeExpiry’s job)', async () => {
      const { emulator: e, source } = await start();
      await source.resolve(invocation, quiet);
      await source.resolve(invocation, quiet);
      expect(e.tokens).toHaveLength(2);
    });
  });

  describe('fallback to IMDSv1', () => {
    it.each([404, 403] as const)('when the token PUT is refused with %i: GETs without a token, with a warning', async (status) => {
      const { emulator: e, source } = await start({ mode: 'v1-only', tokenRefusalStatus: status });
      const logs = captureLogs();
      await expect(source.resolve(invocation, logs)).resolves.toMatchObject({ accessKeyId: e.credentials.accessKeyId });
      expect(sequence(e)).toEqual([`PUT ${TOKEN_PATH} ${status}`, `GET ${LIST_PATH} 200`, `GET ${LIST_PATH}${e.roleName} 200`]);
      expect(e.calls.slice(1).every((call) => call.token === undefined)).toBe(true);
      expect(logs.lines).toMatchObject([{ level: 'warn', fields: { source: 'ecs-ram-role', reason: `HTTP ${status}` } }]);
    });

    it('when the token PUT fails with a 500', async () => {
      const { emulator: e, source } = await start();
      e.failRoute('token', { kind: 'raw', status: 500, body: 'oops' });
      await expect(source.resolve(invocation, quiet)).resolves.toMatchObject({ accessKeyId: e.credentials.accessKeyId });
      expect(e.calls.slice(1).map((call) => call.token)).toEqual([undefined, undefined]);
    });

    it('when the token PUT answers an unusable token', async () => {
      const { emulator: e, source } = await start();
      e.failRoute('token', { kind: 'raw', status: 200, body: 'bad token\r\nX-Evil: 1', contentType: 'text/plain' });
      const logs = captureLogs();
      await expect(source.resolve(invocation, logs)).resolves.toBeDefined();
      expect(logs.lines[0]?.fields['reason']).toBe('the token is empty or malformed');
    });

    it('not when the token PUT hangs: that ends the attempt after one METADATA_TIMEOUT_MS', async () => {
      const { emulator: e, source } = await start();
      e.failRoute('token', { kind: 'hang' });
      const started = Date.now();
      await expect(source.resolve(invocation, quiet)).rejects.toThrow('ECS metadata service did not answer in time');
      expect(Date.now() - started).toBeGreaterThanOrEqual(METADATA_TIMEOUT_MS - 50);
      expect(Date.now() - started).toBeLessThan(METADATA_TIMEOUT_MS + 500);
      expect(e.requestCount()).toBe(1);
    });

    it('a hardened instance whose token PUT fails: the refusal says why', async () => {
      const { emulator: e, source } = await start({ mode: 'v2-required' });
      e.failRoute('token', { kind: 'raw', status: 500, body: '' });
      const error = await failure(source.resolve(invocation, quiet));
      expect(error.message).toBe(
        'ECS metadata service answered HTTP 401 for the RAM role list: the instance may require security hardening mode (IMDSv2), and no session token could be had',
      );
    });
  });

  describe('IMDSv1 disabled (ALIBABA_CLOUD_IMDSV1_DISABLED)', () => {
    it('a refused token PUT is an error, and nothing is fetched without a token', async () => {
      const { emulator: e, source } = await start({ mode: 'v1-only' }, { imdsV1Disabled: true });
      const error = await failure(source.resolve(invocation, quiet));
      expect(error.message).toBe(
        'ECS metadata service gave no session token (HTTP 404), and ALIBABA_CLOUD_IMDSV1_DISABLED forbids requests without one',
      );
      expect(sequence(e)).toEqual([`PUT ${TOKEN_PATH} 404`]);
    });

    it('a hanging token PUT fails within METADATA_TIMEOUT_MS', async () => {
      const { emulator: e, source } = await start({}, { imdsV1Disabled: true });
      e.injectFault({ kind: 'hang' }, { persistent: true });
      const started = Date.now();
      await expect(source.resolve(invocation, quiet)).rejects.toThrow('ECS metadata service did not answer in time');
      expect(Date.now() - started).toBeLessThan(METADATA_TIMEOUT_MS + 500);
      expect(e.requestCount()).toBe(1);
    });

    it('still works in hardened mode', async () => {
      const { emulator: e, source } = await start({ mode: 'v2-required' }, { imdsV1Disabled: true });
      await expect(source.resolve(invocation, quiet)).resolves.toMatchObject({ accessKeyId: e.credentials.accessKeyId });
    });
  });

  describe('nothing to give', () => {
    it('no role attached (404): undefined, and whenEmpty says so', async () => {
      const { emulator: e, source } = await start({ roleName: null, mode: 'v2-required' });
      await expect(source.resolve(invocation, quiet)).resolves.toBeUndefined();
      expect(source.whenEmpty).toBe('no RAM role attached to the instance');
      expect(sequence(e)).toEqual([`PUT ${TOKEN_PATH} 200`, `GET ${LIST_PATH} 404`]);
    });

    it('an empty role list: undefined', async () => {
      const { emulator: e, source } = await start();
      e.failRoute('role-list', { kind: 'raw', status: 200, body: ' \n\n', contentType: 'text/plain' });
      await expect(source.resolve(invocation, quiet)).resolves.toBeUndefined();
      expect(e.calls).toHaveLength(2);
    });

    it('disabled: undefined without a single request', async () => {
      const { emulator: e, source } = await start({}, { disabled: true });
      await expect(source.resolve(invocation, quiet)).resolves.toBeUndefined();
      expect(source.whenEmpty).toBe('disabled by ALIBABA_CLOUD_ECS_METADATA_DISABLED');
      expect(e.requestCount()).toBe(0);
    });

    it('in a chain, the log says why', async () => {
      const { source } = await start({ roleName: null });
      const logs = captureLogs();
      await expect(credentialChain([source], logs)(invocation)).rejects.toThrow();
      expect(logs.lines[0]?.fields['tried']).toEqual(['ecs-ram-role: no RAM role attached to the instance']);
    });
  });

  describe('role names', () => {
    it('takes the first non-empty line of the list', async () => {
      const { emulator: e, source } = await start({ roleName: 'role-a' });
      e.failRoute('role-list', { kind: 'raw', status: 200, body: '\r\n  role-a \r\nrole-b\n', contentType: 'text/plain' });
      await expect(source.resolve(invocation, quiet)).resolves.toBeDefined();
      expect(e.calls[2]?.path).toBe(`${LIST_PATH}role-a`);
    });

    it.each(['../../latest/api/token', '..', 'a b', 'role?x=1', 'role#x', 'r'.repeat(65)])('refuses the discovered name %j and fetches nothing more', async (name) => {
      const { emulator: e, source } = await start();
      e.failRoute('role-list', { kind: 'raw', status: 200, body: name, contentType: 'text/plain' });
      const error = await failure(source.resolve(invocation, quiet));
      expect(error.message).toMatch(/^ECS metadata service listed a RAM role name that is not valid/);
      expect(e.calls).toHaveLength(2);
    });

    it('a configured role the instance does not have: 404 with a hint', async () => {
      const { emulator: e, source } = await start({ roleName: 'attached' }, { roleName: 'not-attached' });
      const error = await failure(source.resolve(invocation, quiet));
      expect(error.message).toBe(
        'ECS metadata service answered HTTP 404 for the credentials of RAM role not-attached: is the role attached to this instance?',
      );
      expect(sequence(e).at(-1)).toBe(`GET ${LIST_PATH}not-attached 404`);
    });

    it('a listing error that is not 404 fails', async () => {
      const { emulator: e, source } = await start();
      e.failRoute('role-list', { kind: 'raw', status: 500, body: 'x' });
      await expect(source.resolve(invocation, quiet)).rejects.toThrow('ECS metadata service answered HTTP 500 for the RAM role list');
    });
  });

  describe('bad credential answers: clear errors without secrets', () => {
    const cases: [string, (e: AliyunEcsMetadataEmulator) => void, string][] = [
      [
        'Code other than Success, every key present',
        (e) =>
          e.failRoute('role-credentials', {
            kind: 'raw',
            status: 200,
            body: JSON.stringify({
              Code: 'Failed',
              AccessKeyId: e.credentials.accessKeyId,
              AccessKeySecret: e.credentials.accessKeySecret,
              SecurityToken: e.credentials.securityToken,
              Expiration: e.expiration,
            }),
          }),
        'answered Code Failed instead of Success',
      ],
      ['an error body', (e) => e.failRoute('role-credentials', { kind: 'error', code: 'InternalError' }), 'answered Code InternalError instead of Success'],
      [
        'no Code at all',
        (e) =>
          e.failRoute('role-credentials', {
            kind: 'raw',
            status: 200,
            body: JSON.stringify({
              AccessKeyId: e.credentials.accessKeyId,
              AccessKeySecret: e.credentials.accessKeySecret,
              SecurityToken: e.credentials.securityToken,
              Expiration: e.expiration,
            }),
          }),
        'answered without Code "Success"',
      ],
      [
        'malformed JSON',
        (e) => e.failRoute('role-credentials', { kind: 'raw', status: 200, body: `{"AccessKeySecret":"${e.credentials.accessKeySecret}"` }),
        'answered a body that is not JSON',
      ],
      [
        'missing fields',
        (e) =>
          e.failRoute('role-credentials', {
            kind: 'raw',
            status: 200,
            body: JSON.stringify({ Code: 'Success', AccessKeySecret: e.credentials.accessKeySecret, SecurityToken: e.credentials.securityToken }),
          }),
        'answered missing or malformed fields: AccessKeyId, Expiration',
      ],
      [
        'a 500 whose body holds the secret',
        (e) => e.failRoute('role-credentials', { kind: 'raw', status: 500, body: e.credentials.accessKeySecret }),
        `answered HTTP 500 for the credentials of RAM role stsgate-ecs-role`,
      ],
    ];

    it.each(cases)('%s', async (_, breakIt, message) => {
      const { emulator: e, source } = await start();
      breakIt(e);
      const error = await failure(source.resolve(invocation, quiet));
      expect(error.message).toBe(`ECS metadata service ${message}`);
      expectNoSecrets([error.message, String(error.stack)], secretsOf(e));
    });

    it.each([
      ['not ISO 8601', 'Mon, 01 Jan 2030 00:00:00 GMT', 'answered missing or malformed fields: Expiration'],
      ['impossible', '2030-02-30T99:00:00Z', 'answered an Expiration that is not a valid time'],
      ['past', '2020-01-01T00:00:00Z', 'answered credentials that expired at 2020-01-01T00:00:00.000Z'],
    ])('an Expiration that is %s', async (_, expiration, message) => {
      const { emulator: e, source } = await start({ expiration });
      const error = await failure(source.resolve(invocation, quiet));
      expect(error.message).toBe(`ECS metadata service ${message}`);
      expectNoSecrets([error.message], secretsOf(e));
    });

    it('the chain logs the reason and no secret', async () => {
      const { emulator: e, source } = await start({ mode: 'v2-required' });
      e.failRoute('role-credentials', { kind: 'raw', status: 200, body: JSON.stringify({ Code: 'Success', AccessKeySecret: e.credentials.accessKeySecret }) });
      const logs = captureLogs();
      await expect(credentialChain([source], logs)(invocation)).rejects.toThrow();
      expect(String(logs.lines[0]?.fields['tried'])).toContain('missing or malformed fields: AccessKeyId, SecurityToken, Expiration');
      expectNoSecrets(logs.lines.map((line) => line.text), secretsOf(e));
    });
  });

  describe('a hanging or absent metadata service', () => {
    it('a hanging credentials request fails after METADATA_TIMEOUT_MS', async () => {
      const { emulator: e, source } = await start({ mode: 'v2-required' });
      e.failRoute('role-credentials', { kind: 'hang' });
      const started = Date.now();
      await expect(source.resolve(invocation, quiet)).rejects.toThrow('ECS metadata service did not answer in time');
      expect(Date.now() - started).toBeLessThan(METADATA_TIMEOUT_MS + 500);
      expect(sequence(e).at(-1)).toBe(`GET ${LIST_PATH}${e.roleName} hung`);
    });

    it('a service that hangs on everything costs one timeout: the token PUT is not retried as IMDSv1', async () => {
      const { emulator: e, source } = await start();
      e.injectFault({ kind: 'hang' }, { persistent: true });
      const time = await elapsed(expect(source.resolve(invocation, quiet)).rejects.toThrow('ECS metadata service did not answer in time'));
      expect(time).toBeLessThan(METADATA_TIMEOUT_MS + 500);
      expect(e.requestCount()).toBe(1);
    });

    it('a short invocation deadline bounds the whole resolve', async () => {
      const { emulator: e, source } = await start();
      e.injectFault({ kind: 'hang' }, { persistent: true });
      const deadline = Date.now() + 800;
      const short: Invocation = { requestId: 'r', remainingMs: () => deadline - Date.now(), env: {} };
      const started = Date.now();
      await expect(source.resolve(short, quiet)).rejects.toThrow('did not answer in time');
      expect(Date.now() - started).toBeLessThan(600);
    });

    it('nothing listening: fails fast as unreachable', async () => {
      const { emulator: e, source } = await start();
      await e.close();
      const started = Date.now();
      await expect(source.resolve(invocation, quiet)).rejects.toThrow('ECS metadata service could not be reached');
      expect(Date.now() - started).toBeLessThan(METADATA_TIMEOUT_MS);
    });
  });

  it('works from the loaded options', async () => {
    const e = (emulator = await startAliyunEcsMetadataEmulator({ mode: 'v2-required', roleName: 'from-env' }));
    const options = loadEcsRamRoleOptions({ ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT: e.url, ALIBABA_CLOUD_ECS_METADATA: 'from-env' });
    await expect(ecsRamRoleSource(options).resolve(invocation, quiet)).resolves.toMatchObject({ accessKeyId: e.credentials.accessKeyId });
  });
});

describe('the ECS metadata emulator', () => {
  const get = (e: AliyunEcsMetadataEmulator, path: string, token?: string) =>
    fetch(`${e.url}${path}`, { headers: token === undefined ? {} : { 'X-aliyun-ecs-metadata-token': token } });
  const putToken = (e: AliyunEcsMetadataEmulator, ttl?: string) =>
    fetch(`${e.url}${TOKEN_PATH}`, { method: 'PUT', headers: ttl === undefined ? {} : { 'X-aliyun-ecs-metadata-token-ttl-seconds': ttl } });

  it('v2-required refuses GETs without a valid token', async () => {
    const e = (emulator = await startAliyunEcsMetadataEmulator({ mode: 'v2-required' }));
    expect((await get(e, LIST_PATH)).status).toBe(401);
    expect((await get(e, LIST_PATH, 'made-up')).status).toBe(401);
    const token = await (await putToken(e, '60')).text();
    const listed = await get(e, LIST_PATH, token);
    expect([listed.status, await listed.text()]).toEqual([200, e.roleName]);
  });

  it('refuses a token PUT without a TTL in 1..21600, and an expired token', async () => {
    let now = 1_000_000;
    const e = (emulator = await startAliyunEcsMetadataEmulator({ now: () => now }));
    for (const ttl of [undefined, '0', '21601', 'abc']) expect((await putToken(e, ttl)).status).toBe(400);
    const token = await (await putToken(e, '1')).text();
    expect((await get(e, LIST_PATH, token)).status).toBe(200);
    now += 1000;
    expect((await get(e, LIST_PATH, token)).status).toBe(401);
    expect((await get(e, LIST_PATH)).status).toBe(200); // v2-optional: no token is fine, a bad one is not
  });

  it('answers the documented credentials shape', async () => {
    const e = (emulator = await startAliyunEcsMetadataEmulator({ mode: 'v1-only', expiration: new Date('2030-01-01T00:00:00.123Z') }));
    expect((await putToken(e, '60')).status).toBe(404);
    const body = (await (await get(e, `${LIST_PATH}${e.roleName}`)).json()) as Record<string, unknown>;
    expect(body).toMatchObject({ Code: 'Success', Expiration: '2030-01-01T00:00:00Z', AccessKeyId: expect.stringMatching(/^STS\./) });
    expect(Object.keys(body).sort()).toEqual(['AccessKeyId', 'AccessKeySecret', 'Code', 'Expiration', 'LastUpdated', 'SecurityToken']);
    expect((await get(e, `${LIST_PATH}other-role`)).status).toBe(404);
  });
});
