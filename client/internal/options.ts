/**
 * The client's options with defaults applied, checked once at construction so a typo fails loudly at
 * start-up instead of as odd timing hours later.
 *
 * @module
 */
import type { StsClientOptions, TokenRequest } from '../types.js';
import { canonicalRequest } from './request-body.js';
import { routeUrl } from './routes.js';

export interface ResolvedOptions {
  readonly endpoint: string;
  readonly getToken: StsClientOptions['getToken'];
  readonly refreshWhenRemaining: number;
  readonly request: TokenRequest | undefined;
  readonly maxAttempts: number;
  readonly baseBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly timeoutMs: number;
  readonly uploadsEndpoint: string;
  readonly downloadsEndpoint: string;
  readonly fetch: typeof fetch;
  /** The XMLHttpRequest to upload with, looked up per call; undefined where there is none. */
  readonly XMLHttpRequest: () => typeof XMLHttpRequest | undefined;
  readonly now: () => number;
  readonly random: () => number;
}

export const DEFAULTS = {
  refreshWhenRemaining: 0.5,
  maxAttempts: 3,
  baseBackoffMs: 200,
  maxBackoffMs: 5000,
  timeoutMs: 10_000,
} as const;

/** Browsers and Node turn a larger setTimeout delay into 1 ms, which would make a long timeout instant. */
const MAX_TIMER_MS = 2_147_483_647;

export function resolveOptions(options: StsClientOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('createStsClient: options must be an object');
  for (const name of ['endpoint', 'uploadsEndpoint', 'downloadsEndpoint'] as const) {
    const value: unknown = options[name];
    if ((name === 'endpoint' || value !== undefined) && (typeof value !== 'string' || value.trim() === '')) {
      throw new TypeError(`createStsClient: options.${name} must be a non-empty URL string`);
    }
  }
  requireFunction(options, 'getToken');
  for (const name of ['fetch', 'XMLHttpRequest', 'now', 'random'] as const) if (options[name] !== undefined) requireFunction(options, name);
  if (options.fetch === undefined && typeof globalThis.fetch !== 'function') {
    throw new TypeError('createStsClient: there is no global fetch here; pass options.fetch');
  }
  if (options.request !== undefined) {
    try {
      canonicalRequest(options.request);
    } catch (error) {
      throw new TypeError(`createStsClient: options.${(error as Error).message}`);
    }
  }

  const refreshWhenRemaining = numberOption(options, 'refreshWhenRemaining', (v) => v > 0 && v < 1, 'a number between 0 and 1 (exclusive)');
  const maxAttempts = numberOption(options, 'maxAttempts', (v) => Number.isInteger(v) && v >= 1 && v <= 100, 'an integer from 1 to 100');
  const baseBackoffMs = numberOption(options, 'baseBackoffMs', (v) => v >= 0 && v <= MAX_TIMER_MS, `a number of ms from 0 to ${MAX_TIMER_MS}`);
  const maxBackoffMs = numberOption(options, 'maxBackoffMs', (v) => v >= 0 && v <= MAX_TIMER_MS, `a number of ms from 0 to ${MAX_TIMER_MS}`);
  const timeoutMs = numberOption(options, 'timeoutMs', (v) => v > 0 && v <= MAX_TIMER_MS, `a number of ms above 0 and at most ${MAX_TIMER_MS}`);

  const injectedFetch = options.fetch;
  const injectedXhr = options.XMLHttpRequest as typeof XMLHttpRequest | undefined;
  return {
    endpoint: options.endpoint,
    getToken: options.getToken,
    refreshWhenRemaining,
    request: options.request,
    maxAttempts,
    baseBackoffMs,
    maxBackoffMs,
    timeoutMs,
    // Looked up per call, so a polyfill installed after construction is used. Called as a plain function:
    // a browser's fetch throws "Illegal invocation" when called as a method of another object.
    fetch: (input, init) => (injectedFetch ?? globalThis.fetch)(input, init),
    uploadsEndpoint: options.uploadsEndpoint ?? routeUrl(options.endpoint, 'uploads'),
    downloadsEndpoint: options.downloadsEndpoint ?? routeUrl(options.endpoint, 'downloads'),
    XMLHttpRequest: () => injectedXhr ?? (globalThis as { XMLHttpRequest?: typeof XMLHttpRequest }).XMLHttpRequest,
    now: options.now ?? (() => Date.now()),
    random: options.random ?? Math.random,
  };
}

type NumberOptionName = 'refreshWhenRemaining' | 'maxAttempts' | 'baseBackoffMs' | 'maxBackoffMs' | 'timeoutMs';

function numberOption(options: StsClientOptions, name: NumberOptionName, valid: (value: number) => boolean, expected: string): number {
  const value: unknown = options[name];
  if (value === undefined) return DEFAULTS[name];
  if (typeof value !== 'number' || !Number.isFinite(value) || !valid(value)) {
    throw new TypeError(`createStsClient: options.${name} must be ${expected}, got ${describe(value)}`);
  }
  return value;
}

function requireFunction(options: StsClientOptions, name: 'getToken' | 'fetch' | 'XMLHttpRequest' | 'now' | 'random'): void {
  if (typeof options[name] !== 'function') throw new TypeError(`createStsClient: options.${name} must be a function`);
}

/** Numbers are safe to echo back; anything else is named only by its type (it might be a secret pasted in the wrong place). */
function describe(value: unknown): string {
  return typeof value === 'number' ? String(value) : typeof value;
}
