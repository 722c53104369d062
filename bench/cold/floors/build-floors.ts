/**
 * Bundles the two cold-start floors as the functions are bundled (scripts/build/function-bundle.ts),
 * into dist/bench/, so they load the way a function does.
 *
 * @module
 */
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { functionBundleOptions } from '../../../scripts/build/function-bundle.js';

const OUT_DIR = fileURLToPath(new URL('../../../dist/bench/', import.meta.url));

export interface FloorBundles {
  readonly nodeFloor: string;
  readonly librariesFloor: string;
}

/** Returns the bundles' paths. Node 20 is the target, like the Aliyun and Huawei functions. */
export async function buildFloors(): Promise<FloorBundles> {
  mkdirSync(OUT_DIR, { recursive: true });
  // The repository is "type": "module"; the bundles are CommonJS, like the functions'.
  writeFileSync(`${OUT_DIR}package.json`, '{"type":"commonjs"}\n');
  const bundle = async (name: string) => {
    const outfile = `${OUT_DIR}${name}.js`;
    await build(functionBundleOptions(fileURLToPath(new URL(`./${name}.ts`, import.meta.url)), outfile, 'node20'));
    return outfile;
  };
  return { nodeFloor: await bundle('node-floor'), librariesFloor: await bundle('libraries-floor') };
}
