/**
 * The cold-start floor with the prescribed libraries: node-floor.ts's work done through jose, zod and
 * middy, and nothing of stsgate's. zod checks each variable of the deployment's environment as a
 * non-empty string and the upstream's JSON answer as an object; jose verifies the token against the
 * fetched key set with the issuer, audience and algorithm checks; middy wraps the handler. What it adds
 * over node-floor is what these libraries cost a cold start at the least.
 *
 * @module
 */
import middy from '@middy/core';
import { createLocalJWKSet, jwtVerify } from 'jose';
import * as z from 'zod/mini';
import { type FloorInput, logRequest, send, signatureWork, succeeded } from './first-request.js';

/** Building the handler checks the environment, as a function's cold start does. */
export function librariesFloor(input: FloorInput) {
  z.parse(z.object(Object.fromEntries(Object.keys(input.env).map((name) => [name, z.string().check(z.minLength(1))]))), input.env);
  return middy(async () => {
    const jwks = JSON.parse((await send(input.jwksUrl, 'GET', {})).text) as Parameters<typeof createLocalJWKSet>[0];
    await jwtVerify(input.token, createLocalJWKSet(jwks), { issuer: input.issuer, audience: input.audience, algorithms: ['ES256'] });
    signatureWork(input.upstream);
    const { url, method, headers, body } = input.upstream;
    const answer = await send(url, method, headers, body);
    z.parse(z.record(z.string(), z.unknown()), JSON.parse(answer.text));
    logRequest(answer.status);
    return succeeded(answer.status);
  });
}
