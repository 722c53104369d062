/**
 * How the browser tests find Chromium (test/helpers/chromium/): an explicit path wins and must be right,
 * a system browser comes next, the one inside the `@sparticuz/chromium` devDependency last, and when
 * there is none the run fails saying what to set or install instead of skipping the browser suites.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { BUNDLED_PACKAGE } from '../helpers/chromium/bundled.js';
import { findChromium } from '../helpers/chromium/find.js';
import { launchChromium } from '../helpers/chromium.js';

const root = mkdtempSync(join(tmpdir(), 'stsgate-find-chromium-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A folder of its own for each test, standing in for one PATH entry. */
let dir = root;
beforeEach((context) => {
  dir = join(root, context.task.id);
  mkdirSync(dir);
});

/** An executable named like a browser, which starts and fails at once. */
function fakeBrowser(name: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\necho "fake browser" >&2\nexit 1\n`);
  chmodSync(path, 0o755);
  return path;
}

const NO_SYSTEM_PATHS: readonly string[] = [];

describe('findChromium', () => {
  it('uses CHROMIUM_PATH as given, before any system or bundled browser', () => {
    const explicit = fakeBrowser('my-chrome');
    fakeBrowser('chromium');
    expect(findChromium({ CHROMIUM_PATH: explicit, PATH: dir }, NO_SYSTEM_PATHS)).toMatchObject({ executablePath: explicit, source: 'CHROMIUM_PATH' });
  });

  it('fails on a CHROMIUM_PATH that is not an executable file, rather than looking elsewhere', () => {
    expect(() => findChromium({ CHROMIUM_PATH: join(dir, 'missing') }, NO_SYSTEM_PATHS)).toThrow(/CHROMIUM_PATH=.*missing is not an executable file/);
    const notExecutable = join(dir, 'not-executable');
    writeFileSync(notExecutable, '');
    expect(() => findChromium({ CHROMIUM_PATH: notExecutable }, NO_SYSTEM_PATHS)).toThrow(/CHROMIUM_PATH/);
    expect(() => findChromium({ CHROMIUM_PATH: dir }, NO_SYSTEM_PATHS)).toThrow(/CHROMIUM_PATH/);
  });

  it('finds a system browser on the PATH, and at a well-known install path first', () => {
    const onPath = fakeBrowser('google-chrome');
    expect(findChromium({ PATH: `/nonexistent:${dir}` }, NO_SYSTEM_PATHS)).toMatchObject({ executablePath: onPath, env: {} });
    const installed = fakeBrowser('installed-chromium');
    expect(findChromium({ PATH: dir }, [join(dir, 'absent'), installed]).executablePath).toBe(installed);
  });

  it('falls back to the bundled Chromium when there is no system browser, with its own libraries and fonts', () => {
    const found = findChromium({ PATH: '/nonexistent' }, NO_SYSTEM_PATHS);
    expect(found.source).toMatch(new RegExp(`^${BUNDLED_PACKAGE} \\d+\\.\\d+\\.\\d+$`));
    expect(found.executablePath).toMatch(/node_modules\/\.cache\/stsgate-chromium\/[\d.]+\/chromium$/);
    expect(existsSync(found.executablePath)).toBe(true);
    expect(found.env.LD_LIBRARY_PATH?.split(':')[0]).toMatch(/stsgate-chromium\/[\d.]+\/lib$/);
    expect(existsSync(join(found.env.LD_LIBRARY_PATH!.split(':')[0]!, 'libnss3.so'))).toBe(true);
    expect(existsSync(join(found.env.FONTCONFIG_PATH!, 'fonts.conf'))).toBe(true);
  });

  it('CHROMIUM_SOURCE=bundled skips system browsers; =system never uses the bundled one', () => {
    fakeBrowser('chromium');
    expect(findChromium({ PATH: dir, CHROMIUM_SOURCE: 'bundled' }, NO_SYSTEM_PATHS).source).toContain(BUNDLED_PACKAGE);
    expect(() => findChromium({ PATH: '/nonexistent', CHROMIUM_SOURCE: 'system' }, NO_SYSTEM_PATHS)).toThrow(/No Chromium for the browser tests/);
  });

  it('fails with what to set or install when no browser can be found', () => {
    let message = '';
    try {
      findChromium({ PATH: '/nonexistent', CHROMIUM_SOURCE: 'system' }, NO_SYSTEM_PATHS);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('Set CHROMIUM_PATH');
    expect(message).toContain('apt-get install chromium');
    expect(message).toContain(`${BUNDLED_PACKAGE} devDependency`);
    expect(message).toContain('CHROMIUM_SOURCE=system excludes it');
  });

  it('rejects an unknown CHROMIUM_SOURCE, naming the variable', () => {
    expect(() => findChromium({ PATH: dir, CHROMIUM_SOURCE: 'firefox' }, NO_SYSTEM_PATHS)).toThrow(/CHROMIUM_SOURCE must be auto, system or bundled \(got "firefox"\)/);
  });
});

describe('launchChromium', () => {
  it('says which browser did not start and what to set instead', async () => {
    const previous = process.env.CHROMIUM_PATH;
    process.env.CHROMIUM_PATH = fakeBrowser('broken-chrome');
    try {
      await expect(launchChromium()).rejects.toThrow(/Chromium from CHROMIUM_PATH did not start[\s\S]*CHROMIUM_SOURCE=bundled/);
    } finally {
      if (previous === undefined) delete process.env.CHROMIUM_PATH;
      else process.env.CHROMIUM_PATH = previous;
    }
  });
});
