/**
 * The emulator's own round trip: the miss's STS or IAM request (built and signed beforehand, outside
 * the measurement) sent straight to the emulator, body read as text, measured with two clients:
 *
 * - `http`: node:http with a keep-alive agent, the leanest client Node has. This is "the emulator's own
 *   round trip" the goals subtract: what any implementation pays for this call.
 * - `stsgate`: stsgate's own client (lib/net/http-client.ts, node:http with its own keep-alive agent,
 *   timeout, redirect refusal and body cap), as `exchange()` calls it. The difference between the two
 *   is what stsgate's HTTP client costs per call.
 *
 * @module
 */
import { Agent, request } from 'node:http';
import { httpRequest } from '../../lib/net/http-client.js';
import type { Deployment } from '../deployments.js';
import type { Sampler } from '../interleave.js';
import { type PlainRequest, upstreamRequest } from './upstream-requests.js';

export type RttClient = 'http' | 'stsgate';

const agent = new Agent({ keepAlive: true });

function viaHttp({ url, method, headers, body }: PlainRequest): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent, timeout: 5000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

function viaStsgate({ url, method, headers, body }: PlainRequest): Promise<{ status: number; text: string }> {
  return httpRequest(new URL(url), { method, headers, ...(body === undefined ? {} : { body }), timeoutMs: 5000 });
}

export function emulatorRttSampler(id: string, d: Deployment, client: RttClient, counts: { warmup: number; iterations: number }): Sampler {
  const send = client === 'http' ? viaHttp : viaStsgate;
  let n = 0;
  return {
    id,
    ...counts,
    async sample() {
      const prepared = upstreamRequest(d, `rtt-${n++}`);
      const started = performance.now();
      const { status, text } = await send(prepared);
      const ms = performance.now() - started;
      if (status !== 200 && status !== 201) throw new Error(`${id}: emulator answered ${status}: ${text.slice(0, 300)}`);
      return ms;
    },
  };
}

/** Lets the process exit: the keep-alive sockets would otherwise hold it open. */
export function closeRttConnections(): void {
  agent.destroy();
}
