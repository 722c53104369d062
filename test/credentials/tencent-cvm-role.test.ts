/**
 * The Tencent CVM role source (lib/credentials/tencent/cvm-role.ts) alone against the CVM metadata emulator
 * (emulators/metadata/tencent-cvm-metadata.ts): configuration, role discovery, the answers that mean "no role", and
 * every broken answer, whose errors must never carry a key.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTencentCvmMetadataEmulator } from '../../emulators/metadata/tencent-cvm-metadata.js';
import type { TencentCvmMetadataEmulator } from '../../emulators/metadata/tencent-cvm-metadata.js';
import { cvmRoleSource, loadCvmRoleOptions } from '../../lib/credentials/tencent/cvm-role.js';
import type { CvmRoleOptions } from '../../lib/credentials/tencent/cvm-role.js';
import type { Invocation } from '../../lib/invocation.js';
import type { Logger } from '../../lib/log.js';
import { problemVariables } from '../helpers/config-problems.js';

const invocation: Invocation = { requestId: 'r', remainingMs: () => 10_000, env: {} };
const logger: Logger = { log() {} };
const ROLE = 'stsgate-cvm-role';
const LIST = '/latest/meta-data/cam/security-credentials/';

const SECRETS = { tmpSecretId: 'AKIDsecretIdMarker0001', tmpSecretKey: 'SecretKeyMarker0000000000000002', token: 'TokenMarker0003' };

let emulator: TencentCvmMetadataEmulator;

beforeEach(async () => {
  emulator = await startTencentCvmMetadataEmulator({ roleName: ROLE, credentials: SECRETS });
});

afterEach(async () => {
  await emulator.close();
});

const options = (extra: Partial<CvmRoleOptions> = {}): CvmRoleOptions => ({ endpoint: new URL(emulator.url), disabled: false, ...extra });

/** The rejection, checked to name no key the emulator hands out. */
async function failureOf(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => {
      throw new Error('expected the source to fail');
    },
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(Error);
  const text = `${String(error)} ${JSON.stringify(error)} ${(error as Error).stack ?? ''}`;
  for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
  return error as Error;
}

describe('loadCvmRoleOptions', () => {
  it('defaults to the metadata host, a discovered role and enabled', () => {
    const loaded = loadCvmRoleOptions({});
    expect(loaded.endpoint.href).toBe('http://metadata.tencentyun.com/');
    expect(loaded.roleName).toBeUndefined();
    expect('roleName' in loaded).toBe(false);
    expect(loaded.disabled).toBe(false);
  });

  it('reads the endpoint, the role and the switch', () => {
    const loaded = loadCvmRoleOptions({
      TENCENTCLOUD_METADATA_ENDPOINT: ' 127.0.0.1:8080/prefix ',
      TENCENTCLOUD_CVM_ROLE: 'a@b+c=d,e-f.g_h',
      TENCENTCLOUD_CVM_ROLE_DISABLED: 'TRUE',
    });
    expect(loaded).toEqual({ endpoint: new URL('http://127.0.0.1:8080/prefix'), roleName: 'a@b+c=d,e-f.g_h', disabled: true });
  });

  it.each([
    ['false', false],
    ['0', false],
    ['no', false],
    ['1', true],
    ['yes', true],
    ['', false],
  ])('TENCENTCLOUD_CVM_ROLE_DISABLED=%j is %s', (value, disabled) => {
    expect(loadCvmRoleOptions({ TENCENTCLOUD_CVM_ROLE_DISABLED: value }).disabled).toBe(disabled);
  });

  it.each([
    ['TENCENTCLOUD_METADATA_ENDPOINT', 'ftp://metadata.tencentyun.com'],
    ['TENCENTCLOUD_METADATA_ENDPOINT', 'http://user:pass@metadata.tencentyun.com'],
    ['TENCENTCLOUD_METADATA_ENDPOINT', 'http://metadata.tencentyun.com/#x'],
    ['TENCENTCLOUD_METADATA_ENDPOINT', 'http://metadata.tencentyun.com/?role=x'],
    ['TENCENTCLOUD_METADATA_ENDPOINT', 'http://'],
    ['TENCENTCLOUD_CVM_ROLE', 'has space'],
    ['TENCENTCLOUD_CVM_ROLE', 'a/b'],
    ['TENCENTCLOUD_CVM_ROLE', '..'],
    ['TENCENTCLOUD_CVM_ROLE', '.'],
    ['TENCENTCLOUD_CVM_ROLE', 'r'.repeat(129)],
    ['TENCENTCLOUD_CVM_ROLE_DISABLED', 'ture'],
  ])('refuses %s=%j, naming the variable', (variable, value) => {
    expect(problemVariables(() => loadCvmRoleOptions({ [variable]: value }))).toEqual([variable]);
  });

  it('names every bad variable at once, never echoing a value', () => {
    const env = {
      TENCENTCLOUD_METADATA_ENDPOINT: 'gopher://x',
      TENCENTCLOUD_CVM_ROLE: 'bad role',
      TENCENTCLOUD_CVM_ROLE_DISABLED: 'maybe',
    };
    expect(problemVariables(() => loadCvmRoleOptions(env)).sort()).toEqual(Object.keys(env).sort());
    expect(() => loadCvmRoleOptions(env)).toThrow(expect.objectContaining({ message: expect.not.stringContaining('bad role') }));
  });

  it('accepts a role name of 128 characters', () => {
    expect(loadCvmRoleOptions({ TENCENTCLOUD_CVM_ROLE: 'r'.repeat(128) }).roleName).toBe('r'.repeat(128));
  });
});

describe('cvmRoleSource', () => {
  it('is named cvm-role and says why it is empty', () => {
    expect(cvmRoleSource(options()).name).toBe('cvm-role');
    expect(cvmRoleSource(options()).whenEmpty).toMatch(/no CAM role/);
    expect(cvmRoleSource(options({ disabled: true })).whenEmpty).toMatch(/TENCENTCLOUD_CVM_ROLE_DISABLED/);
  });

  it('discovers the role, then fetches its credentials', async () => {
    const credentials = await cvmRoleSource(options()).resolve(invocation, logger);
    const issued = emulator.current();
    expect(credentials).toEqual({
      accessKeyId: SECRETS.tmpSecretId,
      accessKeySecret: SECRETS.tmpSecretKey,
      securityToken: SECRETS.token,
      expiresAt: new Date(issued.expiredTime * 1000),
    });
    expect(emulator.calls.map(({ method, path }) => `${method} ${path}`)).toEqual([`GET ${LIST}`, `GET ${LIST}${ROLE}`]);
  });

  it('hands out random keys by default and follows a rotation', async () => {
    const random = await startTencentCvmMetadataEmulator();
    try {
      const source = cvmRoleSource({ endpoint: new URL(random.url), disabled: false });
      const first = await source.resolve(invocation, logger);
      expect(first?.accessKeyId).toBe(random.current().tmpSecretId);
      expect(first?.accessKeyId).toMatch(/^AKID/);
      const rotated = random.rotate();
      const second = await source.resolve(invocation, logger);
      expect(second?.accessKeySecret).toBe(rotated.tmpSecretKey);
      expect(second?.accessKeySecret).not.toBe(first?.accessKeySecret);
    } finally {
      await random.close();
    }
  });

  it('uses a configured role without discovering', async () => {
    const credentials = await cvmRoleSource(options({ roleName: ROLE })).resolve(invocation, logger);
    expect(credentials?.accessKeyId).toBe(SECRETS.tmpSecretId);
    expect(emulator.calls.map(({ path }) => path)).toEqual([`${LIST}${ROLE}`]);
  });

  it('puts a role name with @ + = , into the path as it is', async () => {
    const role = 'a@b+c=d,e-f.g_h';
    emulator.setRole(role);
    expect((await cvmRoleSource(options({ roleName: role })).resolve(invocation, logger))?.accessKeyId).toBe(SECRETS.tmpSecretId);
    expect(emulator.calls.map(({ path }) => path)).toEqual([`${LIST}${role}`]);
  });

  it('keeps a path prefix of the endpoint', async () => {
    // The emulator only knows the real paths, so the prefixed one is unknown to it: what matters is where it went.
    const prefixed = cvmRoleSource(options({ endpoint: new URL(`${emulator.url}/proxy/`), roleName: ROLE }));
    await expect(prefixed.resolve(invocation, logger)).rejects.toThrow(/HTTP 404/);
    expect(emulator.calls.map(({ path }) => path)).toEqual([`/proxy${LIST}${ROLE}`]);
  });

  it('fails, naming the role, when a configured role is not the instance role', async () => {
    const error = await failureOf(cvmRoleSource(options({ roleName: 'other-role' })).resolve(invocation, logger));
    expect(error.message).toMatch(/no credentials for the role "other-role" \(HTTP 404\)/);
    expect(emulator.rejections).toEqual([{ path: `${LIST}other-role`, reason: 'unknown-role' }]);
  });

  it('has nothing when no role is attached (404)', async () => {
    emulator.setRole(null);
    expect(await cvmRoleSource(options()).resolve(invocation, logger)).toBeUndefined();
    expect(emulator.calls.map(({ path }) => path)).toEqual([LIST]);
  });

  it('has nothing when the role listing is empty', async () => {
    const empty = await startTencentCvmMetadataEmulator({ roleName: null, noRole: 'empty' });
    try {
      expect(await cvmRoleSource({ endpoint: new URL(empty.url), disabled: false }).resolve(invocation, logger)).toBeUndefined();
      expect(empty.calls).toHaveLength(1);
    } finally {
      await empty.close();
    }
  });

  it('makes no request when disabled', async () => {
    expect(await cvmRoleSource(options({ disabled: true, roleName: ROLE })).resolve(invocation, logger)).toBeUndefined();
    expect(emulator.requestCount()).toBe(0);
  });

  it.each([
    ['a path', '../../../latest/user-data'],
    ['a dot-dot', '..'],
    ['two names', `${ROLE}\nsecond-role`],
    ['a long name', 'r'.repeat(129)],
    ['an HTML page', '<html>Error</html>'],
  ])('refuses a discovered role name that is %s, without echoing it', async (_what, body) => {
    emulator.injectFault({ kind: 'raw', status: 200, body, contentType: 'text/plain' });
    const error = await failureOf(cvmRoleSource(options()).resolve(invocation, logger));
    expect(error.message).toMatch(/not a CAM role name/);
    if (body.length > 3) expect(error.message).not.toContain(body);
    expect(emulator.requestCount()).toBe(1);
  });

  it.each([
    [500, /unavailable \(HTTP 500 for the role name\)/],
    [429, /unavailable \(HTTP 429 for the role name\)/],
    [403, /answered HTTP 403 for the role name/],
  ])('fails on HTTP %i from the role listing', async (status, message) => {
    emulator.injectFault({ kind: 'raw', status, body: 'no' });
    await expect(cvmRoleSource(options()).resolve(invocation, logger)).rejects.toThrow(message);
  });

  it('fails on HTTP 500 for the credentials', async () => {
    emulator.injectFault({ kind: 'delay', ms: 0 });
    emulator.injectFault({ kind: 'raw', status: 500, body: JSON.stringify({ TmpSecretKey: SECRETS.tmpSecretKey }) });
    const error = await failureOf(cvmRoleSource(options()).resolve(invocation, logger));
    expect(error.message).toMatch(/unavailable \(HTTP 500 for the credentials of the role "stsgate-cvm-role"\)/);
  });

  describe('timeouts', () => {
    it('rejects within about a second when the service hangs', async () => {
      emulator.injectFault({ kind: 'hang' }, { persistent: true });
      const started = performance.now();
      await expect(cvmRoleSource(options()).resolve(invocation, logger)).rejects.toThrow(/did not answer in time/);
      const elapsed = performance.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(900);
      expect(elapsed).toBeLessThan(1500);
      expect(emulator.requestCount()).toBe(1);
    });

    it('rejects within about a second when the credentials request hangs', async () => {
      emulator.injectFault({ kind: 'delay', ms: 0 });
      emulator.injectFault({ kind: 'hang' });
      const started = performance.now();
      await expect(cvmRoleSource(options()).resolve(invocation, logger)).rejects.toThrow(/did not answer in time/);
      expect(performance.now() - started).toBeLessThan(1500);
      expect(emulator.requestCount()).toBe(2);
    });

    it('gives up sooner when the invocation is about to end', async () => {
      emulator.injectFault({ kind: 'hang' }, { persistent: true });
      const short: Invocation = { ...invocation, remainingMs: () => 700 };
      const started = performance.now();
      await expect(cvmRoleSource(options({ roleName: ROLE })).resolve(short, logger)).rejects.toThrow(/did not answer in time/);
      expect(performance.now() - started).toBeLessThan(600);
    });

    it('makes no request once the invocation has no time left for it', async () => {
      const ending: Invocation = { ...invocation, remainingMs: () => 300 };
      await expect(cvmRoleSource(options()).resolve(ending, logger)).rejects.toThrow(/did not answer in time/);
      expect(emulator.requestCount()).toBe(0);
    });

    it('reports a service that cannot be reached', async () => {
      const gone = new URL(emulator.url);
      await emulator.close();
      await expect(cvmRoleSource({ endpoint: gone, disabled: false }).resolve(invocation, logger)).rejects.toThrow(/could not be reached/);
    });
  });

  describe('broken credential documents', () => {
    const resolveConfigured = () => cvmRoleSource(options({ roleName: ROLE })).resolve(invocation, logger);

    it('refuses a body that is not JSON, without quoting it', async () => {
      emulator.injectFault({ kind: 'raw', status: 200, body: `{"TmpSecretKey":"${SECRETS.tmpSecretKey}","Token":"${SECRETS.token}"` });
      const error = await failureOf(resolveConfigured());
      expect(error.message).toMatch(/not valid JSON/);
      expect(error.cause).toBeUndefined();
    });

    it.each(['[]', 'null', '"Success"', '42'])('refuses the JSON value %s', async (body) => {
      emulator.injectFault({ kind: 'raw', status: 200, body });
      await expect(resolveConfigured()).rejects.toThrow(/not a JSON object/);
    });

    it('refuses a Code other than Success, naming the code only', async () => {
      emulator.setDocumentOverrides({ Code: 'InternalError' });
      const error = await failureOf(resolveConfigured());
      expect(error.message).toMatch(/answered Code "InternalError"/);
    });

    it('refuses an error fault document', async () => {
      emulator.injectFault({ kind: 'error', code: 'Failed' });
      await expect(resolveConfigured()).rejects.toThrow(/answered Code "Failed"/);
    });

    it('does not echo a Code that is not a plain identifier', async () => {
      emulator.setDocumentOverrides({ Code: `Failed ${SECRETS.tmpSecretKey} <script>` });
      const error = await failureOf(resolveConfigured());
      expect(error.message).toMatch(/answered Code "unknown"/);
    });

    it('refuses a document without Code', async () => {
      emulator.setDocumentOverrides({ Code: undefined });
      expect((await failureOf(resolveConfigured())).message).toEqual(expect.stringMatching(/without Code "Success"/));
    });

    it.each(['TmpSecretId', 'TmpSecretKey', 'Token'])('refuses a document without %s, naming the field', async (field) => {
      emulator.setDocumentOverrides({ [field]: undefined });
      const error = await failureOf(resolveConfigured());
      expect(error.message).toMatch(new RegExp(`whose ${field} is missing or invalid`));
    });

    it.each([
      ['empty', ''],
      ['a number', 12345],
      ['with a space', 'abc def'],
      ['with a newline', 'abc\r\nX-Injected: 1'],
    ])('refuses a TmpSecretKey that is %s', async (_what, value) => {
      emulator.setDocumentOverrides({ TmpSecretKey: value });
      expect((await failureOf(resolveConfigured())).message).toEqual(expect.stringMatching(/TmpSecretKey is missing or invalid/));
    });

    it('names every bad field at once', async () => {
      emulator.setDocumentOverrides({ TmpSecretId: undefined, Token: 7 });
      const error = await failureOf(resolveConfigured());
      expect(error.message).toMatch(/whose TmpSecretId, Token are missing or invalid/);
    });
  });

  describe('expiry', () => {
    const resolveConfigured = () => cvmRoleSource(options({ roleName: ROLE })).resolve(invocation, logger);
    const inAnHour = Math.floor(Date.now() / 1000) + 3600;

    it('takes the expiry from ExpiredTime alone', async () => {
      emulator.setDocumentOverrides({ Expiration: undefined, ExpiredTime: inAnHour });
      expect((await resolveConfigured())?.expiresAt).toEqual(new Date(inAnHour * 1000));
    });

    it('takes the expiry from Expiration alone', async () => {
      emulator.setDocumentOverrides({ ExpiredTime: undefined, Expiration: new Date(inAnHour * 1000).toISOString() });
      expect((await resolveConfigured())?.expiresAt).toEqual(new Date(inAnHour * 1000));
    });

    it('accepts an Expiration with an offset', async () => {
      const offset = new Date((inAnHour + 8 * 3600) * 1000).toISOString().replace(/\.\d{3}Z$/, '+08:00');
      emulator.setDocumentOverrides({ ExpiredTime: inAnHour, Expiration: offset });
      expect((await resolveConfigured())?.expiresAt).toEqual(new Date(inAnHour * 1000));
    });

    it('accepts two times less than a second apart, keeping the earlier', async () => {
      emulator.setDocumentOverrides({ ExpiredTime: inAnHour, Expiration: new Date(inAnHour * 1000 + 800).toISOString() });
      expect((await resolveConfigured())?.expiresAt).toEqual(new Date(inAnHour * 1000));
      emulator.setDocumentOverrides({ ExpiredTime: inAnHour, Expiration: new Date(inAnHour * 1000 - 800).toISOString() });
      expect((await resolveConfigured())?.expiresAt).toEqual(new Date(inAnHour * 1000 - 800));
    });

    it('refuses ExpiredTime and Expiration that disagree', async () => {
      emulator.setDocumentOverrides({ ExpiredTime: inAnHour, Expiration: new Date((inAnHour + 2) * 1000).toISOString() });
      const error = await failureOf(resolveConfigured());
      expect(error.message).toMatch(/ExpiredTime \(.+\) and Expiration \(.+\) disagree/);
    });

    it('refuses a document without any expiry', async () => {
      emulator.setDocumentOverrides({ ExpiredTime: undefined, Expiration: undefined });
      expect((await failureOf(resolveConfigured())).message).toEqual(expect.stringMatching(/without ExpiredTime or Expiration/));
    });

    it.each([
      ['a string', String(Math.floor(Date.now() / 1000) + 3600)],
      ['a fraction', 1.5],
      ['negative', -1],
      ['zero', 0],
      ['in milliseconds', Date.now() + 3_600_000],
    ])('refuses an ExpiredTime that is %s', async (_what, value) => {
      emulator.setDocumentOverrides({ ExpiredTime: value });
      expect((await failureOf(resolveConfigured())).message).toEqual(expect.stringMatching(/ExpiredTime is missing or invalid/));
    });

    it.each(['tomorrow', '2030-13-45T99:99:99Z', '1', '2030-01-01'])('refuses the Expiration %j', async (value) => {
      emulator.setDocumentOverrides({ ExpiredTime: undefined, Expiration: value });
      const error = await failureOf(resolveConfigured());
      expect(error.message).toMatch(/Expiration is (missing or invalid|not a valid time)/);
    });

    it('refuses credentials that have already expired', async () => {
      const past = Math.floor(Date.now() / 1000) - 60;
      emulator.setDocumentOverrides({ ExpiredTime: past, Expiration: new Date(past * 1000).toISOString() });
      const error = await failureOf(resolveConfigured());
      expect(error.message).toMatch(/credentials that expired at /);
    });
  });
});
