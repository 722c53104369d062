// One function instance in its own process: loads a built bundle as the platform does (CommonJS, the
// environment set before the code loads) and serves invocations read from stdin, one JSON line each
// ({id, base64Event, context}), concurrently, writing each result as one line prefixed "RESULT ".
// Everything else it prints is the bundle's own log.
'use strict';
const { createInterface } = require('node:readline');
const [bundle, exportName] = process.argv.slice(2);
const handler = require(bundle)[exportName];
const lines = createInterface({ input: process.stdin });
let pending = 0;
let ended = false;
const finish = () => ended && pending === 0 && process.stdout.write('', () => process.exit(0));
lines.on('line', async (line) => {
  const { id, base64Event, context } = JSON.parse(line);
  pending += 1;
  const started = performance.now();
  let result;
  try {
    const response = await handler(Buffer.from(base64Event, 'base64'), context);
    result = { id, statusCode: response.statusCode, body: response.body, ms: performance.now() - started };
  } catch (error) {
    result = { id, thrown: String(error), ms: performance.now() - started };
  }
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  pending -= 1;
  finish();
});
lines.on('close', () => {
  ended = true;
  finish();
});
