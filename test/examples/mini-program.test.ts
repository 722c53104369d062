/**
 * The mini-program example (examples/mini-program/) run as WeChat and as Alipay would run it: its own
 * files, with `wx` or `my` whose request and uploadFile do the real thing on loopback. For each cloud,
 * the page asks a token endpoint that signs with `lib/sign` for a POST form and uploads the picked file
 * with `wx.uploadFile` / `my.uploadFile` to the storage stand-in, which verifies the form with its own
 * code: the object arrives with its bytes and type, and a file over the form's size limit is refused.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCosStandIn } from '../../emulators/storage/cos.js';
import { startObsStandIn } from '../../emulators/storage/obs.js';
import { startOssStandIn } from '../../emulators/storage/oss.js';
import type { StorageStandIn } from '../../emulators/storage/storage-stand-in.js';
import type { StorageProvider } from '../../lib/sign/index.js';
import { fakeMy, fakeWx, type MiniProgramPage, openMiniProgramPage, type Platform } from '../helpers/mini-program-runtime.js';
import { startTestSigningEndpoint, type TestSigningEndpoint, USER_PREFIX } from '../helpers/test-signing-endpoint.js';

const LOGIN_TOKEN = 'login-session-of-alice';
const FILE_SIZE = 200 * 1024;
const PHOTO = Buffer.from(Array.from({ length: FILE_SIZE }, (_, index) => (index * 13 + 5) % 256));

let folder: string;
let photoPath: string;
const cleanups: (() => Promise<unknown> | unknown)[] = [];

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'stsgate-mini-program-'));
  photoPath = join(folder, 'photo.jpg');
  writeFileSync(photoPath, PHOTO);
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const CLOUDS: readonly { provider: StorageProvider; region: string; start: () => Promise<StorageStandIn> }[] = [
  { provider: 'aliyun', region: 'cn-hangzhou', start: () => startOssStandIn({ bucket: 'media' }) },
  { provider: 'tencent', region: 'ap-guangzhou', start: () => startCosStandIn({ bucket: 'media-1250000000' }) },
  { provider: 'huawei', region: 'cn-north-4', start: () => startObsStandIn({ bucket: 'media' }) },
];
const PLATFORMS: readonly Platform[] = ['wechat', 'alipay'];

describe.each(PLATFORMS)('%s', (platform) => {
  describe.each(CLOUDS)('$provider', ({ provider, region, start }) => {
    let standIn: StorageStandIn;
    let signing: TestSigningEndpoint;

    async function openPage(loginToken = LOGIN_TOKEN): Promise<MiniProgramPage> {
      standIn = await start();
      cleanups.push(() => standIn.close());
      signing = await startTestSigningEndpoint({ provider, standIn, region, loginToken: LOGIN_TOKEN });
      cleanups.push(() => signing.close());
      const fakes = { standIn, pickedFile: photoPath };
      return openMiniProgramPage({
        platform,
        root: 'examples/mini-program',
        page: 'pages/upload/upload',
        globalData: { tokenService: signing.url, loginToken },
        api: platform === 'wechat' ? fakeWx(fakes) : fakeMy(fakes),
      });
    }

    it('uploads the picked file with the signed form: the object arrives with its bytes and type', async () => {
      const page = await openPage();
      await page.call('chooseAndUpload');

      expect(page.data).toEqual({ busy: false, progress: 100, key: expect.stringMatching(new RegExp(`^${USER_PREFIX}[0-9a-f]{12}-photo\\.jpg$`)), error: '' });
      expect(signing.requests).toEqual([{ route: 'uploads', body: { filename: 'photo.jpg', contentType: 'image/jpeg', size: FILE_SIZE, method: 'post' } }]);
      const stored = standIn.storedObjects();
      expect(stored.map(({ key, contentType }) => ({ key, contentType }))).toEqual([{ key: page.data.key, contentType: 'image/jpeg' }]);
      expect(stored[0]!.body.equals(PHOTO)).toBe(true);
      expect(standIn.calls.map((call) => call.by)).toEqual(['form']);
      expect(standIn.rejections).toEqual([]);
      // The page showed the upload going on, then where it went.
      expect(page.updates[0]).toEqual({ busy: true, progress: 0, key: '', error: '' });
    });

    it('a file over the size limit is refused by the storage service, and the page says so', async () => {
      const page = await openPage();
      signing.next({ maxSize: 64 * 1024 });
      await page.call('chooseAndUpload');

      expect(page.data).toMatchObject({ busy: false, key: '', error: 'the storage service refused the upload (400 EntityTooLarge)' });
      expect(standIn.rejections.map((rejection) => rejection.code)).toEqual(['EntityTooLarge']);
      expect(standIn.storedObjects()).toEqual([]);
    });

    it('a login token the token service refuses stops before any upload', async () => {
      const page = await openPage('not-a-session');
      await page.call('chooseAndUpload');

      expect(page.data).toMatchObject({ busy: false, key: '', error: 'the token service refused (401 invalid_token)' });
      expect(standIn.calls).toEqual([]);
      expect(standIn.rejections).toEqual([]);
    });
  });
});
