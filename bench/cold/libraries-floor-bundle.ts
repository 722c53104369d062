/**
 * Bundles libraries-floor.ts as the functions are bundled, beside them in dist/, for the cold start's
 * `libraries-floor` variants.
 *
 * @module
 */
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { functionBundleOptions } from '../../scripts/build/function-bundle.js';

const OUT_DIR = fileURLToPath(new URL('../../dist/bench/', import.meta.url));

/** Returns the bundle's path. Node 20 is the target, like the Aliyun and Huawei functions. */
export async function buildLibrariesFloor(): Promise<string> {
  mkdirSync(OUT_DIR, { recursive: true });
  const outfile = `${OUT_DIR}libraries-floor.js`;
  await build(functionBundleOptions(fileURLToPath(new URL('./libraries-floor.ts', import.meta.url)), outfile, 'node20'));
  // The repository is "type": "module"; the bundle is CommonJS, like the functions'.
  writeFileSync(`${OUT_DIR}package.json`, '{"type":"commonjs"}\n');
  return outfile;
}
