/**
 * The floor: the work no implementation of this service can skip, measured alone. One JWT verification
 * (jose, through stsgate's own verifier, with the key given locally as JWT_PUBLIC_KEY would give it, so
 * no JWKS lookup) and one request signature with the cloud's signer. A warm request's cost divided by
 * this says how much the rest (event parsing, scope and policy, cache, HTTP pipeline, log line) adds.
 * For the signing routes the signature is the one they answer with: a POST form, or a presigned GET.
 *
 * @module
 */
import { loadJwtConfig } from '../../lib/auth/jwt-config.js';
import { createJwtVerifier } from '../../lib/auth/verify-jwt.js';
import type { Deployment } from '../deployments.js';
import type { Sampler } from '../interleave.js';
import type { StorageProvider } from '../../lib/sign/index.js';
import { signDownload, signUpload } from '../sign/signed-upload.js';
import { signOnce } from './upstream-requests.js';

export type Alg = 'ES256' | 'RS256';

/** A verifier for `alg` with the deployment's identity-provider key, and a token it accepts. */
export async function localVerifier(d: Deployment, alg: Alg): Promise<{ verify: () => Promise<unknown>; token: string }> {
  const jwks = (await (await fetch(d.jwksUrl)).json()) as { keys: { alg: string }[] };
  const jwk = jwks.keys.find((k) => k.alg === alg);
  if (!jwk) throw new Error(`the identity provider serves no ${alg} key`);
  const config = loadJwtConfig({ JWT_PUBLIC_KEY: JSON.stringify(jwk), JWT_ISSUER: d.issuer, JWT_AUDIENCE: d.audience });
  const verifier = createJwtVerifier(config);
  const token = await d.mint('floor-user', alg);
  await verifier.verify(token); // fails loudly now rather than as a number later
  return { verify: () => verifier.verify(token), token };
}

export function verifySampler(id: string, verify: () => Promise<unknown>, counts: { warmup: number; iterations: number }): Sampler {
  return {
    id,
    ...counts,
    async sample() {
      const started = performance.now();
      await verify();
      return performance.now() - started;
    },
  };
}

/**
 * The same verification, measured right after an unmeasured round trip to an emulator, which is where a
 * miss's verification runs: after the previous request's network wait rather than in a tight loop. jose
 * verifies through WebCrypto on libuv's thread pool; after a wait, handing the job over and back costs
 * more (threads and caches gone cold), and this number shows by how much. It is reported beside the
 * floor, not used in it: the goals divide by the tight-loop floor.
 */
export function verifyAfterRoundTripSampler(id: string, verify: () => Promise<unknown>, roundTrip: Sampler, counts: { warmup: number; iterations: number }): Sampler {
  return {
    id,
    ...counts,
    async sample() {
      await roundTrip.sample();
      const started = performance.now();
      await verify();
      return performance.now() - started;
    },
  };
}

export function signSampler(id: string, d: Deployment, counts: { warmup: number; iterations: number }): Sampler {
  const sign = signOnce(d, 'floor-user');
  let sink = '';
  return {
    id,
    ...counts,
    sample() {
      const started = performance.now();
      const authorization = sign();
      const ms = performance.now() - started;
      sink = authorization; // keeps the result alive, so the work cannot be optimised away
      if (!sink) throw new Error(`${id}: empty signature`);
      return ms;
    },
  };
}

/** One signature the signing routes answer with, alone: an upload's POST form, or a download's presigned GET. */
export function objectSignatureSampler(id: string, provider: StorageProvider, what: 'upload' | 'download', counts: { warmup: number; iterations: number }): Sampler {
  let sink: unknown;
  return {
    id,
    ...counts,
    sample() {
      const started = performance.now();
      const signed = what === 'upload' ? signUpload(provider, 'post') : signDownload(provider);
      const ms = performance.now() - started;
      sink = signed.url; // keeps the result alive, so the work cannot be optimised away
      if (!sink) throw new Error(`${id}: nothing signed`);
      return ms;
    },
  };
}
