import { afterEach, describe, expect, it } from 'vitest';
import { startCredentialsUriEmulator, type CredentialsUriEmulator } from '../../emulators/metadata/credentials-uri.js';
import { credentialsUriSource, loadCredentialsUriOptions, parseAliyunSessionCredentials } from '../../lib/credentials/aliyun/credentials-uri.js';
import { credentialChain } from '../../lib/credentials/chain.js';
import { METADATA_TIMEOUT_MS } from '../../lib/credentials/metadata-http.js';
import type { Invocation } from '../../lib/invocation.js';
import { ConfigError } from '../../lib/errors.js';
import { captureLogs, expectNoSecrets } from '../helpers/log-capture.js';
import { problemVariables } from '../helpers/config-problems.js';

const VARIABLE = 'ALIBABA_CLOUD_CREDENTIALS_URI';
const invocation: Invocation = { requestId: 'r', remainingMs: () => 10_000, env: {} };
const logger = { log() {} };

let emulator: CredentialsUriEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function start(options: Parameters<typeof startCredentialsUriEmulator>[0] = {}) {
  emulator = await startCredentialsUriEmulator(options);
  return { emulator, source: credentialsUriSource({ uri: new URL(emulator.uri) }) };
}

/** The error `promise` rejects with; fails when it resolves. */
async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  }
  throw new Error('expected a rejection');
}

function secretsOf(e: CredentialsUriEmulator): string[] {
  return [e.credentials.accessKeySecret, e.credentials.securityToken];
}

describe('loadCredentialsUriOptions', () => {
  it('is undefined when the variable is unset or blank', () => {
    expect(loadCredentialsUriOptions({})).toBeUndefined();
    expect(loadCredentialsUriOptions({ [VARIABLE]: '  ' })).toBeUndefined();
  });

  it.each([
    'https://creds.example.com/v1/credentials?role=x',
    'http://127.0.0.1:8080/credentials',
    'http://127.0.0.53/credentials',
    'http://localhost:9000/',
    'http://[::1]:9000/creds',
    'http://169.254.170.2/v2/credentials',
    '127.0.0.1:8080/credentials',
  ])('accepts %s', (value) => {
    expect(loadCredentialsUriOptions({ [VARIABLE]: value })?.uri).toBeInstanceOf(URL);
  });

  it.each([
    'http://creds.example.com/credentials',
    'http://10.0.0.8/credentials',
    'http://169.255.0.1/',
    'http://localhost.example.com/',
    'creds.example.com/credentials',
    'ftp://127.0.0.1/credentials',
    'https://host/credentials#frag',
    'http://',
    '${env(CREDS_URI)}',
  ])('refuses %s with a ConfigError naming the variable', (value) => {
    expect(problemVariables(() => loadCredentialsUriOptions({ [VARIABLE]: value }))).toEqual([VARIABLE]);
  });

  it('never puts the value (which may hold a password) into the error', () => {
    let error: unknown;
    try {
      loadCredentialsUriOptions({ [VARIABLE]: 'https://user:hunter2-secret-pw@creds.example.com/' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(VARIABLE);
    expect((error as Error).message).not.toContain('hunter2-secret-pw');
  });
});

describe('credentialsUriSource', () => {
  it('has nothing when not configured, and says why', async () => {
    const source = credentialsUriSource(undefined);
    expect(source.name).toBe('credentials-uri');
    expect(source.whenEmpty).toContain(VARIABLE);
    await expect(source.resolve(invocation, logger)).resolves.toBeUndefined();
  });

  it('GETs the URI and returns its credentials with their expiry', async () => {
    const expiration = new Date(Date.now() + 3_600_000);
    const { emulator: e, source } = await start({ expiration, path: '/v1/creds' });
    const credentials = await source.resolve(invocation, logger);
    expect(credentials).toEqual({
      accessKeyId: e.credentials.accessKeyId,
      accessKeySecret: e.credentials.accessKeySecret,
      securityToken: e.credentials.securityToken,
      expiresAt: new Date(e.expiration),
    });
    expect(e.calls).toEqual([{ method: 'GET', target: '/v1/creds', accept: 'application/json', status: 200 }]);
  });

  it('keeps the query string of the URI', async () => {
    const e = (emulator = await startCredentialsUriEmulator());
    await credentialsUriSource({ uri: new URL(`${e.uri}?role=reader`) }).resolve(invocation, logger);
    expect(e.calls[0]?.target).toBe('/credentials?role=reader');
  });

  it('accepts an answer without Code', async () => {
    const { source } = await start({ code: null });
    await expect(source.resolve(invocation, logger)).resolves.toMatchObject({ accessKeyId: expect.any(String) });
  });

  it('works from the loaded options', async () => {
    const e = (emulator = await startCredentialsUriEmulator());
    const options = loadCredentialsUriOptions({ [VARIABLE]: e.uri });
    await expect(credentialsUriSource(options).resolve(invocation, logger)).resolves.toMatchObject({ accessKeyId: e.credentials.accessKeyId });
  });

  describe('failures are clear and never echo the body', () => {
    it('non-2xx: says the status only', async () => {
      const { emulator: e, source } = await start();
      e.injectFault({ kind: 'raw', status: 500, body: JSON.stringify({ AccessKeySecret: e.credentials.accessKeySecret }) });
      const error = await failure(source.resolve(invocation, logger));
      expect(error.message).toBe('credentials URI answered HTTP 500');
      expectNoSecrets([error.message], secretsOf(e));
    });

    it('a 404 for a wrong path', async () => {
      const e = (emulator = await startCredentialsUriEmulator());
      const error = await failure(credentialsUriSource({ uri: new URL(`${e.url}/elsewhere`) }).resolve(invocation, logger));
      expect(error.message).toBe('credentials URI answered HTTP 404');
    });

    it('Code other than Success, even with every key present', async () => {
      const { emulator: e, source } = await start({ code: 'Failed' });
      const error = await failure(source.resolve(invocation, logger));
      expect(error.message).toBe('credentials URI answered Code Failed instead of Success');
      expectNoSecrets([error.message], secretsOf(e));
    });

    it('an error body at 200', async () => {
      const { emulator: e, source } = await start();
      e.injectFault({ kind: 'error', code: 'NoPermission' });
      expect((await failure(source.resolve(invocation, logger))).message).toContain('Code NoPermission');
    });

    it('a Code that is not a plain identifier is not echoed', async () => {
      const { emulator: e, source } = await start();
      e.injectFault({ kind: 'raw', status: 200, body: JSON.stringify({ Code: `x ${e.credentials.accessKeySecret} <script>` }) });
      const error = await failure(source.resolve(invocation, logger));
      expect(error.message).toBe('credentials URI answered Code unknown instead of Success');
    });

    it('garbage instead of JSON', async () => {
      const { emulator: e, source } = await start();
      e.injectFault({ kind: 'raw', status: 200, body: `{"AccessKeySecret":"${e.credentials.accessKeySecret}", oops` });
      const error = await failure(source.resolve(invocation, logger));
      expect(error.message).toBe('credentials URI answered a body that is not JSON');
      expectNoSecrets([error.message], secretsOf(e));
    });

    it('JSON that is not an object', async () => {
      const { emulator: e, source } = await start();
      e.injectFault({ kind: 'raw', status: 200, body: '["a"]' });
      expect((await failure(source.resolve(invocation, logger))).message).toBe('credentials URI answered JSON that is not an object');
    });

    it('missing fields are named, values are not', async () => {
      const { emulator: e, source } = await start();
      const { accessKeyId, accessKeySecret } = e.credentials;
      e.injectFault({ kind: 'raw', status: 200, body: JSON.stringify({ Code: 'Success', AccessKeyId: accessKeyId, AccessKeySecret: accessKeySecret }) });
      const error = await failure(source.resolve(invocation, logger));
      expect(error.message).toBe('credentials URI answered missing or malformed fields: SecurityToken, Expiration');
      expectNoSecrets([error.message], secretsOf(e));
    });

    it('a value that could split a header (CR/LF) is refused', async () => {
      const { emulator: e, source } = await start({ credentials: { securityToken: 'CAIS-token-value\r\nX-Injected: 1' } });
      const error = await failure(source.resolve(invocation, logger));
      expect(error.message).toBe('credentials URI answered missing or malformed fields: SecurityToken');
      expect(error.message).not.toContain('CAIS-token-value');
    });

    it.each([
      ['not ISO 8601', 'tomorrow', 'missing or malformed fields: Expiration'],
      ['a date without time', '2030-01-01', 'missing or malformed fields: Expiration'],
      ['an impossible date', '2030-13-45T25:00:00Z', 'an Expiration that is not a valid time'],
      ['already past', '2001-01-01T00:00:00Z', 'credentials that expired at 2001-01-01T00:00:00.000Z'],
    ])('an Expiration that is %s', async (_, expiration, message) => {
      const { emulator: e, source } = await start({ expiration });
      const error = await failure(source.resolve(invocation, logger));
      expect(error.message).toBe(`credentials URI answered ${message}`);
      expectNoSecrets([error.message], secretsOf(e));
    });

    it('nothing listening: could not be reached', async () => {
      const { emulator: e, source } = await start();
      await e.close();
      await expect(source.resolve(invocation, logger)).rejects.toThrow('credentials URI could not be reached');
    });
  });

  describe('a hanging URI', () => {
    it(`gives up after METADATA_TIMEOUT_MS (${METADATA_TIMEOUT_MS} ms)`, async () => {
      const { emulator: e, source } = await start();
      e.injectFault({ kind: 'hang' });
      const started = Date.now();
      await expect(source.resolve(invocation, logger)).rejects.toThrow('credentials URI did not answer in time');
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(METADATA_TIMEOUT_MS - 50);
      expect(elapsed).toBeLessThan(METADATA_TIMEOUT_MS + 500);
    });

    it('gives up sooner when the invocation is about to end', async () => {
      const { emulator: e, source } = await start();
      e.injectFault({ kind: 'hang' });
      const deadline = Date.now() + 700;
      const short: Invocation = { requestId: 'r', remainingMs: () => deadline - Date.now(), env: {} };
      const started = Date.now();
      await expect(source.resolve(short, logger)).rejects.toThrow('did not answer in time');
      expect(Date.now() - started).toBeLessThan(500);
    });

    it('does not even call when the invocation has no time left', async () => {
      const { emulator: e, source } = await start();
      const ending: Invocation = { requestId: 'r', remainingMs: () => 300, env: {} };
      await expect(source.resolve(ending, logger)).rejects.toThrow('did not answer in time');
      expect(e.requestCount()).toBe(0);
    });
  });

  it('in a chain, the failure is logged by its message without secrets', async () => {
    const { emulator: e, source } = await start();
    e.injectFault({ kind: 'raw', status: 200, body: JSON.stringify({ Code: 'Success', AccessKeySecret: e.credentials.accessKeySecret, Expiration: 'x' }) });
    const logs = captureLogs();
    await expect(credentialChain([source], logs)(invocation)).rejects.toThrow();
    expect(logs.lines).toHaveLength(1);
    expect(logs.lines[0]?.fields['tried']).toEqual(['credentials-uri: credentials URI answered missing or malformed fields: AccessKeyId, SecurityToken, Expiration']);
    expectNoSecrets(logs.lines.map((line) => line.text), secretsOf(e));
  });
});

describe('parseAliyunSessionCredentials', () => {
  const body = { AccessKeyId: 'STS.id', AccessKeySecret: 'secret-value-123', SecurityToken: 'token-value-123', Expiration: '2030-01-01T00:00:00Z' };

  it('requires Code when told to', () => {
    expect(() => parseAliyunSessionCredentials(JSON.stringify(body), 'svc', { codeRequired: true })).toThrow('svc answered without Code "Success"');
    expect(parseAliyunSessionCredentials(JSON.stringify({ ...body, Code: 'Success' }), 'svc', { codeRequired: true }).expiresAt).toEqual(
      new Date('2030-01-01T00:00:00Z'),
    );
  });

  it('takes offsets and fractional seconds, and checks expiry against the given clock', () => {
    const text = JSON.stringify({ ...body, Expiration: '2030-01-01T08:00:00.5+08:00' });
    const at = new Date('2030-01-01T00:00:00.500Z');
    expect(parseAliyunSessionCredentials(text, 'svc', { codeRequired: false, now: () => at.getTime() - 1 }).expiresAt).toEqual(at);
    expect(() => parseAliyunSessionCredentials(text, 'svc', { codeRequired: false, now: () => at.getTime() })).toThrow('expired');
  });
});
