// Runs under a platform's own Node binary: loads a built bundle as the platform does (CommonJS, the
// environment already set) and invokes its handler once per {event, context} read from stdin.
// Results are printed as one line prefixed "RESULT ", apart from the bundle's own log lines.
'use strict';
const [bundle, exportName] = process.argv.slice(2);
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', async () => {
  const handler = require(bundle)[exportName];
  const results = [];
  for (const { event, context, base64Event } of JSON.parse(input)) {
    const payload = base64Event ? Buffer.from(base64Event, 'base64') : event;
    results.push(await handler(payload, context));
  }
  process.stdout.write(`RESULT ${JSON.stringify({ node: process.version, results })}\n`);
});
