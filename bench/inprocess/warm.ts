/**
 * Warm requests through a loaded bundle: the platform event in, the platform response out.
 *
 * - hit: the same JWT (so the same scope) every time; the credential cache answers, STS is not called.
 * - miss: a new subject every time (pre-minted JWTs), so a new scope and one STS call to the emulator.
 * - signed: the same JWT asking the `uploads` route for a POST form (a fresh key each time), or the
 *   `downloads` route for a presigned GET; the signing role's keys are held, so STS is not called.
 *
 * Each sample builds its event and context first (the platform's work, not measured) and checks the
 * upstream request count afterwards, so a "hit" that called STS or a "miss" that did not fails the run
 * instead of skewing it.
 *
 * @module
 */
import type { MintOptions } from '../../emulators/identity-provider.js';
import type { Deployment, SigningRequest } from '../deployments.js';
import type { Sampler } from '../interleave.js';
import type { ConsoleSink } from './console-sink.js';
import type { PlatformHandler } from './load-bundles.js';
import { summarize } from '../stats.js';

async function invoke(d: Deployment, handler: PlatformHandler, token: string, expectedUpstream: number, writeLog?: ConsoleSink, signing?: SigningRequest): Promise<number> {
  const { event, context } = d.invocation(token, signing);
  const before = d.upstreamRequests();
  if (writeLog) writeLog.devNull();
  const started = performance.now();
  const response = await handler(event, context);
  const ms = performance.now() - started;
  if (writeLog) writeLog.silent();
  const calls = d.upstreamRequests() - before;
  if (response.statusCode !== 200 || calls !== expectedUpstream) {
    throw new Error(`${d.cloud}: expected 200 with ${expectedUpstream} upstream call(s), got ${response.statusCode} with ${calls}: ${response.body.slice(0, 300)}`);
  }
  return ms;
}

/** A JWT whose scope is already cached (the priming request is a miss, made here, not measured). */
export async function primedHitToken(d: Deployment, handler: PlatformHandler, sub: string, alg: NonNullable<MintOptions['alg']>): Promise<string> {
  const token = await d.mint(sub, alg);
  await invoke(d, handler, token, 1);
  return token;
}

export function hitSampler(id: string, d: Deployment, handler: PlatformHandler, token: string, counts: { warmup: number; iterations: number }, sink?: ConsoleSink): Sampler {
  return { id, ...counts, sample: () => invoke(d, handler, token, 0, sink) };
}

/**
 * The recorded misses split by the function's own log line: `stsLatencyMs` times the STS call (signing,
 * sending, parsing, inside the retry wrapper). The log rounds it to 0.1 ms, so both parts are medians
 * good to ±0.05 ms: the STS call, and everything else in the miss (the sample's precise total minus it).
 */
export interface MissSplit {
  readonly stsCallP50Ms: number;
  readonly restP50Ms: number;
}

export async function missSampler(
  id: string,
  d: Deployment,
  handler: PlatformHandler,
  counts: { warmup: number; iterations: number },
  sink: ConsoleSink,
): Promise<Sampler & { split(): MissSplit }> {
  // Minted up front (an ES256 signature each), so the identity provider's work is not in the numbers.
  const tokens = await Promise.all(Array.from({ length: counts.warmup + counts.iterations }, (_, i) => d.mint(`miss-${i}`)));
  let next = 0;
  const sts: number[] = [];
  const rest: number[] = [];
  return {
    id,
    ...counts,
    async sample() {
      const token = tokens[next++];
      if (token === undefined) throw new Error(`${id}: ran out of pre-minted tokens`);
      const ms = await invoke(d, handler, token, 1);
      // Read after the measurement: the line was built inside it, parsing it is the bench's work.
      const line = JSON.parse(sink.last()) as { stsLatencyMs?: number };
      if (next > counts.warmup && typeof line.stsLatencyMs === 'number') {
        sts.push(line.stsLatencyMs);
        rest.push(ms - line.stsLatencyMs);
      }
      return ms;
    },
    split: () => ({ stsCallP50Ms: summarize(sts).p50, restP50Ms: summarize(rest).p50 }),
  };
}

/** What the signed samplers ask for: an upload of a 120 KB photo as a POST form, and a download of one of the user's keys. */
export const signingRequest = (route: SigningRequest['route'], sub: string): SigningRequest => ({
  route,
  body: JSON.stringify(route === 'uploads' ? { filename: 'photo.jpg', contentType: 'image/jpeg', size: 123_456, method: 'post' } : { key: `users/${sub}/photo.jpg`, filename: 'photo.jpg' }),
});

/**
 * Signed uploads or downloads with one JWT. The priming request is made here, unmeasured: the instance's
 * first signature assumes the signing role (one STS call); every sample after it must make none, or the
 * run stops.
 */
export async function signedSampler(
  id: string,
  d: Deployment,
  handler: PlatformHandler,
  route: SigningRequest['route'],
  counts: { warmup: number; iterations: number },
): Promise<Sampler> {
  const sub = `signed-${route}`;
  const token = await d.mint(sub);
  const request = signingRequest(route, sub);
  const { event, context } = d.invocation(token, request);
  const before = d.upstreamRequests();
  const primed = await handler(event, context);
  // One call if this is the instance's first signature, none if another sampler's priming made it.
  if (primed.statusCode !== 200 || d.upstreamRequests() - before > 1) throw new Error(`${id}: priming answered ${primed.statusCode}: ${primed.body.slice(0, 300)}`);
  return { id, ...counts, sample: () => invoke(d, handler, token, 0, undefined, request) };
}
