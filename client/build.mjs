// @ts-check
/**
 * Builds @stsgate/client into dist/: one ES module with no imports (so no Node built-ins, and nothing for
 * a bundler to resolve), its source map, and the type declarations. Syntax is lowered to ES2019, which
 * mini-program toolchains and older WebViews parse as is; the type-check (tsconfig.json `lib`) keeps the
 * library calls to ES2019 too. Not minified: the app's own bundler minifies it, and readable code is
 * easier to audit in a browser's devtools.
 *
 * Run by `npm run build` at the repository root, and by `npm pack` / `npm publish` (prepack), so a packed
 * client always carries a build of its current sources.
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const out = join(here, 'dist');

/** The syntax level of dist/index.js; the package's tests check the output against it. */
export const TARGET = 'es2019';

// From scratch, so a declaration of a module that no longer exists is not packed.
rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: [join(here, 'index.ts')],
  outfile: join(out, 'index.js'),
  bundle: true,
  platform: 'neutral',
  format: 'esm',
  target: TARGET,
  sourcemap: true,
  logLevel: 'warning',
});
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(here, 'tsconfig.json')], { stdio: 'inherit' });
