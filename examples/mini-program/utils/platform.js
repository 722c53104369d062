// @ts-check
/**
 * The few platform calls a signed upload needs, for WeChat (`wx`) and Alipay (`my`): a JSON POST to the
 * token service, a multipart form upload, and picking a file. Everything else is the same on both.
 *
 * The parameter names differ, and these are the documented ones:
 * - `wx.request({ url, method, header, data, dataType })` → `{ statusCode, data }`;
 *   `my.request({ url, method, headers, data, dataType })` → `{ status, data }`.
 * - `wx.uploadFile({ url, filePath, name, formData })`; `my.uploadFile({ url, filePath, fileName,
 *   fileType, formData })`, where `fileType` is required and is `image`, `video` or `audio`. Both answer
 *   `{ statusCode, data }` and send `formData` first and the file after it, which OSS and OBS require.
 */

/**
 * @typedef {object} Platform
 * @property {'wechat' | 'alipay'} name
 * @property {(url: string, headers: Record<string, string>, body: string) => Promise<{ status: number, data: unknown }>} postJson
 * @property {(upload: FormUpload) => Promise<{ status: number, body: string }>} uploadForm
 * @property {() => Promise<PickedFile>} pickFile
 */

/**
 * @typedef {object} FormUpload
 * @property {string} url
 * @property {string} filePath
 * @property {Record<string, string>} fields
 * @property {(percent: number) => void} onProgress
 */

/** @typedef {{ path: string, name: string, size: number }} PickedFile */

/** @returns {Platform} */
function currentPlatform() {
  if (typeof wx === 'object') return wechat(wx);
  if (typeof my === 'object') return alipay(my);
  throw new Error('neither wx nor my: not a WeChat or Alipay mini-program');
}

/** @param {WechatApi} wx @returns {Platform} */
function wechat(wx) {
  return {
    name: 'wechat',
    postJson: (url, headers, body) =>
      new Promise((resolve, reject) => {
        wx.request({
          url,
          method: 'POST',
          header: { ...headers, 'content-type': 'application/json' },
          data: body,
          dataType: 'json',
          success: (res) => resolve({ status: res.statusCode, data: res.data }),
          fail: (err) => reject(new Error(`request failed: ${err.errMsg}`)),
        });
      }),
    uploadForm: ({ url, filePath, fields, onProgress }) =>
      new Promise((resolve, reject) => {
        const task = wx.uploadFile({
          url,
          filePath,
          name: 'file',
          formData: fields,
          success: (res) => resolve({ status: res.statusCode, body: res.data }),
          fail: (err) => reject(new Error(`upload failed: ${err.errMsg}`)),
        });
        task.onProgressUpdate((update) => onProgress(update.progress));
      }),
    pickFile: () =>
      new Promise((resolve, reject) => {
        wx.chooseMessageFile({
          count: 1,
          type: 'all',
          success: (res) => {
            const file = res.tempFiles[0];
            if (file) resolve({ path: file.path, name: file.name, size: file.size });
            else reject(new Error('no file chosen'));
          },
          fail: (err) => reject(new Error(`no file chosen: ${err.errMsg}`)),
        });
      }),
  };
}

/** @param {AlipayApi} my @returns {Platform} */
function alipay(my) {
  return {
    name: 'alipay',
    postJson: (url, headers, body) =>
      new Promise((resolve, reject) => {
        my.request({
          url,
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          data: body,
          dataType: 'json',
          success: (res) => resolve({ status: res.status, data: res.data }),
          fail: (err) => reject(new Error(`request failed: ${err.errorMessage || err.error}`)),
        });
      }),
    uploadForm: ({ url, filePath, fields, onProgress }) =>
      new Promise((resolve, reject) => {
        const task = my.uploadFile({
          url,
          filePath,
          fileName: 'file',
          fileType: 'image',
          formData: fields,
          success: (res) => resolve({ status: Number(res.statusCode), body: res.data }),
          fail: (err) => reject(new Error(`upload failed: ${err.errorMessage || err.error}`)),
        });
        // Older Alipay base libraries return no task, so no progress.
        if (task && task.onProgressUpdate) task.onProgressUpdate((update) => onProgress(update.progress));
      }),
    // my.uploadFile's fileType only knows image, video and audio: this example uploads an image.
    pickFile: () =>
      new Promise((resolve, reject) => {
        my.chooseImage({
          count: 1,
          success: (res) => {
            const path = res.tempFilePaths[0];
            if (!path) return reject(new Error('no image chosen'));
            my.getFileInfo({
              filePath: path,
              success: (info) => resolve({ path, name: path.split('/').pop() || 'image.jpg', size: info.size }),
              fail: (err) => reject(new Error(`cannot read the image: ${err.errorMessage || err.error}`)),
            });
          },
          fail: (err) => reject(new Error(`no image chosen: ${err.errorMessage || err.error}`)),
        });
      }),
  };
}

module.exports = { currentPlatform };
