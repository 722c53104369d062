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

export function functionBundleOptions(entry: string, outfile: string, target: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target,
    minify: true,
    sourcemap: true,
    legalComments: 'eof',
    logLevel: 'warning',
    plugins: [lazyMiddyStreams],
  };
}
