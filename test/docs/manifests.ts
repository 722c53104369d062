/**
 * The three deploy manifests as data: which variables each passes to its function (the environment
 * block) and which other settings it reads from the deployer's environment, in each tool's own syntax.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Cloud } from './environment-scenarios.js';
import { ROOT } from './markdown.js';

export interface ManifestFormat {
  readonly file: string;
  /** Where the function's environment block is, as keys from the document root. */
  readonly environmentPath: readonly string[];
  /** One reference to the deployer's environment; group 1 the name, group 2 a default if the syntax has one. */
  readonly reference: RegExp;
  /** The line a deployer adds to pass `name` through unchanged. */
  entry(name: string): string;
}

export const MANIFESTS: Record<Cloud, ManifestFormat> = {
  aliyun: {
    file: 's.yaml',
    environmentPath: ['resources', 'stsgate', 'props', 'environmentVariables'],
    reference: /\$\{env\('([A-Za-z0-9_]+)'(?:\s*,\s*'([^']*)')?\)\}/g,
    entry: (name) => `${name}: \${env('${name}', '')}`,
  },
  tencent: {
    file: 'serverless.yml',
    environmentPath: ['inputs', 'environment', 'variables'],
    reference: /\$\{env:([A-Za-z0-9_]+)\}/g,
    entry: (name) => `${name}: \${env:${name}}`,
  },
  huawei: {
    file: 's.huawei.yaml',
    environmentPath: ['services', 'stsgate', 'props', 'function', 'environmentVariables'],
    reference: /\$\{env\(([A-Za-z0-9_]+)\)\}/g,
    entry: (name) => `${name}: \${env(${name})}`,
  },
};

export interface PassedVariable {
  /** The value as written, e.g. `${env('TOKEN_ACTIONS', 'put')}`. */
  readonly value: string;
  /** The deployer's variable it reads, when the value is exactly one reference. */
  readonly source: string | undefined;
  readonly fallback: string | undefined;
}

export interface Manifest {
  readonly format: ManifestFormat;
  /** The function's environment block, by variable name. */
  readonly passes: ReadonlyMap<string, PassedVariable>;
  /** Names read from the deployer's environment anywhere else in the file. */
  readonly settings: ReadonlySet<string>;
}

/** Every string value under `node`, except inside `skip`. */
function strings(node: unknown, skip?: unknown, out: string[] = []): string[] {
  if (node === skip) return out;
  if (typeof node === 'string') out.push(node);
  else if (Array.isArray(node)) for (const item of node) strings(item, skip, out);
  else if (node && typeof node === 'object') for (const value of Object.values(node)) strings(value, skip, out);
  return out;
}

export function readManifest(cloud: Cloud): Manifest {
  const format = MANIFESTS[cloud];
  const document = parse(readFileSync(join(ROOT, format.file), 'utf8')) as unknown;
  let block: unknown = document;
  for (const key of format.environmentPath) block = (block as Record<string, unknown> | undefined)?.[key];
  if (!block || typeof block !== 'object' || Array.isArray(block)) {
    throw new Error(`${format.file} has no environment block at ${format.environmentPath.join('.')}`);
  }

  const passes = new Map<string, PassedVariable>();
  for (const [name, raw] of Object.entries(block as Record<string, unknown>)) {
    const value = raw === null || raw === undefined ? '' : String(raw);
    const whole = new RegExp(`^${format.reference.source}$`).exec(value);
    passes.set(name, { value, source: whole?.[1], fallback: whole?.[2] });
  }

  const settings = new Set<string>();
  for (const text of strings(document, block)) {
    for (const match of text.matchAll(format.reference)) settings.add(match[1] ?? '');
  }
  return { format, passes, settings };
}
