/**
 * What both cold-start floors share: their input, the plain node:http exchange they make, the stand-in
 * for a request signature and the one log line. Kept apart from each floor so the two differ only in
 * what the libraries do.
 *
 * @module
 */
import { createHmac } from 'node:crypto';
import { request } from 'node:http';

export interface FloorInput {
  readonly jwksUrl: string;
  readonly issuer: string;
  readonly audience: string;
  readonly token: string;
  readonly env: Readonly<Record<string, string>>;
  /** The STS or IAM request, built and signed by the bench (fresh for each run). */
  readonly upstream: { readonly url: string; readonly method: string; readonly headers: Record<string, string>; readonly body?: string };
}

export function send(url: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** One HMAC-SHA256, the core of every cloud's request signature (the request itself comes signed). */
export const signatureWork = (upstream: FloorInput['upstream']): string => createHmac('sha256', 'role-secret').update(upstream.body ?? upstream.url).digest('hex');

export const logRequest = (status: number): void => console.log(JSON.stringify({ level: 'info', msg: 'request', status }));

export const succeeded = (status: number): boolean => status === 200 || status === 201;
