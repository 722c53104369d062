/**
 * The parts of the WeChat and Alipay mini-program globals this example uses, as their documentation
 * describes them (for `tsc -p examples/mini-program`; the platforms' full typings are not needed).
 */

interface WechatFail {
  errMsg: string;
}

interface WechatApi {
  request(options: {
    url: string;
    method: 'POST';
    header: Record<string, string>;
    data: string;
    dataType: 'json';
    success(res: { statusCode: number; data: unknown; header: Record<string, string> }): void;
    fail(err: WechatFail): void;
  }): unknown;
  uploadFile(options: {
    url: string;
    filePath: string;
    name: string;
    formData: Record<string, string>;
    success(res: { statusCode: number; data: string }): void;
    fail(err: WechatFail): void;
  }): { onProgressUpdate(listener: (update: { progress: number; totalBytesSent: number; totalBytesExpectedToSend: number }) => void): void; abort(): void };
  chooseMessageFile(options: {
    count: number;
    type: 'all' | 'image' | 'video' | 'file';
    success(res: { tempFiles: { path: string; size: number; name: string; type: string }[] }): void;
    fail(err: WechatFail): void;
  }): void;
}

interface AlipayFail {
  error?: number;
  errorMessage?: string;
}

interface AlipayApi {
  request(options: {
    url: string;
    method: 'POST';
    headers: Record<string, string>;
    data: string;
    dataType: 'json';
    success(res: { status: number; data: unknown; headers: Record<string, string> }): void;
    fail(err: AlipayFail): void;
  }): unknown;
  uploadFile(options: {
    url: string;
    filePath: string;
    fileName: string;
    fileType: 'image' | 'video' | 'audio';
    formData: Record<string, string>;
    success(res: { statusCode: number | string; data: string }): void;
    fail(err: AlipayFail): void;
  }): { onProgressUpdate?(listener: (update: { progress: number }) => void): void } | undefined;
  chooseImage(options: { count: number; success(res: { tempFilePaths: string[] }): void; fail(err: AlipayFail): void }): void;
  getFileInfo(options: { filePath: string; success(res: { size: number }): void; fail(err: AlipayFail): void }): void;
}

declare var wx: WechatApi;
declare var my: AlipayApi;

interface AppGlobalData {
  tokenService: string;
  loginToken: string;
}

declare function App(options: { globalData: AppGlobalData }): void;
declare function getApp(): { globalData: AppGlobalData };

interface PageInstance<D> {
  data: D;
  setData(patch: Partial<D>): void;
}

/** `data` and the page's handlers; in a handler, `this` is the page instance. */
declare function Page<D, M>(options: { data: D } & M & ThisType<PageInstance<D> & M>): void;
