/**
 * What the storage stand-in tests need to talk to a stand-in the way a browser or `wx.uploadFile` would:
 * send a signed URL as it is (connecting to the stand-in whatever host the URL names, with that host as
 * the Host header, since virtual-hosted names like `media.localhost` do not resolve everywhere), post a
 * multipart form serialised by the platform's own FormData, and issue temporary keys whose secrets the
 * suite's secret guard watches for in every error body.
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { expect } from 'vitest';
import type { StorageStandIn, TemporaryKey } from '../../emulators/storage/storage-stand-in.js';
import { secretGuard } from '../helpers/secret-guard.js';

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly text: string;
  /** The `<Code>` of an XML error body. */
  readonly code: string | undefined;
}

export interface SendInit {
  readonly method: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer | string;
}

/** Sends `url` (path, query and Host as written) to the stand-in; the answer's body goes through the secret guard. */
export function sendTo(standIn: { readonly host: string }, url: string, init: SendInit): Promise<Reply> {
  const target = new URL(url);
  const [hostname, port] = standIn.host.split(':');
  const body = init.body === undefined ? undefined : Buffer.from(init.body);
  const headers: Record<string, string> = { host: target.host, ...(body !== undefined ? { 'content-length': String(body.length) } : {}), ...init.headers };
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port: Number(port), method: init.method, path: `${target.pathname}${target.search}`, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const received = Buffer.concat(chunks);
        const text = received.toString('utf8');
        secretGuard.body(text);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: received, text, code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1] });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A form field; a `file` value is a file input with a name and a type. */
export type FormValue = string | { readonly content: Buffer | string; readonly filename: string; readonly type?: string };

/** The fields in order, serialised as multipart/form-data by the platform's FormData. */
export async function formBody(fields: readonly (readonly [string, FormValue])[]): Promise<{ body: Buffer; contentType: string }> {
  const form = new FormData();
  for (const [name, value] of fields) {
    if (typeof value === 'string') form.append(name, value);
    else {
      const content = typeof value.content === 'string' ? value.content : new Uint8Array(value.content);
      form.append(name, new Blob([content], value.type !== undefined ? { type: value.type } : {}), value.filename);
    }
  }
  const serialised = new Request('http://form.invalid/', { method: 'POST', body: form });
  return { body: Buffer.from(await serialised.arrayBuffer()), contentType: serialised.headers.get('content-type')! };
}

/** POSTs a form to the stand-in's bucket URL, as a browser page on `origin` would. */
export async function postForm(standIn: StorageStandIn, url: string, fields: readonly (readonly [string, FormValue])[], origin = 'http://app.example'): Promise<Reply> {
  const { body, contentType } = await formBody(fields);
  return sendTo(standIn, url, { method: 'POST', headers: { 'content-type': contentType, origin }, body });
}

/** A set of temporary keys the stand-in accepts (its secret and token watched by the secret guard). */
export function issueTestKey(standIn: StorageStandIn, name: string, lifetimeMs = 3_600_000): TemporaryKey {
  const key: TemporaryKey = {
    accessKeyId: `STS.${name}`,
    accessKeySecret: `secret-${name}-${randomBytes(12).toString('hex')}`,
    securityToken: `token-${name}-${randomBytes(24).toString('hex')}`,
    expiresAt: Date.now() + lifetimeMs,
  };
  secretGuard.issued(() => [key.accessKeySecret, key.securityToken]);
  standIn.issueKey(key);
  return key;
}

/** A time as OSS V4 and the ISO-8601 basic format write it: `yyyymmddThhmmssZ`. */
export function basicIsoTime(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** The status and code the service answers, and (where a code has several causes) the cause in its message. */
export function expectRefused(reply: Reply, status: number, code: string, because?: RegExp): void {
  expect({ status: reply.status, code: reply.code }).toEqual({ status, code });
  if (because) expect(/<Message>([^<]*)<\/Message>/.exec(reply.text)?.[1]).toMatch(because);
}

/**
 * A form's upload as a browser page on http://app.example sees it (204, its origin allowed, ETag readable)
 * and as the bucket lists it afterwards.
 */
export function expectStoredByForm(reply: Reply, standIn: StorageStandIn, key: string, contentType: string): void {
  expect(reply.status).toBe(204);
  expect(reply.headers['access-control-allow-origin']).toBe('http://app.example');
  expect(String(reply.headers['access-control-expose-headers'])).toContain('ETag');
  expect(reply.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
  expect(standIn.storedObjects()).toEqual([expect.objectContaining({ key, contentType, etag: reply.headers.etag })]);
}

/** A download as the app receives it: the bytes, the type they were uploaded with, and the signed filename. */
export function expectDownload(reply: Reply, expected: { body: string; contentType: string; disposition: string }): void {
  expect({ status: reply.status, body: reply.text, contentType: reply.headers['content-type'], disposition: reply.headers['content-disposition'] }).toEqual({ status: 200, ...expected });
}
