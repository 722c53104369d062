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
//   floor <bundle> <export> <base64 JSON> a cold-start floor (floors/): build its handler, run it once
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
    case 'floor': {
      const handler = require(args[0])[args[1]](JSON.parse(Buffer.from(args[2], 'base64').toString('utf8')));
      return mark({ ok: (await handler({}, {})) === true });
    }
    default:
      throw new Error(`unknown mode ${mode}`);
  }
}

main(process.argv[1], process.argv.slice(2)).catch((error) => {
  mark({ ok: false, error: String(error && error.stack) });
  process.exitCode = 1;
});
