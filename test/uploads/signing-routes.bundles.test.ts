/**
 * Issue 16 through the BUILT bundles, on all three clouds (Huawei on both issuing paths): the `uploads`
 * and `downloads` routes answer forms and URLs that the storage stand-ins (which trust each cloud's STS
 * emulator and verify with their own code) accept; every refusal is a 4xx decided before anything is
 * signed, with no STS call and no URL in the answer; the signing role is assumed once per function
 * instance however many users sign; and the routes share the keys route's JWT check, CORS, limit, request
 * id and log line.
 */
import { describe, expect, it } from 'vitest';
import { expectRefused, postForm, type Reply, sendTo } from '../emulators/storage-client.js';
import { logLineOf, requestLogLines } from '../helpers/bundle-harness.js';
import { type Answer, type SigningInstance, type SigningTarget, useSigningTargets } from '../helpers/signing-deployments.js';

const fixture = useSigningTargets();
const LABELS = ['aliyun', 'tencent', 'huawei securitytokens', 'huawei AssumeAgency'] as const;
const target = (label: string): SigningTarget => fixture.targets.find((t) => t.label === label) as SigningTarget;

const FIVE_GIB = 5 * 1024 ** 3;
const AVATAR_LIMIT = 2 * 1024 * 1024;
/** Own folder read-write, and avatars as small images: a rule whose limits OSS and OBS keys cannot hold. */
const RULES = {
  TOKEN_PREFIX: '',
  TOKEN_ACTIONS: '',
  TOKEN_RULES: JSON.stringify({
    rules: [
      { name: 'own', prefix: 'users/{sub}/', actions: ['get', 'put', 'list'] },
      { name: 'avatars', prefix: 'avatars/{sub}/', actions: ['put'], maxSize: AVATAR_LIMIT, contentTypes: ['image/png', 'image/jpeg'] },
    ],
  }),
};
const NO_OVERWRITE: Record<SigningTarget['cloud'], string> = { aliyun: 'x-oss-forbid-overwrite', tencent: 'x-cos-forbid-overwrite', huawei: 'x-obs-forbid-overwrite' };
const SIZE_BOUND: Record<SigningTarget['cloud'], boolean> = { aliyun: true, tencent: true, huawei: false };

const bytes = (size: number, seed = 1) => Buffer.from(Array.from({ length: size }, (_, i) => (i * 31 + seed) % 256));
const secondsUntil = (iso: string) => (Date.parse(iso) - Date.now()) / 1000;

/** Sends a signed form with `file` as its last part, as a browser does. */
const sendForm = (t: SigningTarget, answer: Answer, file: Buffer, type: string): Promise<Reply> =>
  postForm(t.standIn, answer.json?.url, [...Object.entries(answer.json?.fields as Record<string, string>), ['file', { content: file, filename: 'upload.bin', type }]]);

const upload = (instance: SigningInstance, token: string, body: Record<string, unknown>) =>
  instance.request('uploads', token, { body: { filename: 'holiday photo.jpg', contentType: 'image/jpeg', size: 1000, method: 'post', ...body } });

describe.each(LABELS)('%s', (label) => {
  it('signs a POST form for a fresh key under the user\'s prefix, which the storage stand-in accepts', async () => {
    const t = target(label);
    const instance = t.start();
    const token = await t.mint({ sub: 'alice' });
    const file = bytes(1000);
    const answer = await upload(instance, token, {});
    expect(answer.status, answer.body).toBe(200);
    expect(Object.keys(answer.json ?? {}).sort()).toEqual(['contentType', 'expiration', 'fields', 'key', 'maxSize', 'method', 'provider', 'url']);
    expect(answer.json).toMatchObject({ provider: t.cloud, method: 'POST', contentType: 'image/jpeg', maxSize: FIVE_GIB });
    // <prefix><16 hex digits>-<sanitised name>: the space became "_", the extension stayed.
    expect(answer.json?.key).toMatch(/^users\/alice\/[0-9a-f]{16}-holiday_photo\.jpg$/);
    expect(answer.json?.fields.key).toBe(answer.json?.key);
    expect(answer.json?.fields).not.toHaveProperty('file');
    expect(secondsUntil(answer.json?.expiration)).toBeGreaterThan(290);
    expect(secondsUntil(answer.json?.expiration)).toBeLessThanOrEqual(300);
    expect(answer.headers['Cache-Control']).toBe('no-store');

    const stored = await sendForm(t, answer, file, 'image/jpeg');
    expect(stored.status, stored.text).toBeLessThan(300);
    expect(t.standIn.object(answer.json?.key)).toEqual(file);
    // The form cannot store another content type, or under another key: its policy binds the ones signed.
    const again = await upload(instance, token, {});
    const tampered = (name: string, value: string) =>
      postForm(t.standIn, again.json?.url, [
        ...Object.entries(again.json?.fields as Record<string, string>).map(([field, v]): [string, string] => [field, field.toLowerCase() === name ? value : v]),
        ['file', { content: file, filename: 'upload.bin', type: 'image/jpeg' }],
      ]);
    expectRefused(await tampered('content-type', 'text/html'), 403, 'AccessDenied');
    expectRefused(await tampered('key', 'users/bob/photo.jpg'), 403, 'AccessDenied');
    expect(t.standIn.object('users/bob/photo.jpg')).toBeUndefined();
  });

  it('signs a presigned PUT bound to the key, the content type, the no-overwrite header and (where the cloud can) the size', async () => {
    const t = target(label);
    const instance = t.start();
    const token = await t.mint({ sub: 'alice' });
    const file = bytes(777, 2);
    const answer = await upload(instance, token, { filename: 'notes.txt', contentType: 'text/plain', size: file.length, method: 'put' });
    expect(answer.status, answer.body).toBe(200);
    expect(Object.keys(answer.json ?? {}).sort()).toEqual(['expiration', 'headers', 'key', 'method', 'provider', 'url']);
    expect(answer.json?.headers).toEqual({ 'Content-Type': 'text/plain', [NO_OVERWRITE[t.cloud]]: 'true' });
    expect(answer.json?.key).toMatch(/^users\/alice\/[0-9a-f]{16}-notes\.txt$/);
    const put = (body: Buffer, headers = answer.json?.headers) => sendTo(t.standIn, answer.json?.url, { method: 'PUT', headers, body });

    if (SIZE_BOUND[t.cloud]) expectRefused(await put(bytes(778, 2)), 403, 'SignatureDoesNotMatch');
    expectRefused(await put(file, { ...answer.json?.headers, 'Content-Type': 'text/html' }), 403, 'SignatureDoesNotMatch');
    expect((await put(file)).status).toBe(200);
    expect(t.standIn.object(answer.json?.key)).toEqual(file);
    // A second PUT to the key is refused, whoever sends it.
    expect((await put(file)).status).toBe(409);
  });

  it('signs a presigned GET that downloads the bytes back, as an attachment under a given name, for at most UPLOAD_URL_SECONDS', async () => {
    const t = target(label);
    const instance = t.start();
    const token = await t.mint({ sub: 'alice' });
    const file = bytes(512, 3);
    const form = await upload(instance, token, { filename: 'report.pdf', contentType: 'application/pdf', size: file.length });
    expect((await sendForm(t, form, file, 'application/pdf')).status).toBeLessThan(300);

    const answer = await instance.request('downloads', token, { body: { key: form.json?.key, filename: 'Résumé 2026.pdf', expiresIn: 60 } });
    expect(answer.status, answer.body).toBe(200);
    expect(Object.keys(answer.json ?? {}).sort()).toEqual(['expiration', 'method', 'provider', 'url']);
    expect(answer.json).toMatchObject({ provider: t.cloud, method: 'GET' });
    expect(secondsUntil(answer.json?.expiration)).toBeLessThanOrEqual(60);
    const got = await sendTo(t.standIn, answer.json?.url, { method: 'GET' });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(file);
    expect(got.headers['content-type']).toBe('application/pdf');
    expect(got.headers['content-disposition']).toBe(`attachment; filename="R_sum_ 2026.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%202026.pdf`);

    // A longer lifetime is capped at UPLOAD_URL_SECONDS (300 here), not refused.
    const long = await instance.request('downloads', token, { body: { key: form.json?.key, expiresIn: 86_400 } });
    expect(secondsUntil(long.json?.expiration)).toBeLessThanOrEqual(300);
    expect(secondsUntil(long.json?.expiration)).toBeGreaterThan(290);
  });

  it('refuses what the token may not do with a 4xx, no URL and no STS call: every check comes before the signing keys', async () => {
    const t = target(label);
    const instance = t.start(RULES);
    const alice = await t.mint({ sub: 'alice' });
    const before = t.upstreamRequests();
    const refusals: [string, Answer, number, RegExp, string?][] = [
      ['a key outside the token\'s prefixes', await upload(instance, alice, { key: 'users/bob/photo.jpg' }), 403, /^key must lie under a prefix this token may upload to: "users\/alice\/", "avatars\/alice\/"$/, 'upload_not_granted'],
      ['a key of another rule\'s prefix, with that rule named', await upload(instance, alice, { rule: 'avatars', key: 'users/alice/a.png', contentType: 'image/png' }), 403, /^key must lie under a prefix this token may upload to: "avatars\/alice\/"$/, 'upload_not_granted'],
      ['a size beyond the rule\'s maxSize', await upload(instance, alice, { rule: 'avatars', size: AVATAR_LIMIT + 1 }), 403, /^size is over the 2097152-byte limit of rule "avatars"$/, 'over_size_limit'],
      ['a type beyond the rule\'s contentTypes', await upload(instance, alice, { rule: 'avatars', contentType: 'image/gif', size: 10 }), 403, /^contentType must be one of image\/png, image\/jpeg for rule "avatars"$/, 'content_type_not_allowed'],
      ['a rule that does not apply', await upload(instance, alice, { rule: 'admins' }), 403, /^rule "admins" does not apply to this token$/, 'upload_not_granted'],
      ['a download of another user\'s key', await instance.request('downloads', alice, { body: { key: 'users/bob/photo.jpg' } }), 403, /^key must lie under a prefix this token may read: "users\/alice\/"$/, 'download_not_granted'],
      ['a download under an upload-only prefix', await instance.request('downloads', alice, { body: { key: 'avatars/alice/me.png' } }), 403, /^key must lie under a prefix this token may read/, 'download_not_granted'],
      ['a key that climbs out of its folder', await upload(instance, alice, { key: 'users/alice/../bob/photo.jpg' }), 400, /^key must be a relative path without empty, "\." or "\.\." segments$/],
      ['a download key with a backslash', await instance.request('downloads', alice, { body: { key: 'users\\alice\\photo.jpg' } }), 400, /^key may contain only letters/],
      ['no body', await instance.request('uploads', alice), 400, /^the request body is required/],
      ['no filename', await instance.request('uploads', alice, { body: { contentType: 'image/jpeg', size: 1 } }), 400, /^filename must be/],
      ['a negative size', await upload(instance, alice, { size: -1 }), 400, /^size must be the file size in bytes/],
      ['a fractional size', await upload(instance, alice, { size: 1.5 }), 400, /^size must be the file size in bytes/],
      ['a content type with a line break', await upload(instance, alice, { contentType: 'image/png\r\nx-evil: 1' }), 400, /^contentType must be a media type/],
      ['an unknown method', await upload(instance, alice, { method: 'get' }), 400, /^method must be "post" or "put"$/],
      ['an unknown field', await upload(instance, alice, { acl: 'public-read' }), 400, /^unknown field "acl" in the request body \(allowed: filename, contentType, size, method, rule, key\)$/],
      ['a lifetime of 0', await instance.request('downloads', alice, { body: { key: 'users/alice/a.jpg', expiresIn: 0 } }), 400, /^expiresIn must be a whole number of seconds, 1 or more$/],
      ['a body that is not an object', await instance.request('downloads', alice, { body: '["users/alice/a.jpg"]' }), 400, /^the request body must be a JSON object such as \{"key": "users\/alice\/photo.jpg"\}$/],
    ];
    if (t.cloud === 'huawei') {
      refusals.push([
        'a PUT under a rule with maxSize, which OBS cannot bind into the URL',
        await upload(instance, alice, { rule: 'avatars', method: 'put', contentType: 'image/png', size: 10 }),
        403,
        /^a huawei presigned PUT cannot bind the upload's size, and uploads under rule "avatars" are limited to 2097152 bytes: use method "post"$/,
        'put_size_unbindable',
      ]);
    }
    for (const [what, answer, status, description, reason] of refusals) {
      expect({ what, status: answer.status, error: answer.json?.error }).toEqual({ what, status, error: status === 403 ? 'insufficient_scope' : 'invalid_request' });
      expect(answer.json?.error_description, what).toMatch(description);
      expect(answer.json, what).not.toHaveProperty('url');
      if (reason) expect(logLineOf(fixture.lines, answer)?.reason, what).toBe(reason);
    }
    const unauthenticated = await instance.request('uploads', undefined, { body: { filename: 'a.jpg', contentType: 'image/jpeg', size: 1 } });
    expect([unauthenticated.status, unauthenticated.json?.error, unauthenticated.headers['WWW-Authenticate']]).toEqual([401, 'invalid_token', 'Bearer']);
    expect((await instance.request('downloads', alice, { method: 'GET' })).status).toBe(405);
    // Nothing above needed the signing role's keys.
    expect(t.upstreamRequests() - before).toBe(0);

    // The first request that can be signed assumes the signing role, once.
    expect((await upload(instance, alice, {})).status).toBe(200);
    expect(t.upstreamRequests() - before).toBe(1);
  });

  it('uploads under a limited rule through signing, with the rule\'s limits in the form, where keys cannot hold them', async () => {
    const t = target(label);
    const instance = t.start(RULES);
    const alice = await t.mint({ sub: 'alice' });
    const keys = await instance.request('keys', alice);
    expect(keys.status).toBe(200);
    const avatars = (keys.json?.grants as { rule: string; signedUploads?: boolean }[]).find((g) => g.rule === 'avatars');
    // COS keys hold the limits in their policy; OSS and OBS keys leave the rule's uploads to signing.
    expect(avatars?.signedUploads).toBe(t.cloud === 'tencent' ? undefined : true);

    const answer = await upload(instance, alice, { rule: 'avatars', filename: 'me.png', contentType: 'image/png', size: 5000 });
    expect(answer.status, answer.body).toBe(200);
    expect(answer.json).toMatchObject({ method: 'POST', maxSize: AVATAR_LIMIT, contentType: 'image/png' });
    expect(answer.json?.key).toMatch(/^avatars\/alice\/[0-9a-f]{16}-me\.png$/);
    // A file over the limit is refused by the storage service itself, whatever size was declared.
    expectRefused(await sendForm(t, answer, bytes(AVATAR_LIMIT + 1), 'image/png'), 400, 'EntityTooLarge');
    expect((await sendForm(t, answer, bytes(5000), 'image/png')).status).toBeLessThan(300);

    // Where the cloud can bind the size into a PUT, the rule offers PUT as well, for the exact size declared.
    const put = await upload(instance, alice, { rule: 'avatars', method: 'put', filename: 'me.png', contentType: 'image/png', size: 5000 });
    expect(put.status).toBe(SIZE_BOUND[t.cloud] ? 200 : 403);
  });

  it('assumes the signing role once per instance across 1,000 requests from 100 subjects, with a policy of the rules\' get and put only', async () => {
    const t = target(label);
    const instance = t.start();
    const tokens = await Promise.all(Array.from({ length: 100 }, (_, i) => t.mint({ sub: `user${i}` })));
    const before = t.upstreamRequests();
    const calls = t.signingRoleCalls().length;
    const statuses: number[] = [];
    for (let wave = 0; wave < 10; wave += 1) {
      const answers = await Promise.all(
        tokens.map((token, i) =>
          (wave + i) % 3 === 0
            ? instance.request('downloads', token, { body: { key: `users/user${i}/photo-${wave}.jpg` } })
            : upload(instance, token, { method: (wave + i) % 3 === 1 ? 'put' : 'post', size: 100 + wave }),
        ),
      );
      statuses.push(...answers.map((a) => a.status));
    }
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(statuses).toHaveLength(1000);
    expect(t.upstreamRequests() - before).toBe(1);
    const [call] = t.signingRoleCalls().slice(calls);
    expect(t.signingRoleCalls().length - calls).toBe(1);
    // The default rule (users/${sub}/ with get, put, list): its prefix widened, its get and put, nothing else.
    const policy = typeof call?.policy === 'string' ? call.policy : JSON.stringify(call?.policy);
    expect(policy).toContain('/users/*/*');
    expect(policy).not.toMatch(/List(Objects|Bucket)|GetBucket|Delete/);

    // Another instance assumes it once for itself.
    const second = t.start();
    expect((await upload(second, tokens[0] as string, {})).status).toBe(200);
    expect(t.upstreamRequests() - before).toBe(2);
  });

  it('shares the keys route\'s CORS, request id, log line and request limit', async () => {
    const t = target(label);
    const instance = t.start({ TOKEN_RATE_LIMIT: '4' });
    const alice = await t.mint({ sub: 'alice' });
    const origin = 'https://app.example.com';

    const preflight = await instance.request('uploads', undefined, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers).toMatchObject({ 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Methods': 'POST, OPTIONS', 'Access-Control-Allow-Headers': 'authorization, content-type' });
    expect(logLineOf(fixture.lines, preflight)).toMatchObject({ route: 'uploads', outcome: 'preflight', status: 204 });

    const first = await upload(instance, alice, {});
    const second = await instance.request('downloads', alice, { headers: { Origin: origin }, body: { key: first.json?.key } });
    expect(second.headers['Access-Control-Allow-Origin']).toBe(origin);
    expect(second.headers['X-Request-Id']).toMatch(/\S/);
    expect(logLineOf(fixture.lines, first)).toMatchObject({ route: 'uploads', outcome: 'signed', status: 200, subject: 'alice', cache: 'miss', provider: t.cloud });
    expect(logLineOf(fixture.lines, second)).toMatchObject({ route: 'downloads', outcome: 'signed', status: 200, subject: 'alice', cache: 'hit' });
    const keys = await instance.request('keys', alice);
    expect(logLineOf(fixture.lines, keys)).toMatchObject({ route: 'keys', outcome: 'issued', status: 200 });

    // TOKEN_RATE_LIMIT counts the requests of every route together: three so far, the fifth is refused.
    expect((await upload(instance, alice, {})).status).toBe(200);
    const limited = await upload(instance, alice, {});
    expect([limited.status, limited.json?.error, limited.headers['Retry-After']]).toEqual([429, 'rate_limited', expect.stringMatching(/^\d+$/)]);
    expect(logLineOf(fixture.lines, limited)).toMatchObject({ route: 'uploads', reason: 'request_limit' });
    expect(requestLogLines(fixture.lines).every((line) => !JSON.stringify(line).includes('"url"'))).toBe(true);
  });
});

describe('configuration of the signing routes, checked at cold start', () => {
  it.each([
    [{ UPLOAD_URL_SECONDS: '30' }, 'UPLOAD_URL_SECONDS'],
    [{ UPLOAD_URL_SECONDS: '3601' }, 'UPLOAD_URL_SECONDS'],
    [{ UPLOAD_MAX_SIZE: String(FIVE_GIB + 1) }, 'UPLOAD_MAX_SIZE'],
    [{ UPLOAD_MAX_SIZE: '10MB' }, 'UPLOAD_MAX_SIZE'],
    [{ STORAGE_ENDPOINT: 'http://storage.example.com' }, 'STORAGE_ENDPOINT'],
    [{ STORAGE_ENDPOINT: 'https://storage.example.com/media' }, 'STORAGE_ENDPOINT'],
    [{ STORAGE_ADDRESSING: 'sideways' }, 'STORAGE_ADDRESSING'],
    [{ STORAGE_ENDPOINT: 'http://127.0.0.1:9000', STORAGE_ADDRESSING: 'virtual-hosted' }, 'STORAGE_ADDRESSING'],
  ])('%o refuses to start, naming %s, and every route answers 500', async (env, variable) => {
    for (const t of fixture.targets) {
      const instance = t.start(env);
      const token = await t.mint({ sub: 'alice' });
      for (const route of ['keys', 'uploads', 'downloads'] as const) {
        const answer = await instance.request(route, token, { body: route === 'keys' ? undefined : { key: 'users/alice/a.jpg' } });
        expect([t.label, route, answer.status, answer.json?.error]).toEqual([t.label, route, 500, 'server_error']);
      }
      const problem = fixture.lines.map((line) => JSON.parse(line) as { msg?: string; variables?: string[] }).findLast((line) => line.msg?.startsWith('invalid configuration'));
      expect(problem?.variables, t.label).toContain(variable);
    }
  });

  it('refuses an UPLOAD_URL_SECONDS whose signing keys Huawei AssumeAgency cannot give (an hour at most)', async () => {
    const agency = target('huawei AssumeAgency');
    const securitytokens = target('huawei securitytokens');
    expect((await upload(agency.start({ UPLOAD_URL_SECONDS: '1800' }), await agency.mint({ sub: 'alice' }), {})).status).toBe(200);
    expect((await upload(agency.start({ UPLOAD_URL_SECONDS: '3600' }), await agency.mint({ sub: 'alice' }), {})).status).toBe(500);
    const problem = fixture.lines.map((line) => JSON.parse(line) as { msg?: string }).findLast((line) => line.msg?.startsWith('invalid configuration'));
    expect(problem?.msg).toMatch(/UPLOAD_URL_SECONDS: must be at most 1800 here/);
    // IAM securitytokens gives up to a day: the same lifetime works there.
    expect((await upload(securitytokens.start({ UPLOAD_URL_SECONDS: '3600' }), await securitytokens.mint({ sub: 'alice' }), {})).status).toBe(200);
  });
});
