/**
 * The cold-start floor with the prescribed libraries: node-floor's work (see child.cjs) done through
 * jose, zod and middy, and nothing of stsgate's. zod checks each variable of the deployment's
 * environment as a non-empty string and the upstream's JSON answer as an object; jose verifies the
 * token against the fetched key set with the issuer, audience and algorithm checks; middy wraps the
 * handler. Bundled like a function (scripts/build/function-bundle.ts), so what it adds over node-floor
 * is what these libraries cost a cold start at the least.
 *
 * @module
 */
import middy from '@middy/core';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import * as z from 'zod/mini';

export interface FloorInput {
  readonly jwksUrl: string;
  readonly issuer: string;
  readonly audience: string;
  readonly token: string;
  readonly env: Readonly<Record<string, string>>;
  readonly upstream: { readonly url: string; readonly method: string; readonly headers: Record<string, string>; readonly body?: string };
}

function send(url: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
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

/** Building the handler checks the environment, as a function's cold start does. */
export function librariesFloor(input: FloorInput) {
  z.parse(z.object(Object.fromEntries(Object.keys(input.env).map((name) => [name, z.string().check(z.minLength(1))]))), input.env);
  return middy(async () => {
    const jwks = JSON.parse((await send(input.jwksUrl, 'GET', {})).text) as Parameters<typeof createLocalJWKSet>[0];
    await jwtVerify(input.token, createLocalJWKSet(jwks), { issuer: input.issuer, audience: input.audience, algorithms: ['ES256'] });
    const { url, method, headers, body } = input.upstream;
    createHmac('sha256', 'role-secret').update(body ?? url).digest('hex');
    const answer = await send(url, method, headers, body);
    z.parse(z.record(z.string(), z.unknown()), JSON.parse(answer.text));
    console.log(JSON.stringify({ level: 'info', msg: 'request', status: answer.status }));
    return answer.status === 200 || answer.status === 201;
  });
}
