/**
 * The built client (`client/dist/index.js`, imported by its package name `@stsgate/client`, as an app
 * would) against the real local token service in this process: the three platform bundles behind
 * real HTTP, the emulated cloud, and development JWTs. Needs `npm run build` first, as `npm test` does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalTokenService } from '../../local/server.js';
import { startEmulatedLocalService } from '../helpers/emulated-local-service.js';

type ClientModule = typeof import('../../client/index.js');

// A specifier held in a variable: the typecheck (which runs before the build) must not need client/dist/.
const PACKAGE = '@stsgate/client';

let service: LocalTokenService;
let client: ClientModule;

beforeAll(async () => {
  service = await startEmulatedLocalService();
  client = (await import(PACKAGE)) as ClientModule;
});

afterAll(async () => {
  await service?.close();
});

const devToken = (sub: string) => async () => (await fetch(`${service.url}/dev/token?sub=${sub}`)).text();

describe('@stsgate/client against the local token service', () => {
  it('is the built bundle, resolved through the package exports', () => {
    expect(import.meta.resolve(PACKAGE)).toMatch(/\/client\/dist\/index\.js$/);
    expect(typeof client.createStsClient).toBe('function');
  });

  it.each([
    ['aliyun', 'stsgate-local'],
    ['tencent', 'stsgate-local-1250000000'],
    ['huawei', 'stsgate-local'],
  ] as const)('gets, caches and narrows %s credentials for alice', async (provider, bucket) => {
    const sts = client.createStsClient({ endpoint: `${service.url}/${provider}`, getToken: devToken('alice') });

    const whole = await sts.getCredentials();
    expect(whole).toMatchObject({ provider, bucket, prefix: 'users/alice/' });
    expect(whole.accessKeyId).not.toBe('');
    expect(whole.expiredTime).toBeGreaterThan(whole.startTime);
    // With the server's Date read, the refresh point lands halfway through the lifetime, near enough.
    const halfway = (whole.startTime + (whole.expiredTime - whole.startTime) / 2) * 1000;
    expect(Math.abs(sts.refreshAt()! - halfway)).toBeLessThan(5000);
    expect(await sts.getCredentials()).toBe(whole);

    const narrow = await sts.getCredentials({ actions: ['get'], prefix: 'users/alice/photos/' });
    expect(narrow).toMatchObject({ provider, prefix: 'users/alice/photos/', actions: ['get'] });
    expect(narrow.accessKeyId).not.toBe(whole.accessKeyId);
  });

  it('rejects a bad JWT with UnauthorizedError', async () => {
    const sts = client.createStsClient({ endpoint: `${service.url}/aliyun`, getToken: () => 'not-a-jwt' });
    const error = await sts.getCredentials().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(client.UnauthorizedError);
    expect(error).toMatchObject({ code: 'unauthorized', status: 401, error: 'invalid_token' });
  });

  it('surfaces a body asking for more than the grant as a 403, without retrying it', async () => {
    const sts = client.createStsClient({ endpoint: `${service.url}/tencent`, getToken: devToken('alice') });
    const before = service.stsRequestCount().tencent;
    const error = await sts.getCredentials({ prefix: 'users/bob/' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(client.StsClientError);
    expect(error).toMatchObject({ code: 'http_error', status: 403, error: 'insufficient_scope' });
    expect(service.stsRequestCount().tencent).toBe(before);
  });

  it('lets a browser on another origin read the Date header the client corrects clock skew with', async () => {
    // The demo page's origin: the one the service allows by default.
    const res = await fetch(`${service.url}/huawei`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${await devToken('alice')()}`, Origin: new URL(service.demoUrl).origin },
    });
    await res.body?.cancel();
    expect(res.status).toBe(200);
    expect(res.headers.get('date')).not.toBeNull();
    expect(res.headers.get('access-control-expose-headers')?.split(/,\s*/)).toContain('Date');
  });
});
