/**
 * The Huawei ECS metadata source (lib/credentials/huawei/ecs-metadata.ts) alone against the ECS metadata emulator
 * (emulators/metadata/huawei-ecs-metadata.ts): configuration, the session-token flow and its fallbacks, the answers that
 * mean "no agency", and every broken answer, whose errors must never carry a key.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ECS_SECURITY_KEY_PATH,
  ECS_TOKEN_PATH,
  NO_AGENCY_MESSAGE,
  startHuaweiEcsMetadataEmulator,
} from '../../emulators/metadata/huawei-ecs-metadata.js';
import type { HuaweiEcsMetadataEmulator, HuaweiEcsMetadataEmulatorOptions } from '../../emulators/metadata/huawei-ecs-metadata.js';
import { huaweiEcsMetadataSource, loadHuaweiEcsMetadataOptions } from '../../lib/credentials/huawei/ecs-metadata.js';
import type { HuaweiEcsMetadataOptions } from '../../lib/credentials/huawei/ecs-metadata.js';
import type { Invocation } from '../../lib/invocation.js';
import type { Logger, LogFields } from '../../lib/log.js';
import { problemVariables } from '../helpers/config-problems.js';

const invocation: Invocation = { requestId: 'r', remainingMs: () => 10_000, env: {} };
const logger: Logger = { log() {} };

const SECRETS = {
  access: 'ACCESSMARKER00000001',
  secret: 'SecretMarker000000000000000000000000002',
  securitytoken: 'SecurityTokenMarker0003',
};

let emulator: HuaweiEcsMetadataEmulator;

async function start(extra: HuaweiEcsMetadataEmulatorOptions = {}): Promise<HuaweiEcsMetadataEmulator> {
  await emulator?.close();
  emulator = await startHuaweiEcsMetadataEmulator({ credentials: SECRETS, ...extra });
  return emulator;
}

beforeEach(async () => {
  emulator = await startHuaweiEcsMetadataEmulator({ credentials: SECRETS });
});

afterEach(async () => {
  await emulator.close();
});

const options = (extra: Partial<HuaweiEcsMetadataOptions> = {}): HuaweiEcsMetadataOptions => ({
  endpoint: new URL(emulator.url),
  disabled: false,
  ...extra,
});
const resolve = (inv: Invocation = invocation, log: Logger = logger) => huaweiEcsMetadataSource(options()).resolve(inv, log);
/** `METHOD path [token]` per request, `[token]` when it carried X-Metadata-Token. */
const sequence = () =>
  emulator.calls.map(({ method, path, headers }) => `${method} ${path}${headers['x-metadata-token'] === undefined ? '' : ' [token]'}`);

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

function recordingLogger(): Logger & { lines: { level: string; message: string; fields?: LogFields }[] } {
  const lines: { level: string; message: string; fields?: LogFields }[] = [];
  return {
    lines,
    log(level, message, fields) {
      lines.push({ level, message, ...(fields ? { fields } : {}) });
    },
  };
}

describe('loadHuaweiEcsMetadataOptions', () => {
  it('defaults to the link-local metadata address, enabled', () => {
    const loaded = loadHuaweiEcsMetadataOptions({});
    expect(loaded.endpoint.href).toBe('http://169.254.169.254/');
    expect(loaded.disabled).toBe(false);
  });

  it('reads the endpoint and the switch', () => {
    expect(
      loadHuaweiEcsMetadataOptions({ HUAWEICLOUD_ECS_METADATA_ENDPOINT: '127.0.0.1:9000', HUAWEICLOUD_ECS_METADATA_DISABLED: 'yes' }),
    ).toEqual({ endpoint: new URL('http://127.0.0.1:9000'), disabled: true });
    expect(loadHuaweiEcsMetadataOptions({ HUAWEICLOUD_ECS_METADATA_DISABLED: 'False' }).disabled).toBe(false);
    expect(loadHuaweiEcsMetadataOptions({ HUAWEICLOUD_ECS_METADATA_DISABLED: '  ' }).disabled).toBe(false);
  });

  it.each([
    ['HUAWEICLOUD_ECS_METADATA_ENDPOINT', 'file:///etc/passwd'],
    ['HUAWEICLOUD_ECS_METADATA_ENDPOINT', 'http://ak:sk@169.254.169.254'],
    ['HUAWEICLOUD_ECS_METADATA_ENDPOINT', 'http://169.254.169.254/?x=1'],
    ['HUAWEICLOUD_ECS_METADATA_ENDPOINT', 'http://169.254.169.254/#frag'],
    ['HUAWEICLOUD_ECS_METADATA_DISABLED', 'disabled'],
    ['HUAWEICLOUD_ECS_METADATA_DISABLED', '${env(HUAWEICLOUD_ECS_METADATA_DISABLED)}'],
  ])('refuses %s=%j, naming the variable', (variable, value) => {
    expect(problemVariables(() => loadHuaweiEcsMetadataOptions({ [variable]: value }))).toEqual([variable]);
  });

  it('never echoes a value', () => {
    expect(() => loadHuaweiEcsMetadataOptions({ HUAWEICLOUD_ECS_METADATA_ENDPOINT: 'http://ak:SKVALUE@host' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('SKVALUE') }),
    );
  });
});

describe('huaweiEcsMetadataSource', () => {
  it('is named ecs-metadata and says why it is empty', () => {
    expect(huaweiEcsMetadataSource(options()).name).toBe('ecs-metadata');
    expect(huaweiEcsMetadataSource(options()).whenEmpty).toMatch(/no agency/);
    expect(huaweiEcsMetadataSource(options({ disabled: true })).whenEmpty).toMatch(/HUAWEICLOUD_ECS_METADATA_DISABLED/);
  });

  it('makes no request when disabled', async () => {
    expect(await huaweiEcsMetadataSource(options({ disabled: true })).resolve(invocation, logger)).toBeUndefined();
    expect(emulator.requestCount()).toBe(0);
  });

  describe('session tokens', () => {
    it('asks for a token, then sends it with the GET (required mode)', async () => {
      const credentials = await resolve();
      const issued = emulator.current();
      expect(credentials).toEqual({
        accessKeyId: SECRETS.access,
        accessKeySecret: SECRETS.secret,
        securityToken: SECRETS.securitytoken,
        expiresAt: new Date(issued.expiresAt.replace(/(\.\d{3})\d+Z$/, '$1Z')),
      });
      expect(sequence()).toEqual([`PUT ${ECS_TOKEN_PATH}`, `GET ${ECS_SECURITY_KEY_PATH} [token]`]);
      const [put, get] = emulator.calls;
      expect(put?.headers['x-metadata-token-ttl-seconds']).toBe('21600');
      expect(put?.headers['x-metadata-token']).toBeUndefined();
      expect(get?.headers['x-metadata-token']).toBe(emulator.issuedTokens[0]);
      expect(get?.headers['x-metadata-token-ttl-seconds']).toBeUndefined();
    });

    it('the emulator refuses a GET without a valid token in required mode', async () => {
      const bare = await fetch(`${emulator.url}${ECS_SECURITY_KEY_PATH}`);
      expect(bare.status).toBe(401);
      const forged = await fetch(`${emulator.url}${ECS_SECURITY_KEY_PATH}`, { headers: { 'X-Metadata-Token': 'forged' } });
      expect(forged.status).toBe(401);
      expect(emulator.rejections.map(({ reason }) => reason)).toEqual(['missing-token', 'invalid-token']);
    });

    it.each([404, 405] as const)('falls back to a tokenless GET when the token PUT answers %i', async (status) => {
      await start({ tokenMode: 'unsupported', unsupportedStatus: status });
      const log = recordingLogger();
      const credentials = await resolve(invocation, log);
      expect(credentials?.accessKeyId).toBe(SECRETS.access);
      expect(sequence()).toEqual([`PUT ${ECS_TOKEN_PATH}`, `GET ${ECS_SECURITY_KEY_PATH}`]);
      expect(emulator.rejections).toEqual([{ method: 'PUT', path: ECS_TOKEN_PATH, reason: 'token-unsupported' }]);
      // An old metadata service is normal, not worth a warning.
      expect(log.lines).toEqual([]);
    });

    it('sends the token in optional mode too', async () => {
      await start({ tokenMode: 'optional' });
      expect((await resolve())?.accessKeyId).toBe(SECRETS.access);
      expect(sequence()).toEqual([`PUT ${ECS_TOKEN_PATH}`, `GET ${ECS_SECURITY_KEY_PATH} [token]`]);
    });

    it.each([
      ['HTTP 500', { kind: 'raw', status: 500, body: 'oops' }, 'HTTP 500'],
      ['HTTP 403', { kind: 'raw', status: 403, body: 'forbidden' }, 'HTTP 403'],
      ['an empty token', { kind: 'raw', status: 200, body: '', contentType: 'text/plain' }, 'no usable token'],
      ['a token with spaces', { kind: 'raw', status: 200, body: 'two words', contentType: 'text/plain' }, 'no usable token'],
    ] as const)('tries without a token after %s when tokens are optional, with a warning', async (_what, fault, problem) => {
      await start({ tokenMode: 'optional' });
      emulator.injectFault(fault);
      const log = recordingLogger();
      expect((await resolve(invocation, log))?.accessKeyId).toBe(SECRETS.access);
      // The PUT was stopped by the fault, so only the GET reached the request log.
      expect(emulator.requestCount()).toBe(2);
      expect(sequence()).toEqual([`GET ${ECS_SECURITY_KEY_PATH}`]);
      expect(log.lines).toEqual([
        {
          level: 'warn',
          message: expect.stringMatching(/token request failed/),
          fields: { source: 'ecs-metadata', problem: expect.stringContaining(problem) },
        },
      ]);
    });

    it('explains a 401 on the tokenless GET by the failed token request', async () => {
      emulator.injectFault({ kind: 'raw', status: 503, body: 'busy' });
      const error = await failureOf(resolve());
      expect(error.message).toMatch(/requires a session token \(HTTP 401\), and the token request failed \(HTTP 503\)/);
      expect(emulator.rejections.map(({ reason }) => reason)).toEqual(['missing-token']);
    });

    it('reports a token the service refuses', async () => {
      emulator.injectFault({ kind: 'raw', status: 200, body: 'not-the-issued-token', contentType: 'text/plain' });
      const error = await failureOf(resolve());
      expect(error.message).toMatch(/refused the session token/);
      expect(sequence()).toEqual([`GET ${ECS_SECURITY_KEY_PATH} [token]`]);
      expect(emulator.rejections.map(({ reason }) => reason)).toEqual(['invalid-token']);
    });

    it('asks for a new token on every resolve (credentials are cached by the wrapper, not here)', async () => {
      await resolve();
      await resolve();
      expect(emulator.issuedTokens).toHaveLength(2);
      expect(emulator.issuedTokens[0]).not.toBe(emulator.issuedTokens[1]);
    });
  });

  describe('no agency', () => {
    it.each([401, 404] as const)('has nothing when the service answers %i "configure an agency"', async (status) => {
      for (const tokenMode of ['required', 'optional', 'unsupported'] as const) {
        await start({ agency: false, noAgencyStatus: status, tokenMode });
        expect(await resolve()).toBeUndefined();
        expect(emulator.rejections.at(-1)).toEqual({ method: 'GET', path: ECS_SECURITY_KEY_PATH, reason: 'no-agency' });
      }
    });

    it('follows an agency attached later', async () => {
      emulator.setAgency(false);
      expect(await resolve()).toBeUndefined();
      emulator.setAgency(true);
      expect((await resolve())?.accessKeyId).toBe(SECRETS.access);
    });

    it('does not take any 404 for "no agency"', async () => {
      emulator.injectFault({ kind: 'delay', ms: 0 });
      emulator.injectFault({ kind: 'error', status: 404, message: 'Not Found' });
      expect((await failureOf(resolve())).message).toEqual(expect.stringMatching(/answered HTTP 404 for the security key/));
    });

    it('recognises the message in another wrapping', async () => {
      emulator.injectFault({ kind: 'delay', ms: 0 });
      emulator.injectFault({ kind: 'raw', status: 401, body: `{"error":{"message":"${NO_AGENCY_MESSAGE}."}}` });
      expect(await resolve()).toBeUndefined();
    });
  });

  describe('failures', () => {
    it.each([
      [500, /unavailable \(HTTP 500 for the security key\)/],
      [429, /unavailable \(HTTP 429 for the security key\)/],
      [403, /answered HTTP 403 for the security key/],
    ])('fails on HTTP %i from the GET', async (status, message) => {
      emulator.injectFault({ kind: 'delay', ms: 0 });
      emulator.injectFault({ kind: 'error', status, message: SECRETS.secret });
      expect((await failureOf(resolve())).message).toEqual(expect.stringMatching(message));
    });

    it('rejects within about a second when the service hangs, without a second wait', async () => {
      emulator.injectFault({ kind: 'hang' }, { persistent: true });
      const started = performance.now();
      await expect(resolve()).rejects.toThrow(/did not answer in time/);
      const elapsed = performance.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(900);
      expect(elapsed).toBeLessThan(1500);
      expect(emulator.requestCount()).toBe(1);
    });

    it('rejects within about a second when only the GET hangs', async () => {
      emulator.injectFault({ kind: 'delay', ms: 0 });
      emulator.injectFault({ kind: 'hang' });
      const started = performance.now();
      await expect(resolve()).rejects.toThrow(/did not answer in time/);
      expect(performance.now() - started).toBeLessThan(1500);
      expect(emulator.requestCount()).toBe(2);
    });

    it('gives up sooner when the invocation is about to end', async () => {
      emulator.injectFault({ kind: 'hang' }, { persistent: true });
      const short: Invocation = { ...invocation, remainingMs: () => 700 };
      const started = performance.now();
      await expect(resolve(short)).rejects.toThrow(/did not answer in time/);
      expect(performance.now() - started).toBeLessThan(600);
    });

    it('makes no request once the invocation has no time left for it', async () => {
      await expect(resolve({ ...invocation, remainingMs: () => 400 })).rejects.toThrow(/did not answer in time/);
      expect(emulator.requestCount()).toBe(0);
    });

    it('reports a service that cannot be reached', async () => {
      const gone = new URL(emulator.url);
      await emulator.close();
      await expect(huaweiEcsMetadataSource({ endpoint: gone, disabled: false }).resolve(invocation, logger)).rejects.toThrow(
        /could not be reached/,
      );
    });
  });

  describe('broken security key documents', () => {
    it('refuses a body that is not JSON, without quoting it', async () => {
      emulator.injectFault({ kind: 'delay', ms: 0 });
      emulator.injectFault({ kind: 'raw', status: 200, body: `{"credential":{"access":"${SECRETS.access}","secret":"${SECRETS.secret}"` });
      const error = await failureOf(resolve());
      expect(error.message).toMatch(/not valid JSON/);
      expect(error.cause).toBeUndefined();
    });

    it.each(['{}', '[]', 'null', '{"credential":"x"}'])('refuses the document %s', async (body) => {
      emulator.injectFault({ kind: 'delay', ms: 0 });
      emulator.injectFault({ kind: 'raw', status: 200, body });
      expect((await failureOf(resolve())).message).toEqual(expect.stringMatching(/is missing or invalid/));
    });

    it.each(['access', 'secret', 'securitytoken', 'expires_at'])('refuses a credential without %s, naming the field', async (field) => {
      emulator.setDocumentOverrides({ [field]: undefined });
      const error = await failureOf(resolve());
      expect(error.message).toMatch(new RegExp(`whose credential\\.${field} is missing or invalid`));
    });

    it.each([
      ['empty', ''],
      ['a number', 42],
      ['with a newline', 'abc\ndef'],
      ['too long', 'x'.repeat(257)],
    ])('refuses a secret that is %s', async (_what, value) => {
      emulator.setDocumentOverrides({ secret: value });
      expect((await failureOf(resolve())).message).toEqual(expect.stringMatching(/credential\.secret is missing or invalid/));
    });

    it('names every bad field at once', async () => {
      emulator.setDocumentOverrides({ access: undefined, securitytoken: '' });
      await expect(failureOf(resolve())).resolves.toHaveProperty(
        'message',
        expect.stringMatching(/credential\.access, credential\.securitytoken are missing or invalid/),
      );
    });
  });

  describe('expiry', () => {
    it('reads expires_at with microseconds', async () => {
      emulator.setDocumentOverrides({ expires_at: '2099-01-08T03:50:07.574123Z' });
      expect((await resolve())?.expiresAt).toEqual(new Date('2099-01-08T03:50:07.574Z'));
    });

    it('reads expires_at without a fraction', async () => {
      emulator.setDocumentOverrides({ expires_at: '2099-01-08T03:50:07Z' });
      expect((await resolve())?.expiresAt).toEqual(new Date('2099-01-08T03:50:07Z'));
    });

    it.each(['tomorrow', '2099-01-08', '2099-13-40T03:50:07.574000Z', '2099-01-08 03:50:07', 1_900_000_000])(
      'refuses the expires_at %j',
      async (value) => {
        emulator.setDocumentOverrides({ expires_at: value });
        await expect(failureOf(resolve())).resolves.toHaveProperty(
          'message',
          expect.stringMatching(/credential\.expires_at is (missing or invalid|not a valid time)/),
        );
      },
    );

    it('refuses credentials that have already expired', async () => {
      await start({ lifetimeSeconds: 1, now: () => Date.now() - 60_000 });
      const error = await failureOf(resolve());
      expect(error.message).toMatch(/credentials that expired at /);
    });
  });
});
