/**
 * The raw HTTP client of the emulator tests: sends a request exactly as a test built it (signed or tampered with) on
 * a fresh connection, and reads the answer whatever it is.
 */
import { request as httpRequest } from 'node:http';
import type { OutgoingHttpHeaders } from 'node:http';

/** A request as a test sends it; a header set to `undefined` (removed by a test) is left out. */
export interface Sendable {
  method: string;
  path: string;
  headers: OutgoingHttpHeaders;
  body: string;
}

export interface HttpResponse<Json = Record<string, unknown>> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The parsed body, `{}` when it is not JSON (raw faults may send anything). */
  json: Json;
}

export function sendRequest<Json = Record<string, unknown>>(target: { host: string }, request: Sendable): Promise<HttpResponse<Json>> {
  const [hostname, port] = target.host.split(':');
  return new Promise((resolve, reject) => {
    // An explicit length, because node's client sends a GET body without any framing.
    const headers: OutgoingHttpHeaders = { 'Content-Length': Buffer.byteLength(request.body) };
    for (const [name, value] of Object.entries(request.headers)) if (value !== undefined) headers[name] = value;
    const req = httpRequest({ hostname, port: Number(port), method: request.method, path: request.path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = {} as Json;
        try {
          json = JSON.parse(text) as Json;
        } catch {
          // raw faults may send anything
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(request.body);
  });
}
