import { describe, expect, it } from 'vitest';
import type { Logger } from '../../lib/log.js';

const silent: Logger = { log: () => undefined };
import { huawei } from '../../lib/clouds/huawei.js';
import { loadGrant } from '../../lib/config/grant.js';
import { StsgateError } from '../../lib/errors.js';
import { buildObsPolicy } from '../../lib/policy/huawei/obs-policy.js';
import type { Scope } from '../../lib/scope/resolve-scope.js';
import { oneGrantScope } from '../helpers/grants.js';
import { createTokenFunction } from '../../lib/token-function.js';
import { problemVariables } from '../helpers/config-problems.js';
import { captureLogs } from '../helpers/log-capture.js';
import { obsPolicyAllows } from '../helpers/obs-policy-evaluator.js';

const grant = (duration = '900') => loadGrant({ TOKEN_BUCKET: 'media', TOKEN_REGION: 'cn-north-4', TOKEN_DURATION_SECONDS: duration }, { maxDurationSeconds: huawei.maxDurationSeconds });
const URN = 'iam::0123456789abcdef0123456789abcdef:agency:stsgate-obs';

describe('Huawei configuration', () => {
  it('defaults to the global IAM endpoint and the securitytokens path', () => {
    const config = huawei.loadConfig({}, grant());
    expect(config.iamEndpoint.href).toBe('https://iam.myhuaweicloud.com/');
    expect(config.agencyUrn).toBeUndefined();
  });

  it('takes a regional IAM endpoint as a bare host, and derives the STS endpoint from TOKEN_REGION', () => {
    const config = huawei.loadConfig({ HUAWEI_IAM_ENDPOINT: 'iam.cn-north-4.myhuaweicloud.com', HUAWEI_AGENCY_URN: URN }, grant('3600'));
    expect(config.iamEndpoint.href).toBe('https://iam.cn-north-4.myhuaweicloud.com/');
    expect(config.stsEndpoint.href).toBe('https://sts.cn-north-4.myhuaweicloud.com/');
    expect(config.agencyUrn).toBe(URN);
  });

  it('allows plain http only on loopback', () => {
    expect(huawei.loadConfig({ HUAWEI_IAM_ENDPOINT: 'http://127.0.0.1:9000' }, grant()).iamEndpoint.href).toBe('http://127.0.0.1:9000/');
    expect(problemVariables(() => huawei.loadConfig({ HUAWEI_IAM_ENDPOINT: 'http://iam.myhuaweicloud.com' }, grant()))).toEqual(['HUAWEI_IAM_ENDPOINT']);
  });

  it('accepts up to 24 hours on the securitytokens path', () => {
    expect(grant('86400').durationSeconds).toBe(86_400);
    expect(() => grant('86401')).toThrow(/TOKEN_DURATION_SECONDS/);
  });

  it.each([
    [{ HUAWEI_AGENCY_URN: 'acs:ram::1:role/x' }, '900', ['HUAWEI_AGENCY_URN']],
    [{ HUAWEI_AGENCY_URN: 'iam::abc:agency:' }, '900', ['HUAWEI_AGENCY_URN']],
    [{ HUAWEI_AGENCY_URN: URN }, '3601', ['TOKEN_DURATION_SECONDS']],
    [{ HUAWEI_STS_ENDPOINT: 'sts.cn-north-4.myhuaweicloud.com' }, '900', ['HUAWEI_STS_ENDPOINT']],
    [{ HUAWEI_IAM_ENDPOINT: 'https://iam.myhuaweicloud.com/?x=1' }, '900', ['HUAWEI_IAM_ENDPOINT']],
    [{ HUAWEI_AGENCY_URN: URN, HUAWEI_STS_ENDPOINT: 'ftp://sts' }, '900', ['HUAWEI_STS_ENDPOINT']],
  ] as [Record<string, string>, string, string[]][])('names the bad variable (%j, duration %s)', (env, duration, variables) => {
    expect(problemVariables(() => huawei.loadConfig(env, grant(duration)))).toEqual(variables);
  });

  it('reads the FunctionGraph agency first, then the SDK’s variables, and says when there is no agency', async () => {
    const [agency, sdk] = huawei.credentialSources(huawei.loadConfig({}, grant()));
    const keys = { accessKeyId: 'AK', accessKeySecret: 'SK', securityToken: 'ST', authToken: 'TOKEN' };
    expect(await agency?.resolve({ requestId: 'r', remainingMs: () => 1000, env: {}, platformCredentials: keys }, silent)).toEqual(keys);
    expect(await agency?.resolve({ requestId: 'r', remainingMs: () => 1000, env: {} }, silent)).toBeUndefined();
    expect(agency?.whenEmpty).toMatch(/configure an agency/);
    expect(await sdk?.resolve({ requestId: 'r', remainingMs: () => 1000, env: { HUAWEICLOUD_SDK_AK: 'ak', HUAWEICLOUD_SDK_SK: 'sk', HUAWEICLOUD_SDK_SECURITY_TOKEN: 'st' } }, silent)).toEqual({
      accessKeyId: 'ak',
      accessKeySecret: 'sk',
      securityToken: 'st',
    });
  });

  it('a misconfigured Huawei function logs every bad variable at cold start, never a value, and answers 500', async () => {
    const logger = captureLogs();
    const handler = createTokenFunction(huawei, {
      env: { JWT_SECRET: 's'.repeat(40), JWT_ISSUER: 'i', JWT_AUDIENCE: 'a', TOKEN_BUCKET: 'media', TOKEN_REGION: 'cn-north-4', TOKEN_DURATION_SECONDS: '7200', HUAWEI_AGENCY_URN: URN, HUAWEI_IAM_ENDPOINT: 'http://iam.example.com' },
      logger,
    });
    expect(logger.lines[0]?.fields.variables).toEqual(['HUAWEI_IAM_ENDPOINT', 'TOKEN_DURATION_SECONDS']);
    const response = await handler(
      { version: '2.0', routeKey: '$default', rawPath: '/', rawQueryString: '', headers: {}, requestContext: { http: { method: 'POST' } } } as never,
      { requestId: 'r', remainingMs: () => 1000, env: {} },
    );
    expect(response.statusCode).toBe(500);
    expect(logger.lines.map((l) => l.text).join('\n')).not.toContain('iam.example.com');
  });
});

describe('OBS session policies', () => {
  const scope = (actions: Scope['actions'], prefix = 'users/alice/'): Scope => oneGrantScope({ subject: 'alice', bucket: 'media', region: 'cn-north-4', prefix, actions, durationSeconds: 900 });

  it('Version 1.1: object actions on the prefix, listing on the bucket with an obs:prefix condition', () => {
    expect(JSON.parse(buildObsPolicy(scope(['get', 'put', 'delete', 'list']), '1.1'))).toEqual({
      Version: '1.1',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['obs:object:GetObject', 'obs:object:PutObject', 'obs:object:AbortMultipartUpload', 'obs:object:ListMultipartUploadParts', 'obs:object:DeleteObject'],
          Resource: ['obs:*:*:object:media/users/alice/*'],
        },
        { Effect: 'Allow', Action: ['obs:bucket:ListBucket'], Resource: ['obs:*:*:bucket:media'], Condition: { StringLike: { 'obs:prefix': ['users/alice/*'] } } },
      ],
    });
  });

  it('Version 5.0: the same grant with lower-camel action names', () => {
    const policy = JSON.parse(buildObsPolicy(scope(['put', 'list']), '5.0'));
    expect(policy.Version).toBe('5.0');
    expect(policy.Statement[0].Action).toEqual(['obs:object:putObject', 'obs:object:abortMultipartUpload', 'obs:object:listMultipartUploadParts']);
    expect(policy.Statement[1].Action).toEqual(['obs:bucket:listBucket']);
  });

  it('only listing: a single bucket statement, no object access', () => {
    const text = buildObsPolicy(scope(['list']), '1.1');
    expect(JSON.parse(text).Statement).toHaveLength(1);
    expect(obsPolicyAllows(text, { action: 'obs:object:GetObject', bucket: 'media', key: 'users/alice/x' })).toBe(false);
  });

  it.each(['users/a@b.com/', 'users/a+b/', 'users/a=b/', `users/${'a'.repeat(120)}/`])('refuses a prefix IAM resources cannot express: %s', (prefix) => {
    try {
      buildObsPolicy(scope(['get'], prefix), '1.1');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(StsgateError);
      expect((error as StsgateError).status).toBe(403);
      expect((error as StsgateError).code).toBe('insufficient_scope');
    }
  });
});

describe('OBS session policies: list-only grants', () => {
  it('refuses an inexpressible prefix even when only listing is granted', () => {
    const scope: Scope = oneGrantScope({ subject: 'a', bucket: 'media', region: 'cn-north-4', prefix: 'users/dave@example.com/', actions: ['list'], durationSeconds: 900 });
    expect(() => buildObsPolicy(scope, '1.1')).toThrow(StsgateError);
    expect(() => buildObsPolicy(scope, '5.0')).toThrow(/OBS session policy/);
  });
});
