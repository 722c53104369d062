// Runs under a platform's own Node binary: loads a built bundle as the platform does (CommonJS, the
// environment already set) and invokes its handler once per {event, context} read from stdin.
// Results are printed as one line prefixed "RESULT ", apart from the bundle's own log lines, with the
// Node built-in modules that loading the bundle and serving the requests made Node load.
'use strict';
const [bundle, exportName] = process.argv.slice(2);
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', async () => {
  const before = new Set(process.moduleLoadList);
  const handler = require(bundle)[exportName];
  const results = [];
  for (const { event, context, base64Event, getters } of JSON.parse(input)) {
    const payload = base64Event ? Buffer.from(base64Event, 'base64') : event;
    // FunctionGraph's context is an object of methods, which JSON cannot carry: rebuild it from values.
    const ctx = getters ? Object.fromEntries(Object.entries(getters).map(([name, value]) => [name, () => value])) : context;
    results.push(await handler(payload, ctx));
  }
  // Node's built-in modules the bundle made Node load, for the cold-start guards.
  const builtinsLoaded = process.moduleLoadList.filter((m) => !before.has(m) && m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length));
  // Files loaded through require (the bundle, and redis.js only when REDIS_URL is set).
  const filesLoaded = Object.keys(require.cache);
  // Exit once the line is out, as a platform freezes the instance: an open Redis connection would
  // otherwise keep this process alive.
  process.stdout.write(`RESULT ${JSON.stringify({ node: process.version, results, builtinsLoaded, filesLoaded })}\n`, () => process.exit(0));
});
