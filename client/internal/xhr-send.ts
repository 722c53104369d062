/**
 * One upload request with XMLHttpRequest, the only browser API that reports upload progress (`fetch`
 * has none). Resolves with whatever the storage service answered; rejects only when there was no
 * answer: the network failed (a CORS refusal looks the same to a page) or the caller aborted.
 *
 * @module
 */
import { abortedError, StsClientError } from '../errors.js';

export interface XhrRequest {
  readonly method: 'POST' | 'PUT';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Blob | FormData;
  /** Listening makes the browser preflight even a form POST, so it is only done when someone listens. */
  readonly onProgress: ((loaded: number, total: number) => void) | undefined;
  readonly signal: AbortSignal | undefined;
}

export interface XhrAnswer {
  readonly status: number;
  readonly body: string;
  /** A response header, or null when absent or not exposed by CORS. */
  header(name: string): string | null;
}

/** Headers the browser derives from the request itself and refuses to let a script set. */
const SET_BY_BROWSER = new Set(['content-length', 'host']);

export function sendWithXhr(Xhr: typeof XMLHttpRequest, request: XhrRequest): Promise<XhrAnswer> {
  const { signal, onProgress } = request;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortedError('the upload', signal));
      return;
    }
    const xhr = new Xhr();
    const onAbort = () => xhr.abort();
    const settle = (outcome: () => void) => {
      signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    xhr.open(request.method, request.url, true);
    xhr.responseType = 'text';
    for (const [name, value] of Object.entries(request.headers)) {
      if (!SET_BY_BROWSER.has(name.toLowerCase())) xhr.setRequestHeader(name, value);
    }
    if (onProgress) {
      xhr.upload.onprogress = (event) => {
        if (!event.lengthComputable) return;
        try {
          onProgress(event.loaded, event.total);
        } catch (error) {
          // The app's callback failing must not fail its upload; it is reported as an uncaught error,
          // as a browser reports a throwing event handler.
          setTimeout(() => {
            throw error;
          }, 0);
        }
      };
    }
    xhr.onload = () => settle(() => resolve({ status: xhr.status, body: xhr.responseText, header: (name) => xhr.getResponseHeader(name) }));
    const failed = () =>
      settle(() =>
        reject(new StsClientError('network_error', 'the storage service could not be reached, or its CORS rules do not allow this origin, method or headers')),
      );
    xhr.onerror = failed;
    xhr.ontimeout = failed;
    // Only our own abort() is expected; a browser that gives up on the request (page unload) is a network failure.
    xhr.onabort = () => (signal?.aborted ? settle(() => reject(abortedError('the upload', signal))) : failed());
    signal?.addEventListener('abort', onAbort, { once: true });
    xhr.send(request.body);
  });
}
