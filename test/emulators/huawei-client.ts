/**
 * The signing client of the Huawei emulator tests: requests signed by the official SDK signer
 * (@huaweicloud/huaweicloud-sdk-core, CommonJS, typed locally), and edits of a signed request for tampering cases.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Sendable } from './http-client';

type SdkSigner = {
  sign(
    request: { endpoint: string; method: string; headers: Record<string, string>; data?: unknown },
    credential: { getAk(): string; getSk(): string },
  ): Record<string, string>;
};
const require = createRequire(import.meta.url);
const { AKSKSigner } = require('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner') as { AKSKSigner: SdkSigner };

export interface HuaweiTestCaller {
  ak: string;
  sk: string;
  /** The X-Security-Token a temporary key sends. */
  token?: string;
}

export const sdkDate = (ms: number): string => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');

/** What a test may change about a signed request. */
export interface HuaweiSignOptions {
  /** Raw body text instead of the JSON body, signed through X-Sdk-Content-Sha256. */
  raw?: string;
  caller?: HuaweiTestCaller;
  headers?: Record<string, string>;
  /** Millisecond time of X-Sdk-Date. */
  date?: number;
  method?: string;
  path?: string;
}

/** What a test file fixes: the emulator, the API's path and Content-Type, and the defaults of the options. */
export interface HuaweiSignDefaults {
  /** The emulator's base URL. */
  url: string;
  path: string;
  contentType: string;
  caller: HuaweiTestCaller;
  date: number;
  /** The JSON body (serialised as the SDK does), unless `raw` is given. */
  data: unknown;
}

/**
 * Signs with the official SDK signer, which signs every header it is given. Raw bodies are signed through
 * X-Sdk-Content-Sha256 (the SDK otherwise hashes JSON.stringify of its data).
 */
export function signWithSdk(options: HuaweiSignOptions, defaults: HuaweiSignDefaults): Sendable {
  const caller = options.caller ?? defaults.caller;
  const headers: Record<string, string> = {
    'Content-Type': defaults.contentType,
    'X-Sdk-Date': sdkDate(options.date ?? defaults.date),
    ...(caller.token !== undefined && { 'X-Security-Token': caller.token }),
    ...(options.raw !== undefined && { 'X-Sdk-Content-Sha256': createHash('sha256').update(options.raw).digest('hex') }),
    ...options.headers,
  };
  const data = options.raw === undefined ? defaults.data : undefined;
  const method = options.method ?? 'POST';
  const path = options.path ?? defaults.path;
  const out = AKSKSigner.sign({ endpoint: `${defaults.url}${path}`, method, headers, ...(data !== undefined && { data }) }, { getAk: () => caller.ak, getSk: () => caller.sk });
  return { method, path, headers: out, body: options.raw ?? JSON.stringify(data) };
}

/** The request with one header replaced after signing. */
export const withHeader = (name: string, value: string) => (request: Sendable): Sendable => ({ ...request, headers: { ...request.headers, [name]: value } });

/** The request with its Authorization header edited after signing. */
export const withAuthorization = (edit: (value: string) => string) => (request: Sendable): Sendable => ({
  ...request,
  headers: { ...request.headers, Authorization: edit(String(request.headers['Authorization'])) },
});
