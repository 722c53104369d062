/**
 * `npm run build`: one minified, self-contained CommonJS file per platform function, with a source map
 * beside it, and a size report. Each bundle runs with no node_modules next to it.
 *
 * @module
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { FUNCTIONS, functionBundleOptions, redisBundleOptions } from './build/function-bundle.js';
import { shipRulesFile } from './build/rules-file.js';

async function main(): Promise<void> {
  const rows: string[] = [];
  for (const fn of FUNCTIONS) {
    const outfile = `dist/${fn.name}/index.js`;
    await build(functionBundleOptions(fn.entry, outfile, fn.target));
    // The repository's package.json says "type": "module"; this marker keeps the bundle CommonJS
    // when it is loaded from inside the repository (tests, the local service). Platforms ignore it.
    writeFileSync(`dist/${fn.name}/package.json`, '{"type":"commonjs"}\n');
    // The shared state on Redis, which the bundle loads only when REDIS_URL is set. The deploy manifests
    // upload the whole folder, so it travels with the bundle.
    const redisFile = `dist/${fn.name}/redis.js`;
    await build(redisBundleOptions(redisFile, fn.target));
    rows.push(sizeRow(outfile), sizeRow(redisFile));
  }
  rows.push(await buildBrowserClient());
  const shipped = shipRulesFile(process.env, FUNCTIONS.map((fn) => `dist/${fn.name}`));
  if (shipped) rows.push(shipped);
  console.log(`bundle sizes\n${rows.join('\n')}`);
}

function sizeRow(file: string): string {
  const bytes = statSync(file).size;
  const gzip = gzipSync(readFileSync(file)).length;
  return `${file.padEnd(24)} ${(bytes / 1024).toFixed(1).padStart(7)} KB  (gzip ${(gzip / 1024).toFixed(1)} KB)`;
}

/**
 * `@stsgate/client` (client/, a workspace of its own): built by its own script, the one `npm pack` runs,
 * into client/dist/, which the tests, the demo page and the packed package all use.
 */
async function buildBrowserClient(): Promise<string> {
  execFileSync(process.execPath, ['client/build.mjs'], { stdio: 'inherit' });
  const outfile = 'client/dist/index.js';
  const bytes = statSync(outfile).size;
  const minified = (await build({ entryPoints: [outfile], minify: true, write: false, logLevel: 'warning' })).outputFiles[0]!.contents;
  return `${outfile.padEnd(24)} ${(bytes / 1024).toFixed(1).padStart(7)} KB  (minified ${(minified.length / 1024).toFixed(1)} KB, gzip ${(gzipSync(minified).length / 1024).toFixed(1)} KB)`;
}

await main();
