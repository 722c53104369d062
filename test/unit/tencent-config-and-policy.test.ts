import { describe, expect, it } from 'vitest';
import type { Logger } from '../../lib/log.js';

const silent: Logger = { log: () => undefined };
import { tencent } from '../../lib/clouds/tencent.js';
import { loadGrant } from '../../lib/config/grant.js';
import type { StsgateError } from '../../lib/errors.js';
import { problemVariables } from '../helpers/config-problems.js';
import { buildCamPolicy } from '../../lib/policy/tencent/cam-policy.js';
import type { Scope } from '../../lib/scope/resolve-scope.js';
import { oneGrantScope } from '../helpers/grants.js';

const grantFor = (bucket: string) => loadGrant({ TOKEN_BUCKET: bucket, TOKEN_REGION: 'ap-shanghai' }, { maxDurationSeconds: 43200 });
const ROLE = { TENCENT_ROLE_ARN: 'qcs::cam::uin/100000000001:roleName/stsgate-cos' };

describe('Tencent configuration', () => {
  it('takes the APPID from the bucket suffix and defaults the endpoint and STS region', () => {
    const config = tencent.loadConfig(ROLE, grantFor('media-1250000000'));
    expect(config).toMatchObject({ appId: '1250000000', stsRegion: 'ap-shanghai', roleArn: ROLE.TENCENT_ROLE_ARN });
    expect(config.stsEndpoint.href).toBe('https://sts.tencentcloudapi.com/');
  });

  it('accepts TENCENT_APPID, TENCENT_STS_REGION and a loopback endpoint', () => {
    const config = tencent.loadConfig(
      { ...ROLE, TENCENT_APPID: '1250000000', TENCENT_STS_REGION: 'ap-guangzhou', TENCENT_STS_ENDPOINT: 'http://127.0.0.1:9000' },
      grantFor('media'),
    );
    expect(config).toMatchObject({ appId: '1250000000', stsRegion: 'ap-guangzhou' });
    expect(config.stsEndpoint.href).toBe('http://127.0.0.1:9000/');
  });

  it.each([
    [{}, 'media-1250000000', 'TENCENT_ROLE_ARN'],
    [{ TENCENT_ROLE_ARN: 'acs:ram::1:role/x' }, 'media-1250000000', 'TENCENT_ROLE_ARN'],
    [ROLE, 'media', 'TENCENT_APPID'],
    [{ ...ROLE, TENCENT_APPID: '1250000001' }, 'media-1250000000', 'TENCENT_APPID'],
    [{ ...ROLE, TENCENT_APPID: 'abc' }, 'media', 'TENCENT_APPID'],
    [{ ...ROLE, TENCENT_STS_ENDPOINT: 'http://sts.tencentcloudapi.com' }, 'media-1250000000', 'TENCENT_STS_ENDPOINT'],
    [{ ...ROLE, TENCENT_STS_REGION: 'Guangzhou' }, 'media-1250000000', 'TENCENT_STS_REGION'],
  ] as [Record<string, string>, string, string][])('names the bad variable (%j, %s)', (env, bucket, variable) => {
    expect(problemVariables(() => tencent.loadConfig(env, grantFor(bucket)))).toEqual([variable]);
  });

  it('reads SCF’s role variables first, then the SDK’s', async () => {
    const invocation = (env: Record<string, string>) => ({ requestId: 'r', remainingMs: () => 1000, env });
    const [scf, sdk] = tencent.credentialSources(tencent.loadConfig(ROLE, grantFor('media-1250000000')));
    expect(await scf?.resolve(invocation({ TENCENTCLOUD_SECRETID: 'id', TENCENTCLOUD_SECRETKEY: 'key', TENCENTCLOUD_SESSIONTOKEN: 'tok' }), silent)).toEqual({
      accessKeyId: 'id',
      accessKeySecret: 'key',
      securityToken: 'tok',
    });
    expect(await scf?.resolve(invocation({ TENCENTCLOUD_SECRET_ID: 'id', TENCENTCLOUD_SECRET_KEY: 'key' }), silent)).toBeUndefined();
    expect(await sdk?.resolve(invocation({ TENCENTCLOUD_SECRET_ID: 'id', TENCENTCLOUD_SECRET_KEY: 'key' }), silent)).toEqual({ accessKeyId: 'id', accessKeySecret: 'key', securityToken: undefined });
  });
});

describe('CAM session policy', () => {
  const scope = (actions: Scope['actions'], prefix = 'users/alice/'): Scope => oneGrantScope({
    subject: 'alice',
    bucket: 'media-1250000000',
    region: 'ap-guangzhou',
    prefix,
    actions,
    durationSeconds: 900,
  });

  it('scopes object actions to the prefix and has no principal', () => {
    const policy = JSON.parse(buildCamPolicy(scope(['get', 'delete']), '1250000000'));
    expect(policy).toEqual({
      version: '2.0',
      statement: [
        {
          effect: 'allow',
          action: ['name/cos:GetObject', 'name/cos:HeadObject', 'name/cos:DeleteObject'],
          resource: ['qcs::cos:ap-guangzhou:uid/1250000000:media-1250000000/users/alice/*'],
        },
      ],
    });
  });

  it('covers simple, form, append and every multipart step for put', () => {
    const actions = JSON.parse(buildCamPolicy(scope(['put']), '1250000000')).statement[0].action;
    for (const name of ['PutObject', 'PostObject', 'AppendObject', 'InitiateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload', 'AbortMultipartUpload', 'ListParts']) {
      expect(actions).toContain(`name/cos:${name}`);
    }
  });

  it('lists on the bucket with a cos:prefix condition', () => {
    expect(JSON.parse(buildCamPolicy(scope(['list']), '1250000000')).statement).toEqual([
      {
        effect: 'allow',
        action: ['name/cos:GetBucket'],
        resource: ['qcs::cos:ap-guangzhou:uid/1250000000:media-1250000000/*'],
        condition: { string_like: { 'cos:prefix': 'users/alice/*' } },
      },
    ]);
  });

  it('refuses a policy over 2048 characters with 400', () => {
    try {
      buildCamPolicy(scope(['get', 'put', 'delete', 'list'], `users/alice/${'a'.repeat(900)}/`), '1250000000');
      expect.unreachable();
    } catch (error) {
      expect((error as StsgateError).status).toBe(400);
    }
  });
});
