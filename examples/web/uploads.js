// @ts-check
/**
 * The demo page's upload box: a chosen file goes to every cloud's bucket through the signing routes,
 * exactly as an app would send it: `upload()` asks the function at `…/uploads` to sign one POST form (or
 * one presigned PUT) and sends the file straight to the bucket with progress; the list then offers a
 * download through `downloadUrl()` (`…/downloads`).
 *
 * No signature, policy or security token reaches the page's DOM: the list shows the object key, and a
 * download link is signed when it is clicked, followed at once and not kept.
 *
 * @module
 */
import { downloadUrl, StsClientError, upload, UploadRefusedError } from './client/index.js';

/** @typedef {import('./client/index.js').StsClient} StsClient */
/** @typedef {import('./card.js').Provider} Provider */

/** @type {Record<Provider, string>} */
const BUCKETS = { aliyun: 'OSS', tencent: 'COS', huawei: 'OBS' };

/**
 * @typedef {object} UploadTarget One cloud's function, through the page's client for it.
 * @property {Provider} provider
 * @property {StsClient} client
 */

/**
 * Wires the upload form to the list: each submit sends the chosen file to every target at once, one list
 * entry per cloud. Entries are `li.upload` with `data-provider`, `data-state` (`sending`, `stored`,
 * `failed`) and `data-testid="upload-<provider>-<n>"`.
 * @param {{ form: HTMLFormElement, list: HTMLElement, targets: readonly UploadTarget[] }} options
 */
export function setUpUploads({ form, list, targets }) {
  const fileInput = /** @type {HTMLInputElement} */ (form.elements.namedItem('file'));
  const template = /** @type {HTMLTemplateElement} */ (document.getElementById('upload-template'));
  let count = 0;

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const file = fileInput.files?.[0];
    if (!file) return;
    const method = /** @type {'post' | 'put'} */ (new FormData(form).get('method') === 'put' ? 'put' : 'post');
    count += 1;
    for (const target of targets) void send(target, file, method, count);
  });

  /**
   * @param {UploadTarget} target
   * @param {File} file
   * @param {'post' | 'put'} method
   * @param {number} n
   */
  async function send(target, file, method, n) {
    const entry = /** @type {HTMLElement} */ (template.content.firstElementChild?.cloneNode(true));
    entry.dataset.provider = target.provider;
    entry.dataset.testid = `upload-${target.provider}-${n}`;
    /** @param {string} name */
    const field = (name) => /** @type {HTMLElement} */ (entry.querySelector(`[data-field="${name}"]`));
    const progress = /** @type {HTMLProgressElement} */ (field('progress'));
    const status = field('status');
    field('bucket').textContent = BUCKETS[target.provider];
    field('name').textContent = `${file.name} (${method === 'put' ? 'PUT' : 'POST'})`;
    entry.dataset.state = 'sending';
    status.textContent = 'Signing…';
    list.append(entry);

    try {
      const result = await upload(target.client, file, {
        method,
        onProgress: ({ loaded, total, attempt }) => {
          progress.max = total;
          progress.value = loaded;
          status.textContent = `Uploading${attempt > 1 ? ' again (new signature)' : ''}… ${Math.floor((loaded / Math.max(total, 1)) * 100)}%`;
        },
      });
      progress.value = progress.max;
      entry.dataset.state = 'stored';
      entry.dataset.key = result.key;
      status.textContent = `Stored: ${result.size} bytes`;
      const key = field('key');
      key.textContent = result.key;
      key.title = result.key;
      const button = /** @type {HTMLButtonElement} */ (field('download'));
      button.hidden = false;
      button.addEventListener('click', () => void download(target, result.key, file.name, status));
    } catch (error) {
      entry.dataset.state = 'failed';
      status.textContent = `Failed: ${describe(error)}`;
    }
  }
}

/**
 * Signs a download now (the link lives for minutes), and follows it: the bucket answers with the file as
 * an attachment under its original name.
 * @param {UploadTarget} target
 * @param {string} key
 * @param {string} filename
 * @param {HTMLElement} status
 */
async function download(target, key, filename, status) {
  try {
    const { url } = await downloadUrl(target.client, key, { filename });
    const link = document.createElement('a');
    link.href = url;
    link.rel = 'noopener';
    link.click();
  } catch (error) {
    status.textContent = `Download failed: ${describe(error)}`;
  }
}

/** @param {unknown} error */
function describe(error) {
  if (error instanceof UploadRefusedError) return `the bucket refused it (${error.status}${error.error ? ` ${error.error}` : ''})`;
  if (error instanceof StsClientError) return `${error.status === undefined ? '' : `${error.status} `}${error.error ?? error.code}${error.description ? `: ${error.description}` : ''}`;
  return error instanceof Error ? error.message : String(error);
}
