/**
 * How a platform function is bundled: one minified, self-contained CommonJS file with its source map.
 * Shared by `npm run build` and the bench, which bundles its library-only cold-start floor the same way
 * so the two compare like for like.
 *
 * @module
 */
import type { BuildOptions, Plugin } from 'esbuild';

/**
 * @middy/core imports `node:stream/web` at its top level but reads it only when a handler streams its
 * response, which no token function does; the stand-in loads it on first use instead (about 2.5 ms of
 * `require` in an A/B run of the cold-start bench). Only middy's import is redirected.
 */
const lazyMiddyStreams: Plugin = {
  name: 'lazy-middy-streams',
  setup(b) {
    b.onResolve({ filter: /^node:stream\/web$/ }, (args) =>
      /[\\/]@middy[\\/]core[\\/]/.test(args.importer) ? { path: new URL('./lazy-stream-web.cjs', import.meta.url).pathname } : undefined,
    );
  },
};

/**
 * The Redis implementation (ioredis included) is a second file beside each bundle, `redis.js`, which
 * lib/state/redis-module.ts `require`s only when REDIS_URL is set: the bundle keeps that `require` as is
 * instead of inlining the file.
 */
const redisAsSiblingFile: Plugin = {
  name: 'redis-as-sibling-file',
  setup(b) {
    b.onResolve({ filter: /^\.\/redis\.js$/ }, (args) =>
      /[\\/]lib[\\/]state[\\/]redis-module\.ts$/.test(args.importer) ? { path: './redis.js', external: true } : undefined,
    );
  },
};

/**
 * ioredis traces every command, arguments included, through the `debug` package when the environment
 * sets DEBUG: in a function that would print to its log what it sends to Redis. The stand-in is a
 * logger that is never enabled.
 */
const silentDebug: Plugin = {
  name: 'silent-debug',
  setup(b) {
    b.onResolve({ filter: /^debug$/ }, () => ({ path: new URL('./silent-debug.cjs', import.meta.url).pathname }));
  },
};

const COMMON: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  minify: true,
  sourcemap: true,
  legalComments: 'eof',
  logLevel: 'warning',
};

/** One entry per platform: where its adapter lives and the Node version its runtime runs. */
export const FUNCTIONS = [
  { name: 'aliyun', entry: 'functions/aliyun/index.ts', target: 'node20' },
  { name: 'tencent', entry: 'functions/tencent/index.ts', target: 'node18' },
  { name: 'huawei', entry: 'functions/huawei/index.ts', target: 'node20' },
] as const;

export function functionBundleOptions(entry: string, outfile: string, target: string): BuildOptions {
  return { ...COMMON, entryPoints: [entry], outfile, target, plugins: [lazyMiddyStreams, redisAsSiblingFile] };
}

/** `redis.js`, written next to a function bundle: the shared state on Redis, loaded only when configured. */
export function redisBundleOptions(outfile: string, target: string): BuildOptions {
  return { ...COMMON, entryPoints: ['lib/state/redis/index.ts'], outfile, target, plugins: [silentDebug] };
}
