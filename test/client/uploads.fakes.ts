/**
 * Fakes for the signed-upload unit tests: an XMLHttpRequest that records what `upload()` sends and lets
 * the test decide what happens next (progress, an answer, a network failure), and token-endpoint answers
 * in the shape of the `uploads` and `downloads` routes. Every value in them is obviously fake.
 */
import type { Responder } from './credentials-client.fakes.js';

/** Long enough to be redacted; distinctive enough to search for in every error. */
export const FAKE_SIGNATURE = 'fake-signature-0123456789abcdef';
export const FAKE_SECURITY_TOKEN = 'fake-security-token-of-the-signing-role';
export const FAKE_POLICY = 'ZmFrZS1wb2xpY3ktZG9jdW1lbnQtYmFzZTY0';
export const SIGNED_VALUES = [FAKE_SIGNATURE, FAKE_SECURITY_TOKEN, FAKE_POLICY];

export interface ProgressHandler {
  (event: { lengthComputable: boolean; loaded: number; total: number }): void;
}

/** What one `upload()` request looked like, and the handles to answer it. */
export class FakeXhr {
  static readonly sent: FakeXhr[] = [];
  /** Runs on every send(); the default leaves the request pending for the test to answer. */
  static onSend: ((xhr: FakeXhr) => void) | undefined;

  method = '';
  url = '';
  readonly headers: Record<string, string> = {};
  body: unknown;
  responseType = '';
  status = 0;
  responseText = '';
  aborted = false;
  private responseHeaders: Record<string, string> = {};
  readonly upload: { onprogress: ProgressHandler | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  ontimeout: (() => void) | null = null;

  static reset(): void {
    FakeXhr.sent.length = 0;
    FakeXhr.onSend = undefined;
  }

  open(method: string, url: string, async: boolean): void {
    if (!async) throw new Error('upload() must not send synchronously');
    this.method = method;
    this.url = url;
  }

  setRequestHeader(name: string, value: string): void {
    this.headers[name] = value;
  }

  send(body: unknown): void {
    this.body = body;
    FakeXhr.sent.push(this);
    FakeXhr.onSend?.(this);
  }

  abort(): void {
    this.aborted = true;
    this.onabort?.();
  }

  getResponseHeader(name: string): string | null {
    const found = Object.entries(this.responseHeaders).find(([header]) => header.toLowerCase() === name.toLowerCase());
    return found ? found[1] : null;
  }

  // What the network does, driven by the test:
  progress(loaded: number, total: number): void {
    this.upload.onprogress?.({ lengthComputable: true, loaded, total });
  }

  respond(status: number, body = '', headers: Record<string, string> = {}): void {
    this.status = status;
    this.responseText = body;
    this.responseHeaders = headers;
    this.onload?.();
  }

  failNetwork(): void {
    this.onerror?.();
  }

  /** The form fields in the order the FormData holds them; a file part as `{ file: name, size }`. */
  formEntries(): [string, unknown][] {
    if (!(this.body instanceof FormData)) throw new Error('the body is not a FormData');
    const entries: [string, unknown][] = [];
    this.body.forEach((value, name) => entries.push([name, typeof value === 'string' ? value : { file: (value as File).name, size: value.size }]));
    return entries;
  }
}

/** The storage service's XML error body, as OSS, COS and OBS send it. */
export function storageError(code: string, message: string, requestId = 'fake-request-id-1'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${requestId}</RequestId></Error>`;
}

let serial = 0;

export interface AnswerOptions {
  /** Seconds from the server's now to `expiration`. Default 300. */
  readonly expiresInSeconds?: number;
  /** The server's clock minus the local one, ms. Default 0. */
  readonly serverAheadMs?: number;
  /** Replaces or adds top-level fields of the answer (undefined removes one). */
  readonly body?: Record<string, unknown>;
  /** Send no `Date` header. */
  readonly noDate?: boolean;
}

/** A 200 from the `uploads` route: a POST form (`method` 'POST') or a presigned PUT, a new key each time. */
export function signedUpload(method: 'POST' | 'PUT', options: AnswerOptions = {}): Responder {
  return (call) => {
    serial += 1;
    const request = JSON.parse(call.body ?? '{}') as { filename?: string; contentType?: string; key?: string };
    const key = request.key ?? `users/alice/upload-${serial}-${request.filename ?? 'file'}`;
    const contentType = request.contentType ?? 'application/octet-stream';
    const serverNow = Date.now() + (options.serverAheadMs ?? 0);
    const expiration = new Date(serverNow + (options.expiresInSeconds ?? 300) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const shape =
      method === 'POST'
        ? {
            provider: 'aliyun',
            method,
            url: 'https://media.oss-cn-hangzhou.aliyuncs.com/',
            fields: {
              key,
              'Content-Type': contentType,
              'x-oss-signature-version': 'OSS4-HMAC-SHA256',
              'x-oss-credential': `STS.fake-signer/20260301/cn-hangzhou/oss/aliyun_v4_request`,
              'x-oss-date': '20260301T000000Z',
              'x-oss-security-token': FAKE_SECURITY_TOKEN,
              policy: FAKE_POLICY,
              'x-oss-signature': FAKE_SIGNATURE,
            },
            key,
            expiration,
            maxSize: 10 * 1024 * 1024,
            contentType,
          }
        : {
            provider: 'aliyun',
            method,
            url: `https://media.oss-cn-hangzhou.aliyuncs.com/${encodeURIComponent(key)}?x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-security-token=${FAKE_SECURITY_TOKEN}&x-oss-signature=${FAKE_SIGNATURE}`,
            headers: { 'Content-Type': contentType, 'x-oss-forbid-overwrite': 'true' },
            key,
            expiration,
          };
    const body = { ...shape, ...options.body };
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (!options.noDate) headers.Date = new Date(serverNow).toUTCString();
    return new Response(JSON.stringify(body), { status: 200, headers });
  };
}

/** A 200 from the `downloads` route. */
export function signedDownload(body: Record<string, unknown> = {}): Responder {
  return (call) => {
    const request = JSON.parse(call.body ?? '{}') as { key: string };
    return new Response(
      JSON.stringify({
        provider: 'aliyun',
        method: 'GET',
        url: `https://media.oss-cn-hangzhou.aliyuncs.com/${encodeURIComponent(request.key)}?x-oss-signature=${FAKE_SIGNATURE}`,
        expiration: new Date(Date.now() + 300_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        ...body,
      }),
      { status: 200, headers: { 'Content-Type': 'application/json', Date: new Date().toUTCString() } },
    );
  };
}
