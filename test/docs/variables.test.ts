/**
 * One list of variables, three things that must agree with it (issue 13, item 3):
 * - the variables each built function reads, observed through a recording `process.env` while its cold
 *   start and requests run against the local emulators (`environment-scenarios.ts`);
 * - the variable tables of docs/configuration.md, the one place that says which cloud reads a variable
 *   and whether a manifest, the platform or only an off-platform setup provides it;
 * - the environment blocks of `s.yaml`, `serverless.yml` and `s.huawei.yaml`, which must pass every
 *   manifest variable of their cloud and nothing else.
 * Every failure says what to add or change, and where.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureConsole } from '../helpers/bundle-harness.js';
import { mentionedNames } from './environment-reads.js';
import { bundleOf, type Cloud, CLOUDS, observedReads } from './environment-scenarios.js';
import { MANIFESTS, readManifest } from './manifests.js';
import { readMarkdown, ROOT, splitCode } from './markdown.js';
import { CONFIGURATION_PAGE, readConfigurationPage } from './variables-doc.js';

/** SCREAMING_SNAKE names in the bundles that are not environment variables. */
const NOT_ENVIRONMENT_VARIABLES = [
  /^ERR_J(OSE|WE|WKS|WK|WS|WT)_/, // jose's error codes
  /^(MIN|MAX)_SAFE_INTEGER$|^MAX_VALUE$/, // Number's constants
];

const page = readConfigurationPage();
const documented = page.variables;
const reads = new Map<Cloud, Set<string>>();
const enumerated = new Map<Cloud, boolean>();
let consoleLines: ReturnType<typeof captureConsole>;

beforeAll(async () => {
  // The bundles log a line per request; the secret guard reads them from here.
  consoleLines = captureConsole();
  for (const cloud of CLOUDS) {
    const observed = await observedReads(cloud);
    reads.set(cloud, observed.reads);
    enumerated.set(cloud, observed.enumerated);
  }
}, 60_000);

afterAll(() => consoleLines.restore());

const bundleName = (cloud: Cloud) => `dist/${cloud}/index.js`;
const readsOf = (cloud: Cloud) => reads.get(cloud) ?? new Set<string>();
const newRow = (name: string, cloud: string) =>
  `add a row "| \`${name}\` | ${cloud} | manifest, platform or off-platform | <default> | <what it does> |" to a variable table in ${CONFIGURATION_PAGE} (see its "Adding a variable")`;

describe(`${CONFIGURATION_PAGE} lists exactly the variables the functions read`, () => {
  it('has well-formed variable tables', () => {
    expect(page.problems).toEqual([]);
    expect(documented.size).toBeGreaterThan(0);
  });

  it.each(CLOUDS)('the %s bundle looks variables up by name, never by listing the environment', (cloud) => {
    expect(enumerated.get(cloud), `${bundleName(cloud)} enumerates process.env, so the variables it reads cannot be observed one by one`).toBe(false);
    expect(readsOf(cloud).size, `no variable read was recorded for ${bundleName(cloud)}: is it built?`).toBeGreaterThan(5);
  });

  it.each(CLOUDS)('every variable the %s bundle reads is documented for that cloud', (cloud) => {
    const problems: string[] = [];
    for (const name of [...readsOf(cloud)].sort()) {
      const row = documented.get(name);
      if (!row) problems.push(`${bundleName(cloud)} reads ${name}, which ${CONFIGURATION_PAGE} does not list: ${newRow(name, cloud)}`);
      else if (!row.clouds.has(cloud)) {
        problems.push(`${bundleName(cloud)} reads ${name}, but ${CONFIGURATION_PAGE}:${row.line} does not name ${cloud} in its cloud cell: add it (or write "all")`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('every documented variable is read by each cloud it names', () => {
    const problems: string[] = [];
    for (const row of documented.values()) {
      for (const cloud of row.clouds) {
        if (!readsOf(cloud).has(row.name)) {
          problems.push(`${CONFIGURATION_PAGE}:${row.line} lists ${row.name} for ${cloud}, but ${bundleName(cloud)} never read it: take ${cloud} out of the row (or the row out of the page), or fix the name`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it.each(CLOUDS)('every variable name in the %s bundle was read by some scenario', (cloud) => {
    const unexplained = [...mentionedNames(bundleOf(cloud))]
      .filter((name) => !readsOf(cloud).has(name) && !NOT_ENVIRONMENT_VARIABLES.some((pattern) => pattern.test(name)))
      .sort()
      .map(
        (name) =>
          `${bundleName(cloud)} mentions ${name}, but no scenario made it read ${name}: if it is an environment variable read only on some path, add a scenario that takes that path to test/docs/environment-scenarios.ts; if it is not one, add it to NOT_ENVIRONMENT_VARIABLES in test/docs/variables.test.ts`,
      );
    expect(unexplained).toEqual([]);
  });
});

describe.each(CLOUDS)('the %s manifest passes exactly its manifest variables', (cloud) => {
  const manifest = readManifest(cloud);
  const { file, environmentPath } = manifest.format;
  const block = environmentPath.join('.');

  it(`passes every variable ${CONFIGURATION_PAGE} marks "manifest" for ${cloud}`, () => {
    const missing = [...documented.values()]
      .filter((row) => row.setBy === 'manifest' && row.clouds.has(cloud) && !manifest.passes.has(row.name))
      .map((row) => `${file} does not pass ${row.name} (${CONFIGURATION_PAGE}:${row.line}): add "${manifest.format.entry(row.name)}" under ${block}`);
    expect(missing).toEqual([]);
  });

  it('passes nothing else, each from the deployer variable of the same name', () => {
    const problems: string[] = [];
    for (const [name, passed] of manifest.passes) {
      const row = documented.get(name);
      if (!row) problems.push(`${file} passes ${name}, which ${CONFIGURATION_PAGE} does not list: ${newRow(name, cloud)}, or remove it from ${block}`);
      else if (!row.clouds.has(cloud)) problems.push(`${file} passes ${name}, which the ${cloud} function never reads (${CONFIGURATION_PAGE}:${row.line}): remove it from ${block}`);
      else if (row.setBy !== 'manifest') {
        problems.push(`${file} passes ${name}, which is set by ${row.setBy} (${CONFIGURATION_PAGE}:${row.line}), never by a manifest: remove it from ${block}`);
      } else if (passed.source !== name) {
        problems.push(`${file} sets ${name} to "${passed.value}": it must read the variable of the same name, "${manifest.format.entry(name)}"`);
      } else if (passed.fallback && row.literalDefault !== undefined && passed.fallback !== row.literalDefault) {
        problems.push(`${file} defaults ${name} to '${passed.fallback}', but ${CONFIGURATION_PAGE}:${row.line} says the default is \`${row.literalDefault}\`: make them agree (or use '')`);
      }
    }
    expect(problems).toEqual([]);
  });

  it(`documents the settings ${file} reads for itself`, () => {
    const listed = new Set(page.settings.filter((setting) => setting.manifest === file).map((setting) => setting.name));
    const undocumented = [...manifest.settings].filter((name) => !listed.has(name));
    const unused = [...listed].filter((name) => !manifest.settings.has(name));
    expect(undocumented.map((name) => `${file} reads ${name}: add "| \`${name}\` | \`${file}\` | <default> | <what it does> |" to the manifest settings table of ${CONFIGURATION_PAGE}`)).toEqual([]);
    expect(unused.map((name) => `${CONFIGURATION_PAGE} lists ${name} as a setting of ${file}, which does not read it: remove the row`)).toEqual([]);
  });
});

/** The `.env` example of a deploy page: the code block that starts with `# .env`. */
function envExample(path: string): { names: string[]; line: number } {
  const block = splitCode(readMarkdown(path).text).blocks.find((b) => b.body.trimStart().startsWith('# .env'));
  if (!block) throw new Error(`${path} has no .env example (a code block starting with "# .env")`);
  const names = block.body
    .split('\n')
    .map((line) => /^([A-Z][A-Z0-9_]*)=/.exec(line.trim())?.[1])
    .filter((name): name is string => name !== undefined);
  return { names, line: block.line };
}

describe.each(CLOUDS)('the %s deploy page', (cloud) => {
  const path = `docs/deploy-${cloud}.md`;
  const manifest = readManifest(cloud);
  const known = new Set([...manifest.passes.keys(), ...manifest.settings]);

  it(`its .env example sets only what ${MANIFESTS[cloud].file} reads`, () => {
    const example = envExample(path);
    const unknown = example.names.filter((name) => !known.has(name));
    expect(unknown.map((name) => `${path}:${example.line}: the .env example sets ${name}, which ${manifest.format.file} never reads`)).toEqual([]);
  });

  if (cloud === 'huawei') {
    it('its .env example defines every variable s.huawei.yaml reads (an undefined one deploys as literal text)', () => {
      const example = envExample(path);
      const missing = [...known].filter((name) => !example.names.includes(name));
      expect(missing.map((name) => `${path}:${example.line}: add "${name}=" to the .env example`)).toEqual([]);
    });
  }
});

describe('npm start', () => {
  it('documents every variable the local server reads for itself', () => {
    const sources = readdirSync(join(ROOT, 'local'), { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.ts'));
    const named = new Set<string>();
    for (const source of sources) {
      const text = readFileSync(join(ROOT, 'local', source), 'utf8');
      for (const match of text.matchAll(/\b(?:process\.env|base|env)\.([A-Z][A-Z0-9_]+)\b/g)) named.add(match[1] ?? '');
    }
    const undocumented = [...named].filter((name) => !documented.has(name) && !page.localVariables.has(name));
    expect(undocumented.map((name) => `local/ reads ${name}: add it to the npm start table of ${CONFIGURATION_PAGE}`)).toEqual([]);
    const unused = [...page.localVariables].filter((name) => !named.has(name));
    expect(unused.map((name) => `${CONFIGURATION_PAGE} lists ${name} for npm start, which local/ never reads: remove the row`)).toEqual([]);
  });
});
