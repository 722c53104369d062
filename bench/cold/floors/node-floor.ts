/**
 * The cold-start floor of Node alone: what any Node implementation of the first request must make Node
 * do, with no library and no checks. It loads node:http and node:crypto, GETs the JWKS, imports the
 * token's key and verifies its ES256 signature with WebCrypto, computes one HMAC-SHA256, sends the STS
 * or IAM request, parses its JSON answer and writes one log line. Bundled like a function
 * (build-floors.ts), like the library floor beside it.
 *
 * @module
 */
import { webcrypto } from 'node:crypto';
import { type FloorInput, logRequest, send, signatureWork, succeeded } from './first-request.js';

export function nodeFloor(input: FloorInput): () => Promise<boolean> {
  return async () => {
    const jwks = JSON.parse((await send(input.jwksUrl, 'GET', {})).text) as { keys: (webcrypto.JsonWebKey & { kid?: string })[] };
    const [header = '', payload = '', signature = ''] = input.token.split('.');
    const { kid } = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { kid?: string };
    const jwk = jwks.keys.find((k) => k.kid === kid);
    if (!jwk) return false;
    const key = await webcrypto.subtle.importKey('jwk', jwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    const verified = await webcrypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, Buffer.from(signature, 'base64url'), Buffer.from(`${header}.${payload}`));
    signatureWork(input.upstream);
    const { url, method, headers, body } = input.upstream;
    const answer = await send(url, method, headers, body);
    JSON.parse(answer.text);
    logRequest(answer.status);
    return verified && succeeded(answer.status);
  };
}
