/**
 * Just enough of the WeChat and Alipay mini-program runtimes to run examples/mini-program/ in Node:
 * its CommonJS files loaded with the platform's globals (`wx` or `my`, `App`, `Page`, `getApp`) and a
 * page instance with `setData`; and fakes of the platform calls the example makes that do the real
 * thing on loopback: `request` is a real HTTP POST, `uploadFile` a real multipart POST (the form fields
 * in order, then the file) to the storage stand-in, `chooseMessageFile` / `chooseImage` pick a file on
 * disk. Parameter names and answer shapes follow each platform's documentation, and a call that leaves
 * out a parameter the platform requires fails the way the platform does.
 *
 * @module
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { runInThisContext } from 'node:vm';
import type { StorageStandIn } from '../../emulators/storage/storage-stand-in.js';
import { formBody, sendTo } from '../emulators/storage-client.js';

export type Platform = 'wechat' | 'alipay';

export interface MiniProgramPage {
  readonly data: Record<string, unknown>;
  /** Every setData patch, in order. */
  readonly updates: Record<string, unknown>[];
  call(handler: string): Promise<unknown>;
}

export interface RunOptions {
  readonly platform: Platform;
  /** The example's folder. */
  readonly root: string;
  /** The page to open, e.g. `pages/upload/upload`. */
  readonly page: string;
  readonly globalData: Record<string, unknown>;
  readonly api: object;
}

/** Loads app.js and the page with the platform's globals, and returns the page instance. */
export function openMiniProgramPage(options: RunOptions): MiniProgramPage {
  let app: { globalData: Record<string, unknown> } | undefined;
  let pageOptions: Record<string, unknown> | undefined;
  const globals = {
    wx: options.platform === 'wechat' ? options.api : undefined,
    my: options.platform === 'alipay' ? options.api : undefined,
    App: (definition: { globalData: Record<string, unknown> }) => void (app = definition),
    Page: (definition: Record<string, unknown>) => void (pageOptions = definition),
    getApp: () => app,
  };
  const cache = new Map<string, unknown>();
  const load = (file: string): unknown => {
    if (cache.has(file)) return cache.get(file);
    const module = { exports: {} as unknown };
    cache.set(file, module.exports);
    const names = ['require', 'module', 'exports', ...Object.keys(globals)];
    const wrapped = runInThisContext(`(function (${names.join(', ')}) {\n${readFileSync(file, 'utf8')}\n})`, { filename: file }) as (...args: unknown[]) => void;
    const localRequire = (specifier: string) => load(resolve(dirname(file), specifier));
    wrapped(localRequire, module, module.exports, ...Object.values(globals));
    cache.set(file, module.exports);
    return module.exports;
  };

  load(resolve(options.root, 'app.js'));
  Object.assign(app!.globalData, options.globalData);
  load(resolve(options.root, `${options.page}.js`));
  const definition = pageOptions!;
  const updates: Record<string, unknown>[] = [];
  const page = Object.create(definition) as Record<string, unknown>;
  page.data = structuredClone(definition.data);
  page.setData = (patch: Record<string, unknown>) => {
    updates.push({ ...patch });
    Object.assign(page.data as object, patch);
  };
  return {
    get data() {
      return page.data as Record<string, unknown>;
    },
    updates,
    call: (handler) => (definition[handler] as () => Promise<unknown>).call(page),
  };
}

export interface PlatformFakeOptions {
  /** The storage stand-in the uploads go to (virtual-hosted names such as `media.localhost` reach it too). */
  readonly standIn: StorageStandIn;
  /** What the file picker returns. */
  readonly pickedFile: string;
}

/** `wx`: request, uploadFile (returning an UploadTask), chooseMessageFile. */
export function fakeWx({ standIn, pickedFile }: PlatformFakeOptions): object {
  return {
    request(options: { url: string; method?: string; header?: Record<string, string>; data?: string; dataType?: string; success: (res: object) => void; fail: (err: object) => void }) {
      httpJson(options.url, options.method, options.header, options.data).then(
        ({ status, data, headers }) => options.success({ statusCode: status, data, header: headers }),
        (error: Error) => options.fail({ errMsg: `request:fail ${error.message}` }),
      );
    },
    uploadFile(options: { url: string; filePath: string; name: string; formData?: Record<string, string>; success: (res: object) => void; fail: (err: object) => void }) {
      if (!options.name) throw new Error('uploadFile:fail parameter error: parameter.name should be String');
      const listeners: ((update: object) => void)[] = [];
      postMultipart(standIn, options.url, options.formData ?? {}, options.name, options.filePath, listeners).then(
        ({ status, text }) => options.success({ statusCode: status, data: text }),
        (error: Error) => options.fail({ errMsg: `uploadFile:fail ${error.message}` }),
      );
      return { onProgressUpdate: (listener: (update: object) => void) => listeners.push(listener), abort: () => undefined };
    },
    chooseMessageFile(options: { success: (res: object) => void }) {
      queueMicrotask(() => options.success({ tempFiles: [{ path: pickedFile, size: statSync(pickedFile).size, name: basename(pickedFile), type: 'file' }] }));
    },
  };
}

/** `my`: request, uploadFile (fileName and fileType required), chooseImage, getFileInfo. */
export function fakeMy({ standIn, pickedFile }: PlatformFakeOptions): object {
  return {
    request(options: { url: string; method?: string; headers?: Record<string, string>; data?: string; dataType?: string; success: (res: object) => void; fail: (err: object) => void }) {
      httpJson(options.url, options.method, options.headers, options.data).then(
        ({ status, data, headers }) => options.success({ status, data, headers }),
        (error: Error) => options.fail({ error: 12, errorMessage: error.message }),
      );
    },
    uploadFile(options: { url: string; filePath: string; fileName: string; fileType: string; formData?: Record<string, string>; success: (res: object) => void; fail: (err: object) => void }) {
      const listeners: ((update: object) => void)[] = [];
      if (!options.fileName || !['image', 'video', 'audio'].includes(options.fileType)) {
        queueMicrotask(() => options.fail({ error: 2, errorMessage: 'fileName and fileType (image, video or audio) are required' }));
        return { onProgressUpdate: (listener: (update: object) => void) => listeners.push(listener) };
      }
      postMultipart(standIn, options.url, options.formData ?? {}, options.fileName, options.filePath, listeners).then(
        ({ status, text }) => options.success({ statusCode: status, data: text, header: {} }),
        (error: Error) => options.fail({ error: 12, errorMessage: error.message }),
      );
      return { onProgressUpdate: (listener: (update: object) => void) => listeners.push(listener) };
    },
    chooseImage(options: { success: (res: object) => void }) {
      queueMicrotask(() => options.success({ tempFilePaths: [pickedFile] }));
    },
    getFileInfo(options: { filePath: string; success: (res: object) => void }) {
      queueMicrotask(() => options.success({ size: statSync(options.filePath).size, digest: '' }));
    },
  };
}

/** A JSON POST as both platforms make it with `dataType: 'json'`: the body sent as given, the answer parsed. */
async function httpJson(url: string, method = 'GET', headers: Record<string, string> = {}, data?: string) {
  const response = await fetch(url, { method, headers, ...(data === undefined ? {} : { body: data }) });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // dataType json on a body that is not JSON: the platforms hand the text over.
  }
  const answerHeaders: Record<string, string> = {};
  response.headers.forEach((value, name) => (answerHeaders[name] = value));
  return { status: response.status, data: parsed, headers: answerHeaders };
}

/** The form the platforms' uploadFile sends: `formData` in order, then the file under `name`. */
async function postMultipart(standIn: StorageStandIn, url: string, formData: Record<string, string>, name: string, filePath: string, listeners: ((update: object) => void)[]) {
  const content = readFileSync(filePath);
  const { body, contentType } = await formBody([...Object.entries(formData), [name, { content, filename: basename(filePath) }]]);
  const reply = await sendTo(standIn, url, { method: 'POST', headers: { 'content-type': contentType }, body });
  for (const listener of listeners) listener({ progress: 100, totalBytesSent: body.length, totalBytesExpectedToSend: body.length });
  return reply;
}
