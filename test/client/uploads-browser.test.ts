/**
 * Signed uploads and downloads in real Chromium, for each cloud against its storage stand-in
 * (emulators/storage/, which checks every form and URL with its own code): the built client
 * (`client/dist/index.js`) in a page on its own origin, a token endpoint that signs with `lib/sign` and
 * keys the stand-in knows, and real files of a few hundred KB, sent through a throttled uplink so the
 * browser reports progress several times.
 *
 * For each cloud: a form POST and a presigned PUT succeed with progress events and the bytes come back
 * through `downloadUrl`; a file over the form's maxSize, a wrong content type, a changed key, an expired
 * signature and a second PUT to the same key are each refused by the stand-in, and reach the app as
 * UploadRefusedError with the service's status and code; an expired signature is replaced once.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { startCosStandIn } from '../../emulators/storage/cos.js';
import { startObsStandIn } from '../../emulators/storage/obs.js';
import { startOssStandIn } from '../../emulators/storage/oss.js';
import type { StorageStandIn } from '../../emulators/storage/storage-stand-in.js';
import type { StorageProvider } from '../../lib/sign/index.js';
import { throttleUplink } from '../helpers/chromium.js';
import { useSdkTestPage } from '../helpers/sdk-test-page.js';
import { startTestSigningEndpoint, type TestSigningEndpoint, USER_PREFIX } from '../helpers/test-signing-endpoint.js';

const LOGIN_TOKEN = 'login-session-of-alice';
const FILE_SIZE = 300 * 1024;

const suite = useSdkTestPage();

interface Attempt {
  readonly result?: { provider: string; method: string; key: string; etag?: string; size: number; contentType: string; attempts: number };
  readonly error?: { name: string; code: string; status?: number; error?: string; description?: string; requestId?: string; message: string; refused: boolean };
  readonly progress: { loaded: number; total: number; attempt: number }[];
}

interface UploadSpec {
  readonly endpoint: string;
  readonly method: 'post' | 'put';
  readonly size?: number;
  readonly type?: string;
  readonly key?: string;
}

interface PageWindow {
  stsgate: typeof import('../../client/index.js');
  tryUpload(spec: UploadSpec & { login: string }): Promise<Attempt>;
  download(spec: { endpoint: string; login: string; key: string; filename?: string }): Promise<{ bytes: number[]; type: string | null; disposition: string | null; expiration: string }>;
}

/** The bytes of every test file: a pattern Node can check byte for byte. */
const byteAt = (index: number) => (index * 7 + 3) % 256;
const expectedBytes = (size: number) => Buffer.from(Array.from({ length: size }, (_, index) => byteAt(index)));

const CLOUDS: readonly { provider: StorageProvider; region: string; start: () => Promise<StorageStandIn>; noOverwriteCode: string; bindsPutSize: boolean }[] = [
  { provider: 'aliyun', region: 'cn-hangzhou', start: () => startOssStandIn({ bucket: 'media' }), noOverwriteCode: 'FileAlreadyExists', bindsPutSize: true },
  { provider: 'tencent', region: 'ap-guangzhou', start: () => startCosStandIn({ bucket: 'media-1250000000' }), noOverwriteCode: 'FileAlreadyExists', bindsPutSize: true },
  { provider: 'huawei', region: 'cn-north-4', start: () => startObsStandIn({ bucket: 'media' }), noOverwriteCode: 'ObjectAlreadyExists', bindsPutSize: false },
];

/** A page with the client, and helpers that upload a generated file and download an object. */
async function openPage(): Promise<Page> {
  const page = await suite.openPage();
  await page.evaluate(() => {
    const w = window as unknown as PageWindow;
    w.tryUpload = async ({ endpoint, login, method, size = 300 * 1024, type = 'image/jpeg', key }) => {
      const client = w.stsgate.createStsClient({ endpoint, getToken: () => login });
      const bytes = new Uint8Array(size);
      for (let index = 0; index < size; index += 1) bytes[index] = (index * 7 + 3) % 256;
      const file = new File([bytes], 'holiday photo.jpg', { type });
      const progress: Attempt['progress'] = [];
      try {
        const result = await w.stsgate.upload(client, file, { method, ...(key ? { key } : {}), onProgress: (event) => progress.push(event) });
        return { result: { ...result }, progress };
      } catch (caught) {
        const e = caught as InstanceType<typeof w.stsgate.UploadRefusedError>;
        return {
          error: { name: e.name, code: e.code, status: e.status, error: e.error, description: e.description, requestId: e.requestId, message: e.message, refused: e instanceof w.stsgate.UploadRefusedError },
          progress,
        };
      }
    };
    w.download = async ({ endpoint, login, key, filename }) => {
      const client = w.stsgate.createStsClient({ endpoint, getToken: () => login });
      const signed = await w.stsgate.downloadUrl(client, key, filename ? { filename } : {});
      const response = await fetch(signed.url);
      if (!response.ok) throw new Error(`download answered ${response.status}`);
      return {
        bytes: [...new Uint8Array(await response.arrayBuffer())],
        type: response.headers.get('content-type'),
        disposition: response.headers.get('content-disposition'),
        expiration: signed.expiration,
      };
    };
  });
  return page;
}

describe.each(CLOUDS)('$provider', ({ provider, region, start, noOverwriteCode, bindsPutSize }) => {
  let standIn: StorageStandIn;
  let signing: TestSigningEndpoint;
  let page: Page;

  async function setUp(): Promise<void> {
    standIn = await start();
    suite.defer(() => standIn.close());
    signing = await startTestSigningEndpoint({ provider, standIn, region, loginToken: LOGIN_TOKEN });
    suite.defer(() => signing.close());
    page = await openPage();
  }

  const attempt = (spec: Omit<UploadSpec, 'endpoint'>) =>
    page.evaluate((args) => (window as unknown as PageWindow).tryUpload(args), { ...spec, endpoint: signing.url, login: LOGIN_TOKEN });

  /** A refusal as the app sees it: UploadRefusedError with the stand-in's status and code, which the stand-in also logged. */
  function expectRefused(outcome: Attempt, status: number, code: string): void {
    expect(outcome.result).toBeUndefined();
    expect(outcome.error).toMatchObject({ name: 'UploadRefusedError', code: 'upload_refused', refused: true, status, error: code });
    expect(outcome.error!.message).toBe(`the storage service refused the upload (${status} ${code})`);
    expect(standIn.rejections.at(-1)?.code).toBe(code);
  }

  /** Progress as the browser reported it: several events, growing, ending at the whole body. */
  function expectProgress(progress: Attempt['progress'], attempt = 1): void {
    const events = progress.filter((event) => event.attempt === attempt);
    expect(events.length).toBeGreaterThanOrEqual(3);
    for (let index = 1; index < events.length; index += 1) expect(events[index]!.loaded).toBeGreaterThanOrEqual(events[index - 1]!.loaded);
    const last = events.at(-1)!;
    expect(last.loaded).toBe(last.total);
    expect(last.total).toBeGreaterThanOrEqual(FILE_SIZE);
  }

  it('uploads a real file with a form POST, with progress, and downloadUrl + fetch gets the bytes back', async () => {
    await setUp();
    await throttleUplink(page);
    const { result, progress, error } = await attempt({ method: 'post' });
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ provider, method: 'POST', size: FILE_SIZE, contentType: 'image/jpeg', attempts: 1 });
    expect(result!.key).toMatch(new RegExp(`^${USER_PREFIX}[0-9a-f]{12}-holiday_photo\\.jpg$`));
    expectProgress(progress);
    const [stored] = standIn.storedObjects();
    expect(stored).toMatchObject({ key: result!.key, contentType: 'image/jpeg', etag: result!.etag });
    expect(stored!.body.equals(expectedBytes(FILE_SIZE))).toBe(true);
    expect(standIn.calls.map((call) => call.by)).toEqual(['form']);

    const downloaded = await page.evaluate((args) => (window as unknown as PageWindow).download(args), {
      endpoint: signing.url,
      login: LOGIN_TOKEN,
      key: result!.key,
      filename: 'Holiday 2026.jpg',
    });
    expect(Buffer.from(downloaded.bytes).equals(expectedBytes(FILE_SIZE))).toBe(true);
    expect(downloaded.type).toBe('image/jpeg');
    expect(downloaded.disposition).toBe(`attachment; filename="Holiday 2026.jpg"; filename*=UTF-8''Holiday%202026.jpg`);
    expect(signing.requests.map((request) => request.route)).toEqual(['uploads', 'downloads']);
  });

  it('uploads a real file with a presigned PUT, with progress; a second PUT to the same key is refused (no-overwrite)', async () => {
    await setUp();
    await throttleUplink(page);
    const first = await attempt({ method: 'put' });
    expect(first.error).toBeUndefined();
    expect(first.result).toMatchObject({ provider, method: 'PUT', size: FILE_SIZE, contentType: 'image/jpeg', attempts: 1 });
    expectProgress(first.progress);
    expect(standIn.object(first.result!.key)?.equals(expectedBytes(FILE_SIZE))).toBe(true);
    expect(standIn.calls.map((call) => call.by)).toEqual(['query']);

    const second = await attempt({ method: 'put', key: first.result!.key, size: 1000 });
    expectRefused(second, 409, noOverwriteCode);
    expect(standIn.object(first.result!.key)?.length).toBe(FILE_SIZE);
  });

  it('a file over the form maxSize is refused by the storage service: 400 EntityTooLarge', async () => {
    await setUp();
    signing.next({ maxSize: 100 * 1024 });
    expectRefused(await attempt({ method: 'post' }), 400, 'EntityTooLarge');
    expect(standIn.storedObjects()).toEqual([]);
  });

  it.runIf(bindsPutSize)('a PUT body of another length than signed is refused: 403 SignatureDoesNotMatch', async () => {
    await setUp();
    signing.next({ contentLength: FILE_SIZE - 1 });
    expectRefused(await attempt({ method: 'put' }), 403, 'SignatureDoesNotMatch');
  });

  it('a wrong content type is refused: the form policy condition (403 AccessDenied), the PUT signature (403 SignatureDoesNotMatch)', async () => {
    await setUp();
    const contentTypeField = (fields: Record<string, string>) => Object.keys(fields).find((name) => name.toLowerCase() === 'content-type')!;
    signing.next(
      { tamper: (answer) => void (answer.fields[contentTypeField(answer.fields)] = 'text/html') },
      { tamper: (answer) => void (answer.headers['Content-Type'] = 'text/html') },
    );
    const form = await attempt({ method: 'post' });
    expectRefused(form, 403, 'AccessDenied');
    expect(form.error!.description).toMatch(/Policy Condition failed|Condition key|Invalid according to Policy/);
    expectRefused(await attempt({ method: 'put' }), 403, 'SignatureDoesNotMatch');
    expect(standIn.storedObjects()).toEqual([]);
  });

  it('a changed key is refused: the form policy condition (403 AccessDenied), the PUT signature (403 SignatureDoesNotMatch)', async () => {
    await setUp();
    signing.next(
      { tamper: (answer) => void (answer.fields.key = `${USER_PREFIX}someone-elses.jpg`) },
      { tamper: (answer) => void (answer.url = answer.url.replace(/\/users\/alice\/[^?]+/, '/users/alice/someone-elses.jpg')) },
    );
    expectRefused(await attempt({ method: 'post' }), 403, 'AccessDenied');
    expectRefused(await attempt({ method: 'put' }), 403, 'SignatureDoesNotMatch');
    expect(standIn.storedObjects()).toEqual([]);
  });

  it.each(['post', 'put'] as const)('%s: an expired signature is refused by the service, signed once more, and refused again: upload_refused', async (method) => {
    await setUp();
    // A server whose clock is 10 minutes behind: its answers look fresh by its own Date, but have expired.
    const behind = { clockOffsetMs: -600_000 };
    signing.next(behind, behind);
    const outcome = await attempt({ method });
    expectRefused(outcome, 403, 'AccessDenied');
    expect(outcome.error!.description).toMatch(/expired/);
    expect(signing.requests).toHaveLength(2);
    expect(standIn.rejections.map((rejection) => rejection.code)).toEqual(['AccessDenied', 'AccessDenied']);
  });

  it.each(['post', 'put'] as const)('%s: the expired-then-re-signed path succeeds once', async (method) => {
    await setUp();
    signing.next({ clockOffsetMs: -600_000 });
    const { result, error } = await attempt({ method });
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ attempts: 2, size: FILE_SIZE });
    expect(signing.requests).toHaveLength(2);
    expect(standIn.rejections.map((rejection) => rejection.code)).toEqual(['AccessDenied']);
    expect(standIn.storedObjects().map((object) => object.key)).toEqual([result!.key]);
  });
});
