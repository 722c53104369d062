/**
 * The outbound HTTP client (lib/net/http-client.ts) against loopback servers: the whole-exchange
 * timeout, refused redirects, the body cap, TLS failures surfacing as errors, connection reuse, and the
 * one retry on a kept-alive connection the server had closed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpClientError, httpRequest } from '../../lib/net/http-client.js';

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

interface TestServer {
  readonly url: string;
  readonly received: Received[];
  /** Connections accepted so far. */
  connections(): number;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections?.();
          server.close(() => resolve());
        }),
    ),
  );
});

async function listen(server: Server, scheme: 'http' | 'https'): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A server that records each request (body included) and answers with `answer`. */
async function start(answer: (req: IncomingMessage, res: ServerResponse, received: Received[]) => void): Promise<TestServer> {
  const received: Received[] = [];
  let connections = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      answer(req, res, received);
    });
  });
  server.on('connection', () => connections++);
  const url = await listen(server, 'http');
  return { url, received, connections: () => connections };
}

async function failure(promise: Promise<unknown>): Promise<HttpClientError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(HttpClientError);
    return error as HttpClientError;
  }
  throw new Error('expected a rejection');
}

describe('httpRequest', () => {
  it('sends the method, headers and body, with a content length, and reads status and body', async () => {
    const s = await start((_req, res) => res.writeHead(201, { 'content-type': 'application/json' }).end('{"ok":"✓"}'));
    const response = await httpRequest(new URL(`${s.url}/path?q=1`), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test': 'yes' },
      body: '{"a":"é"}',
      timeoutMs: 2000,
    });
    expect(response).toEqual({ status: 201, text: '{"ok":"✓"}' });
    const [request] = s.received;
    expect(request).toMatchObject({ method: 'POST', url: '/path?q=1', body: '{"a":"é"}' });
    expect(request?.headers).toMatchObject({ 'x-test': 'yes', 'content-length': String(Buffer.byteLength('{"a":"é"}')), 'user-agent': 'stsgate' });
    expect(request?.headers['transfer-encoding']).toBeUndefined();
  });

  it('sends a zero content length for a PUT without a body, and none for a GET', async () => {
    const s = await start((_req, res) => res.end('x'));
    await httpRequest(new URL(s.url), { method: 'PUT', timeoutMs: 2000 });
    await httpRequest(new URL(s.url), { method: 'GET', timeoutMs: 2000 });
    expect(s.received.map((r) => [r.method, r.headers['content-length'], r.headers['transfer-encoding']])).toEqual([
      ['PUT', '0', undefined],
      ['GET', undefined, undefined],
    ]);
  });

  it('answers non-2xx statuses as responses, not errors', async () => {
    const s = await start((_req, res) => res.writeHead(503).end('busy'));
    expect(await httpRequest(new URL(s.url), { method: 'GET', timeoutMs: 2000 })).toEqual({ status: 503, text: 'busy' });
  });

  it('times out a server that never answers, within the timeout', async () => {
    const s = await start(() => {});
    const started = Date.now();
    const error = await failure(httpRequest(new URL(s.url), { method: 'GET', timeoutMs: 150 }));
    expect(error.kind).toBe('timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('times out a body that stops half-way: the timeout covers the whole exchange', async () => {
    const s = await start((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
    });
    expect((await failure(httpRequest(new URL(s.url), { method: 'GET', timeoutMs: 150 }))).kind).toBe('timeout');
  });

  it('fails at once, sending nothing, when no time is left', async () => {
    const s = await start((_req, res) => res.end('x'));
    expect((await failure(httpRequest(new URL(s.url), { method: 'GET', timeoutMs: 0 }))).kind).toBe('timeout');
    expect((await failure(httpRequest(new URL(s.url), { method: 'GET', timeoutMs: -5 }))).kind).toBe('timeout');
    expect(s.connections()).toBe(0);
  });

  it.each([301, 302, 307, 308])('refuses a %i redirect without following it', async (status) => {
    const target = await start((_req, res) => res.end('followed'));
    const s = await start((_req, res) => res.writeHead(status, { location: `${target.url}/elsewhere` }).end());
    const error = await failure(httpRequest(new URL(s.url), { method: 'POST', body: 'signed', timeoutMs: 2000 }));
    expect(error.kind).toBe('redirect');
    expect(error.message).toContain(String(status));
    expect(target.received).toHaveLength(0);
  });

  it('refuses a body over the cap, announced or streamed', async () => {
    const announced = await start((_req, res) => res.writeHead(200, { 'content-length': '2048' }).end('x'.repeat(2048)));
    expect((await failure(httpRequest(new URL(announced.url), { method: 'GET', timeoutMs: 2000, maxBodyBytes: 1024 }))).kind).toBe('too-large');
    const streamed = await start((_req, res) => {
      res.writeHead(200);
      for (let i = 0; i < 4; i++) res.write('y'.repeat(512));
      res.end();
    });
    expect((await failure(httpRequest(new URL(streamed.url), { method: 'GET', timeoutMs: 2000, maxBodyBytes: 1024 }))).kind).toBe('too-large');
    expect((await httpRequest(new URL(streamed.url), { method: 'GET', timeoutMs: 2000, maxBodyBytes: 2048 })).text).toHaveLength(2048);
  });

  it('reports a refused connection as a network error', async () => {
    const error = await failure(httpRequest(new URL('http://127.0.0.1:1/'), { method: 'GET', timeoutMs: 2000 }));
    expect(error.kind).toBe('network');
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  it('reports a connection closed before the body ended as a network error', async () => {
    const s = await start((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial', () => res.socket?.destroy());
    });
    expect((await failure(httpRequest(new URL(s.url), { method: 'GET', timeoutMs: 2000 }))).kind).toBe('network');
  });

  it('refuses a header value with a line break before sending anything', async () => {
    const s = await start((_req, res) => res.end('x'));
    const error = await failure(httpRequest(new URL(s.url), { method: 'GET', headers: { 'x-bad': 'a\r\nx-injected: 1' }, timeoutMs: 2000 }));
    expect(error.kind).toBe('network');
    expect(s.connections()).toBe(0);
  });

  it('refuses protocols other than http and https', async () => {
    expect((await failure(httpRequest(new URL('file:///etc/passwd'), { method: 'GET', timeoutMs: 2000 }))).kind).toBe('network');
  });

  it('reuses one connection for calls in sequence (keep-alive)', async () => {
    const s = await start((_req, res) => res.end('x'));
    for (let i = 0; i < 3; i++) await httpRequest(new URL(s.url), { method: 'POST', body: String(i), timeoutMs: 2000 });
    expect(s.received).toHaveLength(3);
    expect(s.connections()).toBe(1);
  });

  it('sends a request once more on a new connection when the kept-alive one turns out closed', async () => {
    const sockets = new Set<Socket>();
    const s = await start((req, res, received) => {
      // The second request arrives on the first connection: drop it unanswered, as a server that had just timed the connection out would.
      if (received.length === 2 && sockets.has(req.socket)) return void req.socket.destroy();
      sockets.add(req.socket);
      res.end(`answer ${received.length}`);
    });
    await httpRequest(new URL(s.url), { method: 'GET', timeoutMs: 2000 });
    const second = await httpRequest(new URL(s.url), { method: 'POST', body: 'again', timeoutMs: 2000 });
    expect(second.text).toBe('answer 3');
    expect(s.connections()).toBe(2);
  });

  it('surfaces a TLS handshake failure as a network error', async () => {
    const plain = await start((_req, res) => res.end('not tls'));
    const error = await failure(httpRequest(new URL(plain.url.replace('http:', 'https:')), { method: 'GET', timeoutMs: 2000 }));
    expect(error.kind).toBe('network');
  });

  it.skipIf(!hasOpenssl())('verifies the server certificate: a self-signed one is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stsgate-tls-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
      let requests = 0;
      const server = createTlsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => {
        requests++;
        res.end('secret');
      });
      const url = await listen(server, 'https');
      const error = await failure(httpRequest(new URL(url), { method: 'GET', timeoutMs: 2000 }));
      expect(error.kind).toBe('network');
      expect((error.cause as NodeJS.ErrnoException).code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
      expect(requests).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
