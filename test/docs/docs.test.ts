/**
 * The README and docs/ as a newcomer uses them (issue 14, part 3): every link lands on a file and a
 * heading, every file a command or a code span names exists, every `npm run …` is a script, every
 * command that reads a policy document from deploy/ fills in all its placeholders, and the manifests'
 * comments point at steps that exist. Each failure names the file and line to fix.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLOUDS } from './environment-scenarios.js';
import { MANIFESTS } from './manifests.js';
import { anchors, documentation, inlineCode, links, ROOT, splitCode } from './markdown.js';

const files = documentation();
const pages = new Map(files.map((file) => [file.path, file]));
const exists = (path: string) => existsSync(join(ROOT, path));

describe('links', () => {
  it('every relative link in README.md and docs/ reaches a file, and its #anchor a heading there', () => {
    const broken: string[] = [];
    for (const file of files) {
      for (const { text: target, line } of links(file.text)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
        const [pathPart = '', anchor] = target.split('#');
        const resolved = pathPart === '' ? file.path : normalize(join(dirname(file.path), decodeURIComponent(pathPart)));
        const where = `${file.path}:${line}: [${target}]`;
        if (resolved.startsWith('..')) broken.push(`${where} leaves the repository`);
        else if (!exists(resolved)) broken.push(`${where}: ${resolved} does not exist`);
        else if (anchor !== undefined) {
          if (!resolved.endsWith('.md')) broken.push(`${where}: an #anchor on a file that is not Markdown`);
          else {
            const text = pages.get(resolved)?.text ?? readFileSync(join(ROOT, resolved), 'utf8');
            if (!anchors(text).has(anchor)) broken.push(`${where}: ${resolved} has no heading whose anchor is #${anchor}`);
          }
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('every page under docs/ is linked from README.md', () => {
    const linked = new Set(links(pages.get('README.md')?.text ?? '').map(({ text: target }) => normalize(target.split('#')[0] ?? '')));
    const orphans = files.filter((file) => file.path.startsWith('docs/') && !linked.has(file.path)).map((file) => `${file.path}: add it to the documentation table of README.md`);
    expect(orphans).toEqual([]);
  });

  it('README.md stays a five-minute read (at most 250 lines; details go in docs/)', () => {
    expect(pages.get('README.md')?.text.split('\n').length).toBeLessThanOrEqual(250);
  });
});

/** Top-level folders and files of the repository that documentation may name. */
const REPO_PATH = /(?<![\w/.~-])(?:\.\/)?((?:deploy|docs|examples|scripts|bench|test|lib|functions|client|local|emulators|\.ci)\/[\w./{},@-]*|(?:s\.yaml|s\.huawei\.yaml|serverless\.yml|package\.json|tsconfig\.json|vitest\.config\.ts)\b)/g;
/** Written by a build or a run, not tracked: named in the docs but not checked. */
const GENERATED = /^(dist|node_modules|coverage|client\/dist|bench\/out)\//;

/** `a/{b,c}.ts` → `a/b.ts`, `a/c.ts` (one level, as the docs write it). */
function expandBraces(path: string): string[] {
  const match = /\{([^{}]*)\}/.exec(path);
  if (!match) return [path];
  return (match[1] ?? '').split(',').flatMap((part) => expandBraces(path.replace(match[0], part)));
}

function repositoryPaths(text: string): string[] {
  return [...text.matchAll(REPO_PATH)]
    .map((match) => (match[1] ?? '').replace(/[.,:;]+$/, ''))
    .filter((path) => !/[<…*]/.test(path) && !GENERATED.test(path))
    .flatMap(expandBraces);
}

/** Shell words that look like files read by a command (`x.json`, `file://x.xml`), minus those the block writes. */
function filesReadByCommands(body: string): string[] {
  const written = new Set([...body.matchAll(/>\s*([\w./-]+)/g)].map((match) => match[1]));
  return body
    .split('\n')
    .map((line) => line.replace(/(^|\s)#.*$/, ''))
    .flatMap((line) => line.split(/[\s"'()=,]+/))
    .map((word) => word.replace(/^file:\/\//, ''))
    .filter((word) => /^[\w.][\w./-]*\.(json|xml|ya?ml|ts|js|cjs|mjs|tf|sh)$/.test(word) && !word.includes('://'))
    .filter((word) => !written.has(word) && !GENERATED.test(word));
}

describe('files named in the docs', () => {
  it('every repository path in a code block or a code span exists', () => {
    const missing: string[] = [];
    for (const file of files) {
      const { blocks } = splitCode(file.text);
      for (const block of blocks) {
        if (['json', 'xml'].includes(block.lang)) continue;
        for (const path of repositoryPaths(block.body)) if (!exists(path)) missing.push(`${file.path}:${block.line}: the code block names ${path}, which does not exist`);
      }
      for (const { text: code, line } of inlineCode(file.text)) {
        for (const path of repositoryPaths(code)) if (!exists(path)) missing.push(`${file.path}:${line}: \`${code}\` names ${path}, which does not exist`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('every file a command reads exists (relative to the repository root, where the docs run commands)', () => {
    const missing: string[] = [];
    for (const file of files) {
      for (const block of splitCode(file.text).blocks) {
        if (!['sh', 'bash', 'shell', 'hcl'].includes(block.lang)) continue;
        for (const path of filesReadByCommands(block.body)) {
          if (!exists(path)) missing.push(`${file.path}:${block.line}: a command reads ${path}, which does not exist: ship it under deploy/<cloud>/ and name it by that path`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('every `npm run <script>` the docs name is a script in package.json', () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const missing: string[] = [];
    for (const file of files) {
      file.text.split('\n').forEach((line, index) => {
        for (const match of line.matchAll(/\bnpm (?:run ([\w:-]+)|(start|test)\b)/g)) {
          const name = match[1] ?? match[2] ?? '';
          if (!(name in scripts)) missing.push(`${file.path}:${index + 1}: "npm ${match[1] ? 'run ' : ''}${name}" is not a script in package.json`);
        }
      });
    }
    expect(missing).toEqual([]);
  });

  it('the docs speak to the reader, not about notes outside the repository', () => {
    const internal = [/reference notes/i, /\bthe (project's )?reference\b/i, /this guide was written on/i, /the design prescribes/i, /prescribed libraries/i];
    const found: string[] = [];
    for (const file of files) {
      file.text.split('\n').forEach((line, index) => {
        for (const pattern of internal) if (pattern.test(line)) found.push(`${file.path}:${index + 1}: "${line.trim()}": say where the fact comes from (a cloud's documentation, an API reference) or drop it`);
      });
    }
    expect(found).toEqual([]);
  });
});

/** Every file under deploy/, from the repository root. */
const deployFiles = readdirSync(join(ROOT, 'deploy'), { recursive: true, encoding: 'utf8' })
  .map((name) => join('deploy', name))
  .filter((path) => statSync(join(ROOT, path)).isFile())
  .sort();

/** What a user must fill in: `<name>` in a policy document, the example origin in a CORS rule. */
function placeholders(path: string): string[] {
  const text = readFileSync(join(ROOT, path), 'utf8');
  if (path.endsWith('.xml')) return [...new Set([...text.matchAll(/<AllowedOrigin>([^<]+)<\/AllowedOrigin>/g)].map((m) => m[1] ?? ''))];
  return [...new Set([...text.matchAll(/<[a-z][a-z-]*>/g)].map((m) => m[0]))];
}

/** Shell commands with their continuation lines joined, from every code block of the docs. */
function commands(): { text: string; where: string }[] {
  return files.flatMap((file) =>
    splitCode(file.text).blocks.flatMap((block) =>
      block.body
        .replace(/\\\n\s*/g, ' ')
        .split('\n')
        .map((text) => ({ text, where: `${file.path}:${block.line}` })),
    ),
  );
}

describe('the documents under deploy/', () => {
  it.each(deployFiles)('%s is used by a command in the docs, which fills in every placeholder', (path) => {
    const users = commands().filter((command) => command.text.includes(path));
    expect(users.length, `no command in README.md or docs/ reads ${path}: use it in its deploy guide, or delete it`).toBeGreaterThan(0);
    const problems = users.flatMap((command) =>
      placeholders(path)
        .filter((placeholder) => !command.text.includes(placeholder))
        .map((placeholder) => `${command.where}: "${command.text.trim()}" reads ${path} but leaves ${placeholder} in it: substitute it (sed "s/${placeholder}/…/g")`),
    );
    expect(problems).toEqual([]);
  });

  it.each(deployFiles.filter((path) => path.endsWith('.json')))('%s is valid JSON once its placeholders are filled in', (path) => {
    const filled = readFileSync(join(ROOT, path), 'utf8').replace(/<[a-z][a-z-]*>/g, 'x');
    expect(() => JSON.parse(filled)).not.toThrow();
  });

  it('every CORS rule shown in the docs is one of the files under deploy/', () => {
    const shipped = deployFiles.filter((path) => path.endsWith('.xml')).map((path) => readFileSync(join(ROOT, path), 'utf8').trim());
    const copies: string[] = [];
    for (const file of files) {
      for (const block of splitCode(file.text).blocks) {
        if (block.lang === 'xml' && !shipped.includes(block.body.trim())) copies.push(`${file.path}:${block.line}: this XML differs from every deploy/*/bucket-cors.xml: show the file as it is`);
      }
    }
    expect(copies).toEqual([]);
  });
});

describe.each(CLOUDS)('the comments of the %s manifest', (cloud) => {
  const manifest = MANIFESTS[cloud].file;
  const text = readFileSync(join(ROOT, manifest), 'utf8');
  const guide = `docs/deploy-${cloud}.md`;

  it('name pages that exist', () => {
    const named = [...text.matchAll(/\b(docs\/[\w-]+\.md|README)\b/g)].map((match) => match[1] ?? '');
    expect(named.filter((page) => page === 'README' || !exists(page)).map((page) => `${manifest} points to ${page}: point to the docs/ page that has it`)).toEqual([]);
  });

  it(`point to steps that exist in ${guide}`, () => {
    const steps = new Set([...(pages.get(guide)?.text ?? '').matchAll(/^## Step (\w+)/gm)].map((match) => match[1]));
    const cited = [...text.matchAll(/\bstep (\d+[a-z]?|[a-z])\b/gi)].map((match) => match[1] ?? '');
    expect(cited.filter((step) => !steps.has(step)).map((step) => `${manifest} cites step ${step}, which ${guide} does not have (steps: ${[...steps].join(', ')})`)).toEqual([]);
  });
});
