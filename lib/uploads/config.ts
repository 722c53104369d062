/**
 * The variables of the signing routes, read and checked at cold start like every other section:
 *
 * - `UPLOAD_MAX_SIZE`: the largest upload a grant without `maxSize` may sign, in bytes; the ceiling of a
 *   form's `content-length-range`. Default, and at most, the cloud's own limit for one PUT or POST (5 GiB
 *   on all three).
 * - `UPLOAD_URL_SECONDS`: how long a signed form or URL stays valid; 60 to 3600, default 300. A download's
 *   `expiresIn` is capped by it.
 * - `STORAGE_ENDPOINT`: where the signed requests go when not to the bucket's public endpoint (a custom
 *   domain, an acceleration endpoint, a VPC endpoint, a local stand-in); an origin, https unless loopback.
 * - `STORAGE_ADDRESSING`: how the bucket appears in the URL (`virtual-hosted`, `path`, `endpoint`), only
 *   with `STORAGE_ENDPOINT`.
 *
 * @module
 */
import { isIP } from 'node:net';
import * as z from 'zod/mini';
import { parseEndpoint } from '../config/endpoint.js';
import { type Env, optionalInt, readEnv } from '../config/env.js';
import { ConfigError } from '../errors.js';
import type { Addressing, SignerCapabilities } from '../sign/types.js';

export interface UploadConfig {
  /** The largest upload a grant without its own `maxSize` gets signed. */
  readonly maxSize: number;
  /** Whether `UPLOAD_MAX_SIZE` lowered the cloud's own limit: a limit then, which a PUT must be able to hold. */
  readonly maxSizeLowered: boolean;
  /** Lifetime of every signature, in seconds; the longest a download may ask for. */
  readonly urlSeconds: number;
  readonly endpoint: URL | undefined;
  readonly addressing: Addressing;
}

export const MIN_URL_SECONDS = 60;
export const MAX_URL_SECONDS = 3600;
export const DEFAULT_URL_SECONDS = 300;

const ADDRESSING = ['virtual-hosted', 'path', 'endpoint'] as const;

const storageEndpoint = z.pipe(
  z.optional(z.string()),
  z.transform((value, ctx): URL | undefined => {
    if (value === undefined) return undefined;
    const url = parseEndpoint(value);
    const problem =
      typeof url === 'string' ? url : url.search || (url.pathname !== '/' && url.pathname !== '') ? 'must be an origin (scheme, host and port) without a path or query' : undefined;
    if (problem !== undefined || typeof url === 'string') {
      ctx.issues.push({ code: 'custom', input: value, message: problem ?? 'is invalid' });
      return z.NEVER;
    }
    return url;
  }),
);

export function loadUploadConfig(env: Env, capabilities: SignerCapabilities): UploadConfig {
  const vars = readEnv(env, {
    UPLOAD_MAX_SIZE: optionalInt(1, capabilities.maxObjectBytes, capabilities.maxObjectBytes),
    UPLOAD_URL_SECONDS: optionalInt(MIN_URL_SECONDS, MAX_URL_SECONDS, DEFAULT_URL_SECONDS),
    STORAGE_ENDPOINT: storageEndpoint,
    STORAGE_ADDRESSING: z.optional(z.enum(ADDRESSING, `must be one of ${ADDRESSING.join(', ')}`)),
  });
  const endpoint = vars.STORAGE_ENDPOINT;
  const addressing = vars.STORAGE_ADDRESSING ?? 'virtual-hosted';
  if (vars.STORAGE_ADDRESSING !== undefined && endpoint === undefined) {
    throw new ConfigError([{ variable: 'STORAGE_ADDRESSING', message: 'has no effect without STORAGE_ENDPOINT' }]);
  }
  if (endpoint && addressing === 'virtual-hosted' && isIP(endpoint.hostname.replace(/^\[|\]$/g, '')) !== 0) {
    throw new ConfigError([
      { variable: 'STORAGE_ADDRESSING', message: 'must be "path" or "endpoint" when STORAGE_ENDPOINT is an IP address: its host name cannot carry the bucket' },
    ]);
  }
  return {
    maxSize: vars.UPLOAD_MAX_SIZE,
    maxSizeLowered: vars.UPLOAD_MAX_SIZE < capabilities.maxObjectBytes,
    urlSeconds: vars.UPLOAD_URL_SECONDS,
    endpoint,
    addressing,
  };
}
