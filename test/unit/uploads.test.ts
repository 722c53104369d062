/**
 * The signing routes' parts, one by one: which route a path takes; the key picked for an upload (a
 * sanitised file name behind a random id, under the granted prefix) and the check every named key passes;
 * which grant an upload goes under; the routes' variables; the signing role's plan (a widened get/put
 * policy that must fit, a lifetime the cloud can give); and its keys, assumed once, shared by concurrent
 * requests, renewed before a signature could outlive them, and never fetched while STS throttles.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aliyun, type AliyunConfig } from '../../lib/clouds/aliyun.js';
import { huawei, type HuaweiConfig } from '../../lib/clouds/huawei.js';
import { tencent, type TencentConfig } from '../../lib/clouds/tencent.js';
import type { CloudPlugin, IssueRequest } from '../../lib/clouds/types.js';
import { upstreamThrottling } from '../../lib/errors.js';
import { routeOf } from '../../lib/http/routes.js';
import type { Invocation, RequestTrace } from '../../lib/invocation.js';
import { parseRulesDocument } from '../../lib/rules/document.js';
import type { PrefixGrant } from '../../lib/rules/grants.js';
import type { Grant } from '../../lib/scope/resolve-scope.js';
import { ThrottlingBreaker } from '../../lib/sts/throttling-breaker.js';
import type { IssuedCredentials } from '../../lib/sts/types.js';
import { loadUploadConfig } from '../../lib/uploads/config.js';
import { MAX_NAME_BYTES, newObjectKey, objectKeyProblem, sanitisedFilename } from '../../lib/uploads/object-keys.js';
import { parseDownloadRequest, parseUploadRequest, type UploadRequest } from '../../lib/uploads/requests.js';
import { planSigningRole, SIGNING_SESSION_NAME, signingKeysProvider } from '../../lib/uploads/signing-role.js';
import { chooseUploadGrant } from '../../lib/uploads/upload-grant.js';
import { captureLogs } from '../helpers/log-capture.js';
import { configError, refusal } from '../helpers/refusals.js';
import { aliyunStorage, huaweiStorage, type StorageModel, tencentStorage } from '../helpers/storage-models.js';

const FIVE_GIB = 5 * 1024 ** 3;

describe('the route a path takes', () => {
  it.each([
    ['/', 'keys'],
    ['', 'keys'],
    ['/aliyun', 'keys'],
    ['/uploads', 'uploads'],
    ['/aliyun/uploads', 'uploads'],
    ['/release/stsgate/downloads', 'downloads'],
    ['/aliyun/uploads/', 'uploads'],
    ['/uploads/aliyun', 'keys'],
    ['/aliyun/Uploads', 'keys'],
    ['/aliyun/%75ploads', 'keys'],
    ['/aliyun/myuploads', 'keys'],
  ])('%j → %s', (path, route) => {
    expect(routeOf(path)).toBe(route);
  });

  it('is the keys route for an event without a path', () => {
    expect(routeOf(undefined)).toBe('keys');
    expect(routeOf(42)).toBe('keys');
  });
});

describe('the key picked for an upload', () => {
  it.each([
    ['holiday photo.jpg', 'holiday_photo.jpg'],
    ['C:\\Users\\alice\\My Report (final).PDF', 'My_Report_final.PDF'],
    ['../../etc/passwd', 'passwd'],
    ['..', 'file'],
    ['...jpg', 'jpg'],
    ['a..b..c.png', 'a.b.c.png'],
    ['.bashrc', 'bashrc'],
    ['照片 2026.jpeg', '照片_2026.jpeg'],
    // macOS hands over decomposed names; the key holds the composed form.
    ['Re\u0301sume\u0301.pdf', 'Résumé.pdf'],
    ['\u202Egpj.exe', 'gpj.exe'],
    ['photo.tar.gz', 'photo.tar.gz'],
    ['archive.with a very long extension', 'archive.with_a_very_long_extension'],
    ['???', 'file'],
    ['%2e%2e%2fsecret', '2e_2e_2fsecret'],
  ])('%j → %j', (filename, expected) => {
    expect(sanitisedFilename(filename)).toBe(expected);
  });

  it('keeps the extension when it cuts a long name to its byte limit', () => {
    const name = sanitisedFilename(`${'长'.repeat(200)}.jpeg`);
    expect(name.endsWith('.jpeg')).toBe(true);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(name.length).toBe(Math.floor((MAX_NAME_BYTES - 5) / 3) + 5);
  });

  it('is <prefix><16 hex digits>-<name>, a fresh one every time', () => {
    const a = newObjectKey('users/alice/', 'photo.jpg');
    expect(a).toMatch(/^users\/alice\/[0-9a-f]{16}-photo\.jpg$/);
    expect(newObjectKey('users/alice/', 'photo.jpg')).not.toBe(a);
  });

  it('for any file name: stays under the prefix, in one segment, short, and passes the key check', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (filename) => {
        const key = newObjectKey('users/alice/', filename);
        const name = key.slice('users/alice/'.length + 17);
        expect(objectKeyProblem(key)).toBeUndefined();
        expect(name).not.toContain('/');
        expect(name).not.toContain('..');
        expect(name).toMatch(/^[\p{L}\p{M}\p{N}]([\p{L}\p{M}\p{N}._-]*[\p{L}\p{M}\p{N}])?$/u);
        expect(Buffer.byteLength(name)).toBeLessThanOrEqual(MAX_NAME_BYTES);
      }),
      { seed: 16, numRuns: 2000 },
    );
  });
});

describe('the check a named key passes', () => {
  it.each(['users/alice/photo.jpg', 'users/alice/holiday photo (1).jpg', 'users/alice/照片.jpg', "users/alice/a!$&'()+,;=@~.txt", 'a'])('accepts %j', (key) => {
    expect(objectKeyProblem(key)).toBeUndefined();
  });

  it.each([
    ['', /empty/],
    ['/users/alice/a.jpg', /empty, "\." or "\.\." segments/],
    ['users//alice/a.jpg', /empty, "\." or "\.\." segments/],
    ['users/alice/../bob/a.jpg', /"\.\." segments/],
    ['users/alice/./a.jpg', /"\." or/],
    ['users/alice/', /not a folder/],
    ['users\\alice\\a.jpg', /may contain only/],
    ['users/alice/a%2e.jpg', /may contain only/],
    ['users/alice/a?.jpg', /may contain only/],
    ['users/alice/a*.jpg', /may contain only/],
    ['users/alice/a\n.jpg', /may contain only/],
    ['users/alice/\u202Egpj.exe', /may contain only/],
    ['users/alice/\ud800.jpg', /may contain only/],
    ['a'.repeat(1025), /at most 1024 characters/],
  ])('refuses %j', (key, problem) => {
    expect(objectKeyProblem(key)).toMatch(problem);
  });
});

describe('the request bodies', () => {
  it('reads an upload, with post as the default method', () => {
    expect(parseUploadRequest('{"filename":"a.jpg","contentType":"image/jpeg; charset=binary","size":0}')).toEqual({ filename: 'a.jpg', contentType: 'image/jpeg; charset=binary', size: 0, method: 'post' });
    expect(parseUploadRequest('{"filename":"a.jpg","contentType":"image/jpeg","size":5,"method":"put","rule":"own","key":"users/a/b.jpg"}')).toMatchObject({ method: 'put', rule: 'own', key: 'users/a/b.jpg' });
  });

  it.each([
    ['', /^the request body is required/],
    ['not json', /^the request body is not valid JSON$/],
    ['{"contentType":"image/jpeg","size":1}', /^filename must be/],
    ['{"filename":"","contentType":"image/jpeg","size":1}', /^filename must be/],
    [`{"filename":"${'a'.repeat(256)}","contentType":"image/jpeg","size":1}`, /^filename must be/],
    ['{"filename":"a\\u0000b","contentType":"image/jpeg","size":1}', /^filename must be/],
    ['{"filename":"a","size":1}', /^contentType must be/],
    ['{"filename":"a","contentType":"jpeg","size":1}', /^contentType must be/],
    ['{"filename":"a","contentType":"image/jpég","size":1}', /^contentType must be/],
    ['{"filename":"a","contentType":"image/jpeg"}', /^size must be/],
    ['{"filename":"a","contentType":"image/jpeg","size":"12"}', /^size must be/],
    ['{"filename":"a","contentType":"image/jpeg","size":1e300}', /^size must be/],
    ['{"filename":"a","contentType":"image/jpeg","size":1,"method":"POST"}', /^method must be "post" or "put"$/],
    ['{"filename":"a","contentType":"image/jpeg","size":1,"rule":"Own"}', /^rule must be a rule name/],
    ['{"filename":"a","contentType":"image/jpeg","size":1,"key":5}', /^key must be a string/],
    ['{"filename":"a","contentType":"image/jpeg","size":1,"key":"a//b"}', /^key must be a relative path/],
  ])('refuses the upload body %j with a 400 naming the field', (body, message) => {
    const error = refusal(() => parseUploadRequest(body));
    expect([error.status, error.code]).toEqual([400, 'invalid_request']);
    expect(error.description).toMatch(message);
  });

  it.each([
    ['{}', /^key must be a string/],
    ['{"key":"a","expiresIn":1.5}', /^expiresIn must be/],
    ['{"key":"a","expiresIn":-1}', /^expiresIn must be/],
    ['{"key":"a","filename":""}', /^filename must be a download name/],
    ['{"key":"a","range":"bytes=0-1"}', /^unknown field "range" in the request body \(allowed: key, expiresIn, filename\)$/],
  ])('refuses the download body %j with a 400 naming the field', (body, message) => {
    expect(refusal(() => parseDownloadRequest(body)).description).toMatch(message);
  });
});

describe('the grant an upload goes under', () => {
  const own: PrefixGrant = { rule: 'own', prefix: 'users/alice/', actions: ['get', 'put'] };
  const reader: PrefixGrant = { rule: 'public', prefix: 'public/', actions: ['get'] };
  const avatars: PrefixGrant = { rule: 'avatars', prefix: 'avatars/alice/', actions: ['put'], maxSize: 1000, contentTypes: ['image/png', 'image/*'] };
  const limits = { maxSize: FIVE_GIB, maxSizeLowered: false };
  const request = (over: Partial<UploadRequest>): UploadRequest => ({ filename: 'a.png', contentType: 'image/png', size: 10, method: 'post', ...over });

  it('is the first grant with put that the upload fits, with its limit', () => {
    expect(chooseUploadGrant([reader, own, avatars], request({}), limits)).toEqual({ grant: own, maxSize: FIVE_GIB, sizeLimited: false });
    expect(chooseUploadGrant([reader, avatars, own], request({}), limits)).toEqual({ grant: avatars, maxSize: 1000, sizeLimited: true });
    // Too big for avatars: the next grant that fits.
    expect(chooseUploadGrant([avatars, own], request({ size: 5000 }), limits).grant).toBe(own);
  });

  it('matches content types by media type, parameters aside and in any case', () => {
    expect(chooseUploadGrant([avatars], request({ contentType: 'IMAGE/GIF; x=1' }), limits).grant).toBe(avatars);
    expect(refusal(() => chooseUploadGrant([avatars], request({ contentType: 'text/plain' }), limits)).reason).toBe('content_type_not_allowed');
  });

  it('holds UPLOAD_MAX_SIZE over every grant, and a rule\'s lower maxSize over it', () => {
    const lowered = { maxSize: 500, maxSizeLowered: true };
    expect(chooseUploadGrant([own], request({ size: 500 }), lowered)).toEqual({ grant: own, maxSize: 500, sizeLimited: true });
    expect(refusal(() => chooseUploadGrant([own], request({ size: 501 }), lowered)).description).toBe("size is over the 500-byte limit of this deployment's uploads");
    expect(chooseUploadGrant([avatars], request({ size: 400 }), { maxSize: 2000, maxSizeLowered: true }).maxSize).toBe(1000);
  });

  it('refuses with the first candidate\'s limit when none fits, naming it', () => {
    const error = refusal(() => chooseUploadGrant([avatars, { ...avatars, rule: 'icons', maxSize: 10 }], request({ size: 2000 }), limits));
    expect([error.status, error.description, error.reason]).toEqual([403, 'size is over the 1000-byte limit of rule "avatars"', 'over_size_limit']);
  });

  it('follows a named rule and a named key, and refuses what they cannot give', () => {
    expect(chooseUploadGrant([own, avatars], request({ rule: 'avatars' }), limits).grant).toBe(avatars);
    expect(chooseUploadGrant([own, avatars], request({ key: 'avatars/alice/me.png' }), limits).grant).toBe(avatars);
    expect(refusal(() => chooseUploadGrant([own, reader], request({ rule: 'public' }), limits)).description).toBe('rule "public" does not allow uploads');
    expect(refusal(() => chooseUploadGrant([own], request({ rule: 'team' }), limits)).description).toBe('rule "team" does not apply to this token');
    expect(refusal(() => chooseUploadGrant([reader], request({}), limits)).description).toBe('no access rule lets this token upload');
    // A look-alike of the granted prefix is not under it.
    expect(refusal(() => chooseUploadGrant([own], request({ key: 'users/alice2/a.png' }), limits)).description).toBe('key must lie under a prefix this token may upload to: "users/alice/"');
  });
});

describe('the signing routes\' variables', () => {
  const capabilities = aliyun.signer.capabilities;

  it('default to the cloud\'s own maximum, 300-second signatures and the public endpoint', () => {
    expect(loadUploadConfig({}, capabilities)).toEqual({ maxSize: FIVE_GIB, maxSizeLowered: false, urlSeconds: 300, endpoint: undefined, addressing: 'virtual-hosted' });
  });

  it('read a lowered ceiling, a lifetime and an endpoint with its addressing', () => {
    const config = loadUploadConfig({ UPLOAD_MAX_SIZE: '10485760', UPLOAD_URL_SECONDS: '3600', STORAGE_ENDPOINT: 'media.example.com', STORAGE_ADDRESSING: 'endpoint' }, capabilities);
    expect(config).toEqual({ maxSize: 10485760, maxSizeLowered: true, urlSeconds: 3600, endpoint: new URL('https://media.example.com/'), addressing: 'endpoint' });
    expect(loadUploadConfig({ UPLOAD_MAX_SIZE: String(FIVE_GIB) }, capabilities).maxSizeLowered).toBe(false);
    expect(loadUploadConfig({ STORAGE_ENDPOINT: 'http://localhost:9000' }, capabilities).endpoint?.href).toBe('http://localhost:9000/');
  });

  it.each([
    [{ UPLOAD_MAX_SIZE: '0' }, 'UPLOAD_MAX_SIZE', /between 1 and 5368709120/],
    [{ UPLOAD_URL_SECONDS: '59' }, 'UPLOAD_URL_SECONDS', /between 60 and 3600/],
    [{ STORAGE_ENDPOINT: 'http://10.0.0.8:9000' }, 'STORAGE_ENDPOINT', /https/],
    [{ STORAGE_ENDPOINT: 'https://u:p@media.example.com' }, 'STORAGE_ENDPOINT', /credentials/],
    [{ STORAGE_ENDPOINT: 'https://media.example.com/?a=1' }, 'STORAGE_ENDPOINT', /origin/],
    [{ STORAGE_ADDRESSING: 'path' }, 'STORAGE_ADDRESSING', /no effect without STORAGE_ENDPOINT/],
    [{ STORAGE_ENDPOINT: 'http://[::1]:9000' }, 'STORAGE_ADDRESSING', /IP address/],
  ])('refuse %o, naming the variable', (env, variable, message) => {
    const problems = configError(() => loadUploadConfig(env, capabilities)).problems;
    expect(problems).toEqual([{ variable, message: expect.stringMatching(message) }]);
  });
});

function grantOf(rules: unknown, durationSeconds = 900, bucket = 'media', region = 'cn-north-4'): Grant {
  const access = parseRulesDocument(rules, 'TOKEN_RULES');
  if (Array.isArray(access)) throw new Error(access.join('\n'));
  return { bucket, region, access, durationSeconds };
}
const EXAMPLE = {
  rules: [
    { name: 'own', prefix: 'users/${sub}/', actions: ['get', 'put', 'delete', 'list'] },
    { name: 'public', prefix: 'public/', actions: ['get', 'list'] },
    { name: 'team', prefix: 'teams/${org}/users/${sub}/', actions: ['list'] },
    { name: 'groups', prefix: 'groups/${groups[]}/', actions: ['get'] },
    { name: 'avatars', prefix: 'avatars/${sub}/', actions: ['put'], maxSize: 1000, contentTypes: ['image/png'] },
  ],
};
const ALIYUN: AliyunConfig = aliyun.loadConfig({ ALIYUN_ROLE_ARN: 'acs:ram::1234567890123456:role/media' }, grantOf(EXAMPLE));
const TENCENT: TencentConfig = tencent.loadConfig({ TENCENT_ROLE_ARN: 'qcs::cam::uin/100000000001:roleName/media' }, grantOf(EXAMPLE, 900, 'media-1250000000', 'ap-guangzhou'));
const HUAWEI: HuaweiConfig = huawei.loadConfig({}, grantOf(EXAMPLE));
const HUAWEI_AGENCY: HuaweiConfig = huawei.loadConfig({ HUAWEI_AGENCY_URN: 'iam::0123456789abcdef:agency:media' }, grantOf(EXAMPLE));

describe('the signing role\'s plan', () => {
  it('covers each rule\'s get and put, placeholders widened to *, nothing listed, deleted or limited', () => {
    const plan = planSigningRole(aliyun, ALIYUN, grantOf(EXAMPLE), 300);
    expect(plan?.scope.grants).toEqual([
      { rule: 'own', prefix: 'users/*/', actions: ['get', 'put'] },
      { rule: 'public', prefix: 'public/', actions: ['get'] },
      { rule: 'groups', prefix: 'groups/*/', actions: ['get'] },
      { rule: 'avatars', prefix: 'avatars/*/', actions: ['put'] },
    ]);
    expect(plan?.scope.subject).toBe(SIGNING_SESSION_NAME);
    // Read with the test evaluators (never lib/), request by request, on every cloud.
    const models: [StorageModel, string | undefined][] = [
      [aliyunStorage('media'), plan?.policy],
      [tencentStorage('media-1250000000'), planSigningRole(tencent, TENCENT, grantOf(EXAMPLE, 900, 'media-1250000000', 'ap-guangzhou'), 300)?.policy],
      [huaweiStorage('media', '1.1'), planSigningRole(huawei, HUAWEI, grantOf(EXAMPLE), 300)?.policy],
      [huaweiStorage('media', '5.0'), planSigningRole(huawei, HUAWEI_AGENCY, grantOf(EXAMPLE), 300)?.policy],
    ];
    for (const [model, policy] of models) {
      const allows = (action: 'get' | 'put' | 'delete', key: string) => model.objectActions[action].some((name) => model.allows(policy as string, { action: name, key }));
      const got = {
        ownGet: allows('get', 'users/alice/a.jpg'),
        ownPut: allows('put', 'users/bob/deep/a.jpg'),
        publicGet: allows('get', 'public/a.jpg'),
        groupGet: allows('get', 'groups/g/a.jpg'),
        avatarPut: allows('put', 'avatars/alice/me.png'),
        ownDelete: allows('delete', 'users/alice/a.jpg'),
        publicPut: allows('put', 'public/a.jpg'),
        avatarGet: allows('get', 'avatars/alice/me.png'),
        teamGet: allows('get', 'teams/acme/users/alice/a.jpg'),
        elsewhere: allows('get', 'usersx/a.jpg') || allows('put', 'a.jpg'),
        list: model.allows(policy as string, { action: model.listAction, prefix: 'users/alice/' }),
      };
      expect({ cloud: model.name, ...got }).toEqual({
        cloud: model.name,
        ...{ ownGet: true, ownPut: true, publicGet: true, groupGet: true, avatarPut: true },
        ...{ ownDelete: false, publicPut: false, avatarGet: false, teamGet: false, elsewhere: false, list: false },
      });
      // No limit conditions: the signatures carry the limits.
      expect(policy?.toLowerCase()).not.toContain('condition');
    }
  });

  it('asks for keys lasting the users\' keys\' lifetime, or twice a signature\'s rounded up to a step, renewed a minute before a signature could outlive them', () => {
    expect(planSigningRole(aliyun, ALIYUN, grantOf(EXAMPLE, 900), 300)).toMatchObject({ durationSeconds: 900, renewMarginMs: 360_000 });
    expect(planSigningRole(aliyun, ALIYUN, grantOf(EXAMPLE, 3600), 300)).toMatchObject({ durationSeconds: 3600 });
    expect(planSigningRole(aliyun, ALIYUN, grantOf(EXAMPLE, 900), 1000)).toMatchObject({ durationSeconds: 3600, renewMarginMs: 1_060_000 });
    expect(planSigningRole(aliyun, ALIYUN, grantOf(EXAMPLE, 900), 3600)).toMatchObject({ durationSeconds: 7200 });
    expect(configError(() => planSigningRole(huawei, HUAWEI_AGENCY, grantOf(EXAMPLE, 900), 1801)).problems).toEqual([
      { variable: 'UPLOAD_URL_SECONDS', message: 'must be at most 1800 here: the keys that sign must last twice as long, and huawei issues them for at most 3600 s' },
    ]);
  });

  it('is nothing when no rule can get or put: no role is ever assumed', () => {
    expect(planSigningRole(aliyun, ALIYUN, grantOf({ rules: [{ name: 'lister', prefix: 'users/${sub}/', actions: ['list', 'delete'] }] }), 300)).toBeUndefined();
  });

  it('refuses to start when the widened policy cannot fit, naming the rules variable', () => {
    const many = { rules: Array.from({ length: 16 }, (_, i) => ({ name: `r${i}`, prefix: `area-${i}-with-a-long-literal-name/\${sub}/${'x'.repeat(60)}/`, actions: [i % 2 ? 'get' : 'put'] })) };
    const problems = configError(() => planSigningRole(huawei, HUAWEI, grantOf(many), 300)).problems;
    expect(problems).toEqual([{ variable: 'TOKEN_RULES', message: expect.stringMatching(/^the signing role's session policy .* does not fit on huawei: /) }]);
  });
});

describe('the signing role\'s keys', () => {
  const invocation: Invocation = { requestId: 'r', remainingMs: () => 10_000, env: {} };
  const grant = grantOf(EXAMPLE);
  const plan = planSigningRole(aliyun, ALIYUN, grant, 300)!;

  function provider(issue: (request: IssueRequest<AliyunConfig>) => Promise<IssuedCredentials>, clock: { now: number }, breaker = new ThrottlingBreaker({ now: () => clock.now })) {
    const calls: IssueRequest<AliyunConfig>[] = [];
    const cloud: CloudPlugin<AliyunConfig> = { ...aliyun, issue: (request) => (calls.push(request), issue(request)) };
    const logger = captureLogs();
    const keys = signingKeysProvider({
      cloud,
      cloudConfig: ALIYUN,
      plan,
      resolveCredentials: async () => ({ credentials: { accessKeyId: 'RUNTIME', accessKeySecret: 'runtime-secret-value', securityToken: 'runtime-token-value' }, source: 'invocation-context' }),
      breaker,
      stsTimeoutMs: 1000,
      retryPolicy: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
      logger,
      now: () => clock.now,
    });
    return { keys, calls, logger };
  }
  const issued = (clock: { now: number }, n: number): IssuedCredentials => ({
    accessKeyId: `STS.SIGNER${n}`,
    accessKeySecret: `signer-secret-${n}-value`,
    securityToken: `signer-token-${n}-value`,
    issuedAt: new Date(clock.now),
    expiresAt: new Date(clock.now + 900_000),
  });

  it('are assumed once for concurrent first requests, with the plan\'s policy, lifetime and session name, then served from memory', async () => {
    const clock = { now: Date.parse('2026-01-01T00:00:00Z') };
    let n = 0;
    const { keys, calls } = provider(async () => issued(clock, ++n), clock);
    const traces: RequestTrace[] = Array.from({ length: 20 }, () => ({}));
    const answers = await Promise.all(traces.map((trace) => keys.forSignature(300, invocation, trace)));
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ policy: plan.policy, sessionName: 'stsgate-signer', scope: { durationSeconds: 900 }, credentials: { accessKeyId: 'RUNTIME' } });
    expect(new Set(answers.map((a) => a.keys.accessKeyId))).toEqual(new Set(['STS.SIGNER1']));
    expect(answers.every((a) => a.expiresIn === 300)).toBe(true);
    expect(traces[0]).toMatchObject({ cache: 'miss', credentialSource: 'invocation-context' });
    const later: RequestTrace = {};
    await keys.forSignature(300, invocation, later);
    expect(later.cache).toBe('hit');
    expect(calls).toHaveLength(1);
  });

  it('are renewed once less than a signature\'s lifetime and a minute is left, never signing past their expiry', async () => {
    const clock = { now: Date.parse('2026-01-01T00:00:00Z') };
    let n = 0;
    const { keys, calls } = provider(async () => issued(clock, ++n), clock);
    await keys.forSignature(300, invocation, {});
    clock.now += 900_000 - 360_000 - 1000;
    expect((await keys.forSignature(300, invocation, {})).keys.accessKeyId).toBe('STS.SIGNER1');
    clock.now += 2000;
    const renewed = await keys.forSignature(300, invocation, {});
    expect([renewed.keys.accessKeyId, renewed.expiresIn, calls.length]).toEqual(['STS.SIGNER2', 300, 2]);
  });

  it('sign for what the old keys have left while renewal fails, and refuse (503) once that is too little', async () => {
    const clock = { now: Date.parse('2026-01-01T00:00:00Z') };
    let fail = false;
    const { keys, logger } = provider(async () => {
      if (fail) throw upstreamThrottling('Aliyun STS', 'Throttling.Api');
      return issued(clock, 1);
    }, clock);
    await keys.forSignature(300, invocation, {});
    fail = true;
    clock.now += 900_000 - 200_000;
    expect((await keys.forSignature(300, invocation, {})).expiresIn).toBe(195);
    expect(logger.lines.some((line) => line.message.startsWith('credential refresh failed'))).toBe(true);
    clock.now += 200_000 - 30_000;
    const error = await keys.forSignature(300, invocation, {}).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ status: 503, code: 'temporarily_unavailable', reason: 'signing_keys_expiring' });
  });

  it('are not asked for while the instance\'s breaker pauses STS after throttling', async () => {
    const clock = { now: Date.parse('2026-01-01T00:00:00Z') };
    const breaker = new ThrottlingBreaker({ now: () => clock.now });
    const { keys, calls } = provider(async () => {
      throw upstreamThrottling('Aliyun STS', 'Throttling.Api');
    }, clock, breaker);
    expect(await keys.forSignature(300, invocation, {}).then(() => undefined, (e: unknown) => e)).toMatchObject({ status: 503, reason: 'sts_throttled' });
    expect(await keys.forSignature(300, invocation, {}).then(() => undefined, (e: unknown) => e)).toMatchObject({ status: 503, reason: 'sts_paused' });
    expect(calls).toHaveLength(1);
  });
});
