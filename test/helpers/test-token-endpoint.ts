/**
 * A token endpoint on loopback for the browser-client tests: it answers like stsgate (the response
 * contract of docs/endpoint.md, CORS included) without a JWT or an STS behind it, so tests can make keys that live
 * a few seconds and watch them being refreshed.
 *
 * Every call issues a new, numbered set of keys (`STS.key-1`, `STS.key-2`, …) and hands it to `onIssue`,
 * which is how a storage stand-in learns the keys it should accept. The secrets are registered with the
 * suite's secret guard, so a test that prints one fails.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TemporaryKey } from '../../emulators/storage/storage-stand-in.js';
import { secretGuard } from './secret-guard.js';

export interface IssuedKey extends TemporaryKey {
  /** 1 for the first set issued, 2 for the second, … */
  readonly serial: number;
}

export interface TestTokenEndpointOptions {
  readonly provider: 'aliyun' | 'tencent' | 'huawei';
  readonly bucket: string;
  readonly region: string;
  /** Seconds between `startTime` and `expiredTime`. */
  readonly lifetimeSeconds: number;
  /** The Bearer token it accepts. */
  readonly loginToken: string;
  readonly onIssue?: (key: IssuedKey) => void;
}

export interface TestTokenEndpoint {
  readonly url: string;
  /** Keys issued so far, in order. */
  readonly issued: readonly IssuedKey[];
  /** Token requests answered (preflights not counted), including refusals. */
  requestCount(): number;
  /** The next `count` token requests get `status` (401: `invalid_token`; others: `temporarily_unavailable`). */
  failNext(count: number, status: number): void;
  close(): Promise<void>;
}

export async function startTestTokenEndpoint(options: TestTokenEndpointOptions): Promise<TestTokenEndpoint> {
  const issued: IssuedKey[] = [];
  const failures: number[] = [];
  let requests = 0;
  secretGuard.issued(() => issued.flatMap((key) => [key.accessKeySecret, key.securityToken]));

  const server = createServer((req, res) => {
    corsHeaders(req, res);
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    req.resume();
    req.on('end', () => {
      requests += 1;
      const failure = failures.shift();
      if (failure !== undefined) return sendError(res, failure);
      if (req.method !== 'POST') return sendJson(res, 405, { error: 'method_not_allowed', error_description: 'POST only' });
      if (req.headers.authorization !== `Bearer ${options.loginToken}`) return sendError(res, 401);

      const startTime = Math.floor(Date.now() / 1000);
      const expiredTime = startTime + options.lifetimeSeconds;
      const serial = issued.length + 1;
      const key: IssuedKey = {
        serial,
        accessKeyId: `STS.key-${serial}`,
        accessKeySecret: `secret-${serial}-${randomBytes(12).toString('hex')}`,
        securityToken: `token-${serial}-${randomBytes(24).toString('hex')}`,
        expiresAt: expiredTime * 1000,
      };
      issued.push(key);
      options.onIssue?.(key);
      sendJson(res, 200, {
        provider: options.provider,
        accessKeyId: key.accessKeyId,
        accessKeySecret: key.accessKeySecret,
        securityToken: key.securityToken,
        expiration: new Date(expiredTime * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        startTime,
        expiredTime,
        bucket: options.bucket,
        region: options.region,
        prefix: 'users/alice/',
        actions: ['get', 'put'],
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/token`,
    issued,
    requestCount: () => requests,
    failNext(count, status) {
      for (let index = 0; index < count; index += 1) failures.push(status);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** What stsgate's CORS layer sends: any origin here, the Authorization header allowed, `Date` readable (the client reads it for clock skew). */
export function corsHeaders(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('Access-Control-Allow-Origin', req.headers.origin ?? '*');
  res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
  res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type');
  res.setHeader('Access-Control-Expose-Headers', 'Date, Retry-After');
  res.setHeader('Vary', 'Origin');
}

function sendError(res: ServerResponse, status: number): void {
  if (status === 401) {
    res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
    sendJson(res, 401, { error: 'invalid_token', error_description: 'the token is not valid' });
  } else {
    sendJson(res, status, { error: 'temporarily_unavailable', error_description: 'try again later' });
  }
}

/** `date`: the `Date` header's time, for an endpoint whose clock a test has set off; default the real one. */
export function sendJson(res: ServerResponse, status: number, body: object, date = new Date()): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', Date: date.toUTCString(), 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
