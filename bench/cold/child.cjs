// The program every cold-start child runs, passed with `node -e`, so the "bare" variant is exactly a
// `node -e` process with nothing to do and every other variant differs from it only by its job.
// It prints one line, "BENCH_MARK {json}", stamped with the wall clock at the moment the job is done
// (performance.timeOrigin + performance.now(), microsecond resolution), so the parent can subtract
// its own spawn time without counting the pipe or its own event loop.
//
//   bare
//   require <module> [<module>…]          resolved from the working directory (the repository)
//   load <bundle> <export>                require the bundle only: cold-start code, no request
//   serve <bundle> <export> <base64 JSON> require it, then one invocation end to end
//   node-floor <base64 JSON>              Node's own share of that first request, done by hand (below)
//   libraries-floor <bundle> <base64 JSON> the same through jose, zod and middy (libraries-floor.ts)
'use strict';
const now = () => performance.timeOrigin + performance.now();
const mark = (fields) => require('node:fs').writeSync(1, `\nBENCH_MARK ${JSON.stringify({ t: now(), ...fields })}\n`);

async function main(mode, args) {
  switch (mode) {
    case 'bare':
      return mark({ ok: true });
    case 'require':
      for (const name of args) require(name);
      return mark({ ok: true });
    case 'load': {
      const handler = require(args[0])[args[1]];
      return mark({ ok: typeof handler === 'function' });
    }
    case 'serve': {
      const handler = require(args[0])[args[1]];
      const loaded = now();
      const { event, base64Event, context, getters } = JSON.parse(Buffer.from(args[2], 'base64').toString('utf8'));
      const payload = base64Event ? Buffer.from(base64Event, 'base64') : event;
      // FunctionGraph's context is an object of methods, which JSON cannot carry: rebuild it from values.
      const ctx = getters ? Object.fromEntries(Object.entries(getters).map(([name, value]) => [name, () => value])) : context;
      const response = await handler(payload, ctx);
      return mark({ ok: response && response.statusCode === 200, status: response && response.statusCode, loaded });
    }
    case 'libraries-floor': {
      const handler = require(args[0]).librariesFloor(JSON.parse(Buffer.from(args[1], 'base64').toString('utf8')));
      return mark({ ok: await handler({}, {}) });
    }
    case 'node-floor':
      return mark({ ok: await nodeFloor(JSON.parse(Buffer.from(args[0], 'base64').toString('utf8'))) });
    default:
      throw new Error(`unknown mode ${mode}`);
  }
}

/**
 * What any Node implementation of the first request must make Node do, with no library and no checks:
 * load node:http and node:crypto, GET the JWKS, import the token's key and verify its ES256 signature
 * with WebCrypto, compute one HMAC-SHA256 (a request signature's core), send the STS or IAM request
 * (built and signed by the parent) and parse its JSON answer, and write one log line.
 */
async function nodeFloor({ jwksUrl, token, upstream }) {
  const http = require('node:http');
  const { createHmac, webcrypto } = require('node:crypto');
  const send = (url, { method, headers, body }) =>
    new Promise((resolve, reject) => {
      const req = http.request(url, { method, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode, text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  const jwks = JSON.parse((await send(jwksUrl, { method: 'GET', headers: {} })).text);
  const [header, payload, signature] = token.split('.');
  const { kid } = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
  const jwk = jwks.keys.find((k) => k.kid === kid);
  const key = await webcrypto.subtle.importKey('jwk', jwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
  const verified = await webcrypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, Buffer.from(signature, 'base64url'), Buffer.from(`${header}.${payload}`));
  createHmac('sha256', 'role-secret').update(upstream.body ?? upstream.url).digest('hex');
  const answer = await send(upstream.url, upstream);
  JSON.parse(answer.text);
  console.log(JSON.stringify({ level: 'info', msg: 'request', status: answer.status }));
  return verified && (answer.status === 200 || answer.status === 201);
}

main(process.argv[1], process.argv.slice(2)).catch((error) => {
  mark({ ok: false, error: String(error && error.stack) });
  process.exitCode = 1;
});
