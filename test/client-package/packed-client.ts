/**
 * `@stsgate/client` packed with `npm pack` and installed from the tarball into a new, empty project, as a
 * user of the published package gets it. Offline: the package has no dependencies, so the tarball is all
 * npm needs.
 *
 * The pack runs on a copy of `client/` so that its prepack build writes into the copy, not into the
 * `client/dist/` that other test files are reading at the same time. The copy's `node_modules` is a link
 * to the repository's, where the build finds esbuild and TypeScript, as it does in the workspace.
 *
 * @module
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const CLIENT_SOURCE = join(REPO, 'client');

export interface PackedClient {
  /** The new project the tarball is installed into (`type: module`, nothing else). */
  readonly app: string;
  /** The installed package: `<app>/node_modules/@stsgate/client`. */
  readonly installed: string;
  /** Every path in the tarball, relative to the package root, sorted. */
  readonly files: readonly string[];
  remove(): void;
}

export function packAndInstall(): PackedClient {
  const root = mkdtempSync(join(tmpdir(), 'stsgate-client-package-'));
  try {
    const copy = join(root, 'source', 'client');
    cpSync(CLIENT_SOURCE, copy, {
      recursive: true,
      filter: (path) => !/^(dist|node_modules)(\/|$)/.test(relative(CLIENT_SOURCE, path).split(sep).join('/')),
    });
    symlinkSync(join(REPO, 'node_modules'), join(root, 'source', 'node_modules'), 'dir');
    const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', root], copy)) as [{ filename: string; files: { path: string }[] }];

    const app = join(root, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'app', private: true, type: 'module' })}\n`);
    npm(['install', join(root, packed.filename), '--offline', '--no-audit', '--no-fund'], app);
    return {
      app,
      installed: join(app, 'node_modules', '@stsgate', 'client'),
      files: packed.files.map((file) => file.path).sort(),
      remove: () => rmSync(root, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Runs npm outside this run's own npm context: `npm test` passes its settings to children as
 * `npm_config_*` variables, which would otherwise apply to the user's project too.
 */
function npm(args: string[], cwd: string): string {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
  return execFileSync('npm', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The package's manifest as installed. */
export function installedManifest(packed: PackedClient): Record<string, unknown> {
  return JSON.parse(readFileSync(join(packed.installed, 'package.json'), 'utf8')) as Record<string, unknown>;
}
