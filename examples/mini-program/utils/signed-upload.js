// @ts-check
/**
 * A signed upload without any storage SDK: ask the stsgate token service to sign a POST Object form
 * (`<token service>/uploads` with method "post"), then send the form's fields and the file to the
 * bucket. The storage service enforces what the form's policy says (this exact key, the size range,
 * the content type, the expiry), and the file never passes through the token service.
 */

/**
 * @typedef {object} SignedForm The `uploads` route's answer for method "post".
 * @property {string} provider
 * @property {'POST'} method
 * @property {string} url
 * @property {Record<string, string>} fields Sent in this order, before the file.
 * @property {string} key
 * @property {string} expiration
 * @property {number} maxSize
 * @property {string} contentType
 */

/** @typedef {import('./platform.js').Platform} Platform */

/** The types the example can name from a file's extension; the token service's rules decide what is accepted. */
const CONTENT_TYPES = /** @type {Record<string, string>} */ ({
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  mp4: 'video/mp4',
  pdf: 'application/pdf',
  txt: 'text/plain',
});

/** @param {string} filename */
function contentTypeOf(filename) {
  const extension = (filename.split('.').pop() || '').toLowerCase();
  return CONTENT_TYPES[extension] || 'application/octet-stream';
}

/**
 * @param {Platform} platform
 * @param {{ tokenService: string, loginToken: string, filename: string, size: number }} request
 * @returns {Promise<SignedForm>}
 */
async function requestSignedForm(platform, { tokenService, loginToken, filename, size }) {
  const body = JSON.stringify({ filename, contentType: contentTypeOf(filename), size, method: 'post' });
  // The route is the token service's URL with one more path segment.
  const { status, data } = await platform.postJson(`${tokenService.replace(/\/+$/, '')}/uploads`, { Authorization: `Bearer ${loginToken}` }, body);
  const answer = /** @type {Partial<SignedForm> & { error?: string }} */ (data || {});
  if (status !== 200) throw new Error(`the token service refused (${status} ${answer.error || ''})`);
  if (answer.method !== 'POST' || typeof answer.url !== 'string' || typeof answer.key !== 'string' || typeof answer.fields !== 'object' || answer.fields === null) {
    throw new Error('the token service did not answer with a signed form');
  }
  return /** @type {SignedForm} */ (answer);
}

/**
 * @param {Platform} platform
 * @param {SignedForm} form
 * @param {string} filePath
 * @param {(percent: number) => void} onProgress
 * @returns {Promise<{ key: string }>}
 */
async function uploadWithForm(platform, form, filePath, onProgress) {
  const { status, body } = await platform.uploadForm({ url: form.url, filePath, fields: form.fields, onProgress });
  if (status >= 200 && status < 300) return { key: form.key };
  // OSS, COS and OBS answer an XML <Error>; its <Code> says why (EntityTooLarge, AccessDenied, …).
  const code = /<Code>([^<]*)<\/Code>/.exec(String(body));
  throw new Error(`the storage service refused the upload (${status}${code ? ` ${code[1]}` : ''})`);
}

module.exports = { requestSignedForm, uploadWithForm, contentTypeOf };
