/**
 * Reads a V8 `.cpuprofile` of a cold start and says where the time went, in terms of our sources: the
 * bundle's minified frames are mapped back through its source map (`node:module` SourceMap), so a
 * frame reads `lib/auth/jwks.ts:30` or `jose`, not `Yo`.
 *
 * Two views:
 * - `byCategory`: self time by what was running (a package inside the bundle, stsgate's own code,
 *   Node's fetch implementation undici, Node's module loader and internals, GC);
 * - `byOwnFrame`: every sample charged to the innermost stsgate frame on its stack (lib/ or functions/),
 *   so the time a library or a lazily loaded Node builtin spends on our behalf lands on the line of
 *   ours that asked for it. Samples with no stsgate frame on the stack are charged to what ran (Node's
 *   start-up, the event loop, an in-process emulator).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileRow {
  readonly what: string;
  readonly ms: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  readonly byCategory: readonly ProfileRow[];
  readonly byOwnFrame: readonly ProfileRow[];
}

interface Located {
  /** `zod`, `jose`, `lib/auth/jwks.ts`, … */
  readonly source: string;
  readonly own: boolean;
  /** `lib/auth/jwks.ts:30 export function createRemoteJwks(…` */
  readonly label: string;
}

/** Maps bundle positions to original sources; anything else is classified by URL. */
function locator(bundlePath: string): (frame: CallFrame) => Located {
  const payload = JSON.parse(readFileSync(`${bundlePath}.map`, 'utf8')) as SourceMapPayload & { sourcesContent?: (string | null)[] };
  const map = new SourceMap(payload);
  const lines = new Map<string, string[]>();
  const cache = new Map<string, Located>();
  return (frame) => {
    const key = `${frame.url}:${frame.lineNumber}:${frame.columnNumber}:${frame.functionName}`;
    const hit = cache.get(key);
    if (hit) return hit;
    let located: Located;
    if (frame.url.endsWith(bundlePath) || frame.url === `file://${bundlePath}`) {
      const entry = map.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string; originalLine?: number };
      const original = (entry.originalSource ?? 'unknown').replace(/^.*?\.\.\/\.\.\//, '').replace(/^file:\/\/.*?\/(lib|functions|node_modules)\//, '$1/');
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(original)?.[1];
      const own = !pkg && /^(lib|functions)\//.test(original);
      const index = payload.sources.findIndex((s) => s.endsWith(original));
      if (!lines.has(original)) lines.set(original, (payload.sourcesContent?.[index] ?? '').split('\n'));
      const text = (lines.get(original)![entry.originalLine ?? -1] ?? '').trim().slice(0, 70);
      located = { source: pkg ?? original, own, label: `${pkg ?? original}:${(entry.originalLine ?? 0) + 1} ${text}` };
    } else if (frame.url.includes('/emulators/')) {
      located = { source: 'emulator (serving STS/IAM in the same process)', own: false, label: frame.url };
    } else if (frame.url.includes('/bench/') || frame.url.includes('/test/helpers/') || frame.url.includes('/node_modules/')) {
      located = { source: 'bench harness and its libraries', own: false, label: frame.url };
    } else if (frame.url.includes('internal/deps/undici')) {
      located = { source: 'node: undici (fetch, Headers)', own: false, label: 'undici' };
    } else if (frame.url === '' && frame.functionName.startsWith('(')) {
      located = { source: `v8: ${frame.functionName}`, own: false, label: frame.functionName };
    } else if (/internal\/(modules|bootstrap)/.test(frame.url)) {
      located = { source: 'node: module loading and compiling', own: false, label: frame.url };
    } else {
      const module = frame.url.replace(/^node:(internal\/)?/, '').replace(/\/.*$/, '');
      located = { source: module ? `node: ${module}` : `native: ${frame.functionName || 'anonymous'}`, own: false, label: frame.url || frame.functionName };
    }
    cache.set(key, located);
    return located;
  };
}

const PSEUDO: Record<string, string> = {
  '(idle)': 'idle: the main thread waiting (network I/O, timers, WebCrypto jobs on the thread pool)',
  '(program)': 'native code V8 does not attribute (start-up, compiling, the profiler)',
  '(garbage collector)': 'garbage collector',
};

/** `profile` is a `.cpuprofile` path or the profile itself (as node:inspector's Profiler.stop gives it). */
export function summarizeProfile(profileOrPath: CpuProfile | string, bundlePath: string, top = 15): ProfileSummary {
  const profile = typeof profileOrPath === 'string' ? (JSON.parse(readFileSync(profileOrPath, 'utf8')) as CpuProfile) : profileOrPath;
  const locate = locator(bundlePath);
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const byCategory = new Map<string, number>();
  const byOwn = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    total += us;
    const node = nodes.get(id)!;
    const self = locate(node.callFrame);
    const category = self.own ? 'stsgate (lib/, functions/)' : self.source;
    byCategory.set(category, (byCategory.get(category) ?? 0) + us);
    // V8's pseudo-frames have no stack: waiting, unattributed native work, GC are their own rows.
    let owner = self.source.startsWith('v8: ') ? PSEUDO[self.label] ?? self.source : `outside any stsgate call: ${self.source}`;
    if (!self.source.startsWith('v8: ')) for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const located = locate(nodes.get(at)!.callFrame);
      if (located.own) {
        owner = located.label;
        break;
      }
    }
    byOwn.set(owner, (byOwn.get(owner) ?? 0) + us);
  });
  const rows = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([what, us]) => ({ what, ms: Math.round(us / 10) / 100 }));
  return { totalMs: Math.round(total / 10) / 100, byCategory: rows(byCategory), byOwnFrame: rows(byOwn) };
}
