/**
 * Aliyun role credentials from `ALIBABA_CLOUD_CREDENTIALS_URI`: a URL that answers a GET with
 * `{"Code": "Success", "AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration"}` (`Code` optional,
 * `Expiration` ISO 8601), the shape the official credential chain reads.
 *
 * The answer carries a secret, so plain `http://` is accepted only for hosts that cannot be reached over
 * a network: loopback (a sidecar) and link-local 169.254.0.0/16 (a platform agent). Anything else must
 * be `https://`.
 *
 * Also home of {@link parseAliyunSessionCredentials}, the check of that JSON shape, which the ECS
 * metadata service answers too.
 *
 * @module
 */
import * as z from 'zod/mini';
import { readEnv, type Env } from '../../config/env.js';
import { safeUpstreamCode } from '../../errors.js';
import { metadataRequest, optionalHttpEndpoint } from '../metadata-http.js';
import type { CredentialSource, RoleCredentials } from '../types.js';
import { lazy } from '../../lazy.js';

export const CREDENTIALS_URI_VARIABLE = 'ALIBABA_CLOUD_CREDENTIALS_URI';

export interface CredentialsUriOptions {
  readonly uri: URL;
}

/** `undefined` when the variable is unset; a ConfigError naming it when it is malformed or insecure. */
export function loadCredentialsUriOptions(env: Env): CredentialsUriOptions | undefined {
  const vars = readEnv(env, {
    ALIBABA_CLOUD_CREDENTIALS_URI: z.pipe(
      optionalHttpEndpoint(),
      z.transform((url: URL | undefined, ctx): URL | undefined => {
        if (url === undefined || url.protocol === 'https:' || isLocalHost(url.hostname)) return url;
        ctx.issues.push({
          code: 'custom',
          input: undefined,
          message: 'must be an https:// URL (plain http:// only for loopback or link-local 169.254.x.x hosts): the answer carries a secret',
        });
        return z.NEVER;
      }),
    ),
  });
  const uri = vars.ALIBABA_CLOUD_CREDENTIALS_URI;
  return uri === undefined ? undefined : { uri };
}

/** Loopback (127.0.0.0/8, `localhost`, `::1`) or IPv4 link-local; `hostname` as the URL parser normalised it. */
function isLocalHost(hostname: string): boolean {
  if (hostname === 'localhost' || hostname === '[::1]') return true;
  const ipv4 = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(hostname);
  if (!ipv4) return false;
  const first = Number(ipv4[1]);
  return first === 127 || (first === 169 && Number(ipv4[2]) === 254);
}

const SERVICE = 'credentials URI';

export function credentialsUriSource(options: CredentialsUriOptions | undefined): CredentialSource {
  return {
    name: 'credentials-uri',
    whenEmpty: `${CREDENTIALS_URI_VARIABLE} is not set`,
    async resolve(invocation) {
      if (!options) return undefined;
      const response = await metadataRequest(SERVICE, options.uri, { method: 'GET', headers: { accept: 'application/json' } }, invocation);
      // Neither the URI (its query may hold a key) nor the body (it may hold the secret) goes into a message.
      if (response.status < 200 || response.status > 299) throw new Error(`${SERVICE} answered HTTP ${response.status}`);
      return parseAliyunSessionCredentials(response.text, SERVICE, { codeRequired: false });
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// The credentials JSON (shared with the ECS metadata service)
// ---------------------------------------------------------------------------------------------------------------------

/** Printable ASCII without spaces: the values end up in signed headers, where a CR or LF must never get. */
const headerSafe = () => z.string().check(z.regex(/^[\x21-\x7e]{1,16384}$/));

/** `2017-11-01T05:20:01Z`, optionally with fractional seconds or a numeric offset. */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

const SessionCredentialsBody = lazy(() =>
  z.object({
    AccessKeyId: headerSafe(),
    AccessKeySecret: headerSafe(),
    SecurityToken: headerSafe(),
    Expiration: z.string().check(z.regex(ISO_8601)),
  }),
);

export interface ParseSessionCredentialsOptions {
  /** The ECS metadata service always sends `Code`; a credentials URI may leave it out. */
  readonly codeRequired: boolean;
  /** Millisecond clock for the expiry check, default Date.now. */
  readonly now?: () => number;
}

/**
 * Checks a `{Code?, AccessKeyId, AccessKeySecret, SecurityToken, Expiration}` answer from `service`.
 * Throws an Error that names the problem (and at most a sanitised `Code`), never a value from the body.
 */
export function parseAliyunSessionCredentials(text: string, service: string, options: ParseSessionCredentialsOptions): RoleCredentials {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${service} answered a body that is not JSON`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error(`${service} answered JSON that is not an object`);

  const code = z.safeParse(z.object({ Code: z.optional(z.unknown()) }), body);
  const codeValue = code.success ? code.data.Code : undefined;
  if (codeValue === undefined ? options.codeRequired : codeValue !== 'Success') {
    throw new Error(
      codeValue === undefined
        ? `${service} answered without Code "Success"`
        : `${service} answered Code ${safeUpstreamCode(codeValue)} instead of Success`,
    );
  }

  const parsed = z.safeParse(SessionCredentialsBody(), body);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0] ?? '?')))];
    throw new Error(`${service} answered missing or malformed fields: ${fields.join(', ')}`);
  }
  const expiresAtMs = Date.parse(parsed.data.Expiration);
  if (!Number.isFinite(expiresAtMs)) throw new Error(`${service} answered an Expiration that is not a valid time`);
  const expiresAt = new Date(expiresAtMs);
  if (expiresAtMs <= (options.now ?? Date.now)()) throw new Error(`${service} answered credentials that expired at ${expiresAt.toISOString()}`);
  return {
    accessKeyId: parsed.data.AccessKeyId,
    accessKeySecret: parsed.data.AccessKeySecret,
    securityToken: parsed.data.SecurityToken,
    expiresAt,
  };
}
