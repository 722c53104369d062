/**
 * Micro-benchmark of the signers alone: `npx tsx bench/sign/micro.ts [iterations]`. Times one signed
 * upload (a POST form, and a presigned PUT; see signed-upload.ts) and one presigned GET per cloud, next to one
 * ES256 JWT verification with jose (the floor every request pays), and prints p50/p99 in microseconds.
 * Not part of `npm run bench`; run it on a quiet machine.
 *
 * @module
 */
import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT } from 'jose';
import { objectSigners, type StorageProvider } from '../../lib/sign/index.js';
import { summarize } from '../stats.js';
import { signUpload } from './signed-upload.js';

const iterations = Number(process.argv[2] ?? 20_000);
const warmup = Math.min(2_000, iterations);

async function time(run: () => unknown): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < warmup; i += 1) await run();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i += 1) {
    const started = performance.now();
    await run();
    samples.push((performance.now() - started) * 1000);
  }
  const { p50, p99 } = summarize(samples);
  return { p50, p99 };
}

const { privateKey, publicKey } = await generateKeyPair('ES256');
const verifyKey = await importJWK(await exportJWK(publicKey), 'ES256');
const token = await new SignJWT({ sub: 'bench-user' }).setProtectedHeader({ alg: 'ES256' }).setIssuer('bench').setAudience('bench').setExpirationTime('1h').sign(privateKey);

const rows: [string, { p50: number; p99: number }][] = [['jwt ES256 verify (floor)', await time(() => jwtVerify(token, verifyKey, { issuer: 'bench', audience: 'bench' }))]];
for (const provider of Object.keys(objectSigners) as StorageProvider[]) {
  rows.push([`${provider} signed upload, POST form`, await time(() => signUpload(provider, 'post'))]);
  rows.push([`${provider} signed upload, presigned PUT`, await time(() => signUpload(provider, 'put'))]);
  const signer = objectSigners[provider];
  const get = { credentials: { accessKeyId: 'KEYID', accessKeySecret: 'secret', securityToken: 'token' }, bucket: provider === 'tencent' ? 'media-1250000000' : 'media', region: 'cn-north-4', key: 'users/u/photo.jpg', expiresIn: 300, filename: 'photo.jpg' };
  rows.push([`${provider} presigned GET`, await time(() => signer.presignGet({ ...get, now: new Date() }))]);
}

const floor = rows[0]![1].p50;
console.log(`iterations ${iterations}, Node ${process.version}`);
for (const [name, { p50, p99 }] of rows) {
  console.log(`${name.padEnd(38)} p50 ${p50.toFixed(1).padStart(7)} µs  p99 ${p99.toFixed(1).padStart(7)} µs  ${(p50 / floor).toFixed(2)}× floor`);
}
