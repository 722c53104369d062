/**
 * Just enough Markdown reading for the docs tests: headings and their GitHub anchors, links, fenced code
 * blocks, inline code and pipe tables, each with the line it starts on so a failure can point at it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const ROOT = new URL('../../', import.meta.url).pathname;

export interface MarkdownFile {
  /** Path from the repository root, e.g. `docs/configuration.md`. */
  readonly path: string;
  readonly text: string;
}

/** README.md and every Markdown file under docs/. */
export function documentation(): MarkdownFile[] {
  const docs = readdirSync(join(ROOT, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.md'))
    .map((name) => join('docs', name));
  // client/README.md is the page npm shows for @stsgate/client.
  return ['README.md', 'client/README.md', ...docs.sort()].map((path) => ({ path, text: readFileSync(join(ROOT, path), 'utf8') }));
}

export const readMarkdown = (path: string): MarkdownFile => ({ path, text: readFileSync(join(ROOT, path), 'utf8') });

export const fromRoot = (absolute: string) => relative(ROOT, absolute);

export interface CodeBlock {
  readonly lang: string;
  readonly body: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
}

/** The lines outside fenced code blocks (code lines blanked, so line numbers stay true), and the blocks. */
export function splitCode(text: string): { prose: string[]; blocks: CodeBlock[] } {
  const prose: string[] = [];
  const blocks: CodeBlock[] = [];
  let open: { fence: string; lang: string; line: number; body: string[] } | undefined;
  text.split('\n').forEach((line, index) => {
    const fence = /^\s*(`{3,}|~{3,})\s*([\w-]*)/.exec(line);
    if (open) {
      if (fence && fence[1]?.startsWith(open.fence) && line.trim() === fence[1]) {
        blocks.push({ lang: open.lang, body: open.body.join('\n'), line: open.line });
        open = undefined;
      } else {
        open.body.push(line);
      }
      prose.push('');
    } else if (fence) {
      open = { fence: fence[1] ?? '```', lang: fence[2] ?? '', line: index + 1, body: [] };
      prose.push('');
    } else {
      prose.push(line);
    }
  });
  return { prose, blocks };
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens, `-1`, `-2` for repeats. */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const line of splitCode(text).prose) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = (heading[1] ?? '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

export interface Found {
  readonly text: string;
  readonly line: number;
}

/** Every match of `pattern` (its group 1) in the lines outside fenced code, after `clean` ran on each line. */
function inProse(text: string, pattern: RegExp, clean: (line: string) => string = (line) => line): Found[] {
  return splitCode(text).prose.flatMap((line, index) => [...clean(line).matchAll(pattern)].map((match) => ({ text: match[1] ?? '', line: index + 1 })));
}

/** Inline links and images outside code (`[text](target)`): `text` is the target. */
export const links = (text: string): Found[] =>
  inProse(text, /!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g, (line) => line.replace(/`[^`]*`/g, ''));

/** `inline code` spans outside fenced blocks. */
export const inlineCode = (text: string): Found[] => inProse(text, /`([^`]+)`/g);

export interface Table {
  readonly header: readonly string[];
  readonly rows: readonly { readonly cells: readonly string[]; readonly line: number }[];
}

/** Cells of one table row; `\|` stays inside a cell. */
const cells = (line: string): string[] =>
  line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());

/** Every pipe table outside code: its header cells and its body rows. */
export function tables(text: string): Table[] {
  const result: Table[] = [];
  const lines = splitCode(text).prose;
  for (let i = 0; i + 1 < lines.length; i++) {
    const head = lines[i] ?? '';
    if (!head.trim().startsWith('|') || !/^\s*\|?\s*:?-{3,}/.test(lines[i + 1] ?? '')) continue;
    const rows: { cells: string[]; line: number }[] = [];
    let j = i + 2;
    for (; j < lines.length && (lines[j] ?? '').trim().startsWith('|'); j++) rows.push({ cells: cells(lines[j] ?? ''), line: j + 1 });
    result.push({ header: cells(head), rows });
    i = j;
  }
  return result;
}
