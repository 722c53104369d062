/**
 * `@stsgate/client` as a user gets it: packed with `npm pack` (its prepack build included), installed from
 * the tarball into a new project, then (a) imported by name in Node and used against an endpoint,
 * (b) type-checked in an app that uses every public export, and (c) bundled with esbuild for the browser
 * and run in Chromium against `npm start`'s local token service. Also: the tarball holds only what a user
 * needs, and the module is self-contained ES2019.
 */
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { build, transform } from 'esbuild';
import type { Browser } from 'playwright-core';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalTokenService } from '../../local/server.js';
import { launchChromium } from '../helpers/chromium.js';
import { startEmulatedLocalService } from '../helpers/emulated-local-service.js';
import { CLIENT_SOURCE, installedManifest, packAndInstall, type PackedClient, REPO } from './packed-client.js';

const FIXTURE = new URL('./fixture/uses-every-export.ts', import.meta.url);
const TSC = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');

let packed: PackedClient;

beforeAll(() => {
  packed = packAndInstall();
}, 120_000);

afterAll(() => packed?.remove());

/** Every `.ts` module of the client's source, relative to `client/`, as its declaration file's path. */
function declarationsOfSources(dir = CLIENT_SOURCE): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'dist' || entry.name === 'node_modules' ? [] : declarationsOfSources(path);
    return entry.name.endsWith('.ts') ? [`dist/${relative(CLIENT_SOURCE, path).replace(/\.ts$/, '.d.ts')}`] : [];
  });
}

/** The names `dist/index.d.ts` exports, and which of them are values (exist at run time). */
function declaredExports(): { all: string[]; values: string[] } {
  const index = join(packed.installed, 'dist', 'index.d.ts');
  const program = ts.createProgram([index], { strict: true, noEmit: true, types: [] });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(index)!)!;
  const symbols = checker.getExportsOfModule(module);
  const resolved = (symbol: ts.Symbol) => (symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol);
  return {
    all: symbols.map((s) => s.name).sort(),
    values: symbols.filter((s) => resolved(s).flags & ts.SymbolFlags.Value).map((s) => s.name).sort(),
  };
}

/** The names the fixture imports from `@stsgate/client`. */
function fixtureImports(): string[] {
  const source = ts.createSourceFile('fixture.ts', readFileSync(FIXTURE, 'utf8'), ts.ScriptTarget.Latest);
  return source.statements
    .filter((s): s is ts.ImportDeclaration => ts.isImportDeclaration(s) && (s.moduleSpecifier as ts.StringLiteral).text === '@stsgate/client')
    .flatMap((s) => {
      const bindings = s.importClause?.namedBindings;
      return bindings && ts.isNamedImports(bindings) ? bindings.elements.map((e) => (e.propertyName ?? e.name).text) : [];
    })
    .sort();
}

describe('the packed tarball', () => {
  it('holds the manifest, README, licence, the built module with its source map, and one declaration per source module: nothing else', () => {
    const expected = ['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.js.map', ...declarationsOfSources()].sort();
    expect(packed.files).toEqual(expected);
  });

  it('declares an ES module with types, no dependencies, a semver version and the MIT licence', () => {
    const manifest = installedManifest(packed);
    expect(manifest).toMatchObject({ name: '@stsgate/client', type: 'module', sideEffects: false, license: 'MIT' });
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+$/);
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies', 'bundleDependencies']) expect(manifest[field], field).toBeUndefined();
    expect(manifest.exports).toMatchObject({ '.': { types: './dist/index.d.ts', import: './dist/index.js', default: './dist/index.js' } });
    expect(Object.keys((manifest.exports as Record<string, object>)['.']!)[0], 'types must come first').toBe('types');
    expect(readFileSync(join(packed.installed, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
  });

  it('ships a self-contained module: no imports at all, and no syntax beyond ES2019', async () => {
    const file = join(packed.installed, 'dist', 'index.js');
    const bundled = await build({ entryPoints: [file], bundle: true, platform: 'neutral', format: 'esm', write: false, metafile: true, logLevel: 'silent' });
    expect(Object.keys(bundled.metafile.inputs)).toHaveLength(1);
    expect(Object.values(bundled.metafile.inputs)[0]!.imports).toEqual([]);
    // Lowering to ES2019 changes nothing only when nothing newer is there (top-level await would fail outright).
    const code = readFileSync(file, 'utf8');
    const asIs = await transform(code, { format: 'esm', target: 'esnext' });
    const lowered = await transform(code, { format: 'esm', target: 'es2019' });
    expect(lowered.code).toBe(asIs.code);
  });
});

describe('(a) in Node, imported by its name', () => {
  let endpoint: Server;
  let url: string;

  beforeAll(async () => {
    // A stand-in token endpoint: keys for the right login token, 401 for any other.
    endpoint = createServer((req, res) => {
      if (req.headers.authorization !== 'Bearer login-of-alice') {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_token"}');
        return;
      }
      const now = Math.floor(Date.now() / 1000);
      res.writeHead(200, { 'content-type': 'application/json', date: new Date().toUTCString() }).end(
        JSON.stringify({
          provider: 'aliyun',
          accessKeyId: 'STS.fake-key-id',
          accessKeySecret: 'fake-secret',
          securityToken: 'fake-token',
          expiration: new Date((now + 900) * 1000).toISOString(),
          startTime: now,
          expiredTime: now + 900,
          bucket: 'media',
          region: 'cn-hangzhou',
          prefix: 'users/alice/',
          actions: ['get', 'put'],
        }),
      );
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/aliyun`;
  });

  afterAll(() => new Promise<void>((resolve) => endpoint.close(() => resolve())));

  /** Runs `main.mjs` in the new project with plain `node` (while this process serves the endpoint) and returns what it printed. */
  async function runInApp(): Promise<Record<string, unknown>> {
    writeFileSync(
      join(packed.app, 'main.mjs'),
      `import * as client from '@stsgate/client';
const { createStsClient, StsClientError, UnauthorizedError, aliOssOptions } = client;
const endpoint = process.argv[2];
const sts = createStsClient({ endpoint, getToken: () => 'login-of-alice' });
const keys = await sts.getCredentials();
const again = await sts.getCredentials();
const oss = await aliOssOptions(sts);
let refused;
try {
  await createStsClient({ endpoint, getToken: () => 'someone-else', maxAttempts: 1 }).getCredentials();
} catch (error) {
  refused = { unauthorized: error instanceof UnauthorizedError, clientError: error instanceof StsClientError, code: error.code, status: error.status };
}
console.log(JSON.stringify({
  exports: Object.keys(client).sort(),
  resolved: import.meta.resolve('@stsgate/client'),
  provider: keys.provider, bucket: keys.bucket, prefix: keys.prefix, accessKeyId: keys.accessKeyId,
  cached: again === keys, ossRegion: oss.region, refused,
}));
`,
    );
    const { stdout } = await promisify(execFile)(process.execPath, ['main.mjs', url], { cwd: packed.app, encoding: 'utf8' });
    return JSON.parse(stdout) as Record<string, unknown>;
  }

  it('resolves to the installed package, gets and caches keys, and turns a 401 into UnauthorizedError', async () => {
    const out = await runInApp();
    expect(out.resolved).toBe(`file://${join(packed.installed, 'dist', 'index.js')}`);
    expect(out).toMatchObject({ provider: 'aliyun', bucket: 'media', prefix: 'users/alice/', accessKeyId: 'STS.fake-key-id', cached: true, ossRegion: 'oss-cn-hangzhou' });
    expect(out.refused).toEqual({ unauthorized: true, clientError: true, code: 'unauthorized', status: 401 });
    // What exists at run time is exactly what the declarations say does.
    expect(out.exports).toEqual(declaredExports().values);
  });
});

describe('(b) in TypeScript, every public export', () => {
  it('the app under test imports every name the package declares', () => {
    expect(fixtureImports()).toEqual(declaredExports().all);
  });

  it.each([
    ['bundler', { module: 'esnext', moduleResolution: 'bundler' }],
    ['nodenext', { module: 'nodenext', moduleResolution: 'nodenext' }],
  ])('type-checks against the installed declarations (moduleResolution %s, strict, declarations checked too)', (_name, resolution) => {
    mkdirSync(join(packed.app, 'src'), { recursive: true });
    copyFileSync(FIXTURE, join(packed.app, 'src', 'uses-every-export.ts'));
    const config = join(packed.app, `tsconfig.${_name}.json`);
    writeFileSync(
      config,
      JSON.stringify({
        compilerOptions: { ...resolution, target: 'es2022', lib: ['es2022', 'dom'], strict: true, noEmit: true, skipLibCheck: false, types: [] },
        include: ['src'],
      }),
    );
    let output = '';
    try {
      execFileSync(process.execPath, [TSC, '-p', config], { cwd: packed.app, encoding: 'utf8' });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(output).toBe('');
  }, 60_000);
});

describe('(c) bundled with esbuild for the browser, in Chromium, against the local token service', () => {
  let service: LocalTokenService;
  let site: Server;
  let siteUrl: string;
  let browser: Browser;
  let bundleInputs: string[];

  beforeAll(async () => {
    writeFileSync(
      join(packed.app, 'browser.js'),
      `import { aliOssOptions, createStsClient } from '@stsgate/client';
window.getKeys = async (service, provider, login) => {
  const sts = createStsClient({ endpoint: service + '/' + provider, getToken: () => login });
  const keys = await sts.getCredentials();
  const oss = provider === 'aliyun' ? await aliOssOptions(sts) : undefined;
  // Facts about the keys, never the keys themselves.
  return {
    provider: keys.provider, bucket: keys.bucket, prefix: keys.prefix,
    keysPresent: [keys.accessKeyId, keys.accessKeySecret, keys.securityToken].every((v) => v.length > 0),
    cached: (await sts.getCredentials()) === keys,
    ossRegion: oss && oss.region,
  };
};
`,
    );
    const result = await build({
      entryPoints: ['browser.js'],
      absWorkingDir: packed.app,
      bundle: true,
      platform: 'browser',
      format: 'esm',
      target: 'es2019',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    bundleInputs = Object.keys(result.metafile.inputs);
    const script = result.outputFiles[0]!.contents;
    const page = '<!doctype html><meta charset="utf-8"><title>app</title><script type="module" src="/app.js"></script>';
    site = createServer((req, res) => {
      if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
      else if (req.url === '/app.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
    // The app's page is its own origin, which the functions must allow, as a deployment's CORS_ALLOWED_ORIGINS would.
    service = await startEmulatedLocalService({ allowOrigins: [new URL(siteUrl).origin] });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (site ? site.close(() => resolve()) : resolve()));
    await service?.close();
  });

  it('bundles the installed package, not the repository source', () => {
    expect(bundleInputs).toEqual(['node_modules/@stsgate/client/dist/index.js', 'browser.js']);
  });

  it.each([
    ['aliyun', 'stsgate-local'],
    ['tencent', 'stsgate-local-1250000000'],
    ['huawei', 'stsgate-local'],
  ] as const)('gets real keys for alice from the emulated /%s function, across origins', async (provider, bucket) => {
    const page = await browser.newPage();
    try {
      page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
      await page.goto(siteUrl);
      await page.waitForFunction(() => 'getKeys' in window);
      // The app's own login: a development JWT, fetched here (the service's /dev/token is not for other origins).
      const login = await (await fetch(`${service.url}/dev/token?sub=alice`)).text();
      const got = await page.evaluate(
        ([serviceUrl, name, jwt]) => (window as unknown as { getKeys: (s: string, p: string, l: string) => Promise<Record<string, unknown>> }).getKeys(serviceUrl, name, jwt),
        [service.url, provider, login] as const,
      );
      expect(got).toMatchObject({ provider, bucket, prefix: 'users/alice/', keysPresent: true, cached: true });
      if (provider === 'aliyun') expect(got.ossRegion).toBe('oss-cn-hangzhou');
    } finally {
      await page.close();
    }
  });
});
