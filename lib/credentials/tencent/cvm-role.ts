/**
 * The CAM role of a Tencent Cloud CVM instance, read from the instance metadata service (reference tencent.md §2.4):
 *
 * 1. the role name: `TENCENTCLOUD_CVM_ROLE`, or else `GET /latest/meta-data/cam/security-credentials/`, whose body is
 *    the name of the attached role (404 or an empty body: no role, and this source has nothing);
 * 2. `GET /latest/meta-data/cam/security-credentials/<role>` →
 *    `{"TmpSecretId","TmpSecretKey","Token","ExpiredTime","Expiration","Code":"Success"}`.
 *
 * For running the token service on a CVM (or locally against the emulator); SCF hands its keys over in the
 * environment instead. Every call is bounded by {@link metadataRequest}. The credentials are not kept here: wrap the
 * source in `refreshBeforeExpiry`, which goes by the `expiresAt` set below.
 *
 * Errors name what is wrong (a field, a status, the service's `Code`) but never carry a response body or a value from
 * it, so no key can reach the log through them. Configuration: `TENCENTCLOUD_METADATA_ENDPOINT` (default
 * `http://metadata.tencentyun.com`), `TENCENTCLOUD_CVM_ROLE`, `TENCENTCLOUD_CVM_ROLE_DISABLED`.
 *
 * @module
 */
import * as z from 'zod/mini';
import { readEnv, type Env } from '../../config/env.js';
import { safeUpstreamCode, serverError, temporarilyUnavailable, type StsgateError } from '../../errors.js';
import type { Invocation } from '../../invocation.js';
import { booleanFlag, credentialValue, metadataEndpoint, metadataRequest, metadataUrl } from '../metadata-http.js';
import type { CredentialSource, RoleCredentials } from '../types.js';
import { lazy } from '../../lazy.js';

export interface CvmRoleOptions {
  readonly endpoint: URL;
  /** The configured role; when absent the role attached to the instance is discovered on every resolve. */
  readonly roleName?: string;
  readonly disabled: boolean;
}

export const DEFAULT_TENCENT_METADATA_ENDPOINT = 'http://metadata.tencentyun.com';
const ROLE_LIST_PATH = '/latest/meta-data/cam/security-credentials/';
const SERVICE = 'the Tencent CVM metadata service';

/** CAM role names; `.` and `..` match the characters but would walk the URL path, so they are refused. */
const ROLE_NAME = /^[A-Za-z0-9_.@+=,-]{1,128}$/;
const isRoleName = (value: string): boolean => ROLE_NAME.test(value) && !/^\.{1,2}$/.test(value);

export function loadCvmRoleOptions(env: Env): CvmRoleOptions {
  const vars = readEnv(env, {
    TENCENTCLOUD_METADATA_ENDPOINT: metadataEndpoint(),
    TENCENTCLOUD_CVM_ROLE: z.optional(
      z.string().check(z.refine(isRoleName, 'must be a CAM role name: 1-128 of A-Z a-z 0-9 _ . @ + = , - (not . or ..)')),
    ),
    TENCENTCLOUD_CVM_ROLE_DISABLED: booleanFlag(),
  });
  return {
    endpoint: vars.TENCENTCLOUD_METADATA_ENDPOINT ?? new URL(DEFAULT_TENCENT_METADATA_ENDPOINT),
    ...(vars.TENCENTCLOUD_CVM_ROLE === undefined ? {} : { roleName: vars.TENCENTCLOUD_CVM_ROLE }),
    disabled: vars.TENCENTCLOUD_CVM_ROLE_DISABLED,
  };
}

export function cvmRoleSource(options: CvmRoleOptions): CredentialSource {
  return {
    name: 'cvm-role',
    whenEmpty: options.disabled ? 'disabled by TENCENTCLOUD_CVM_ROLE_DISABLED' : 'no CAM role attached to the instance',
    async resolve(invocation) {
      if (options.disabled) return undefined;
      const roleName = options.roleName ?? (await discoverRole(options.endpoint, invocation));
      if (roleName === undefined) return undefined;
      return fetchRoleCredentials(options.endpoint, roleName, invocation);
    },
  };
}

async function discoverRole(endpoint: URL, invocation: Invocation): Promise<string | undefined> {
  const response = await metadataRequest(SERVICE, metadataUrl(endpoint, ROLE_LIST_PATH), { method: 'GET' }, invocation);
  if (response.status === 404) return undefined;
  if (response.status !== 200) throw statusError(response.status, 'the role name');
  const roleName = response.text.trim();
  if (roleName === '') return undefined;
  // Not echoed: a body that is no role name is not known to be harmless.
  if (!isRoleName(roleName)) throw failure('answered the role name request with something that is not a CAM role name');
  return roleName;
}

async function fetchRoleCredentials(endpoint: URL, roleName: string, invocation: Invocation): Promise<RoleCredentials> {
  // The name's characters are all allowed in a path segment as they are (RFC 3986 pchar), so it goes in unescaped.
  const response = await metadataRequest(SERVICE, metadataUrl(endpoint, ROLE_LIST_PATH + roleName), { method: 'GET' }, invocation);
  if (response.status === 404) throw failure(`has no credentials for the role "${roleName}" (HTTP 404)`);
  if (response.status !== 200) throw statusError(response.status, `the credentials of the role "${roleName}"`);
  return parseCredentialDocument(response.text);
}

// ---------------------------------------------------------------------------------------------------------------------
// The credentials document
// ---------------------------------------------------------------------------------------------------------------------

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

const CredentialDocument = lazy(() =>
  z.object({
    TmpSecretId: credentialValue(256),
    TmpSecretKey: credentialValue(256),
    Token: credentialValue(16_384),
    /** Unix seconds; the bound refuses milliseconds, which would keep the keys cached for millennia. */
    ExpiredTime: z.optional(z.int().check(z.positive(), z.lte(9_999_999_999))),
    Expiration: z.optional(z.string().check(z.regex(ISO_INSTANT))),
  }),
);

/** How far ExpiredTime (whole seconds) and Expiration may lie apart and still be the same instant. */
const EXPIRY_AGREEMENT_MS = 1000;

function parseCredentialDocument(text: string): RoleCredentials {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // The SyntaxError is not kept as a cause: its message quotes the body, keys included.
    throw failure('answered with a credentials document that is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw failure('answered with a credentials document that is not a JSON object');
  }
  const code = (body as Record<string, unknown>).Code;
  if (code !== 'Success') {
    throw failure(code === undefined ? 'answered without Code "Success"' : `answered Code "${safeUpstreamCode(code)}"`);
  }
  const parsed = z.safeParse(CredentialDocument(), body);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.map(String).join('.') || 'document'))];
    const verb = fields.length > 1 ? 'are' : 'is';
    throw failure(`answered with a credentials document whose ${fields.join(', ')} ${verb} missing or invalid`);
  }
  const document = parsed.data;
  return {
    accessKeyId: document.TmpSecretId,
    accessKeySecret: document.TmpSecretKey,
    securityToken: document.Token,
    expiresAt: expiryOf(document.ExpiredTime, document.Expiration),
  };
}

function expiryOf(expiredTime: number | undefined, expiration: string | undefined): Date {
  const fromSeconds = expiredTime === undefined ? undefined : new Date(expiredTime * 1000);
  const fromIso = expiration === undefined ? undefined : new Date(expiration);
  if (fromIso !== undefined && Number.isNaN(fromIso.getTime())) {
    throw failure('answered with a credentials document whose Expiration is not a valid time');
  }
  if (fromSeconds && fromIso && Math.abs(fromSeconds.getTime() - fromIso.getTime()) > EXPIRY_AGREEMENT_MS) {
    const times = `ExpiredTime (${fromSeconds.toISOString()}) and Expiration (${fromIso.toISOString()})`;
    throw failure(`answered with a credentials document whose ${times} disagree`);
  }
  // Of two agreeing times, the earlier: the keys are certainly valid until then.
  const expiresAt = fromSeconds && fromIso ? (fromSeconds < fromIso ? fromSeconds : fromIso) : (fromSeconds ?? fromIso);
  if (!expiresAt) throw failure('answered with a credentials document without ExpiredTime or Expiration');
  if (expiresAt.getTime() <= Date.now()) {
    throw failure(`answered with credentials that expired at ${expiresAt.toISOString()}`);
  }
  return expiresAt;
}

// ---------------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------------


function failure(what: string): StsgateError {
  return serverError(`${SERVICE} ${what}`);
}

/** Throttling and server trouble are worth another try later; anything else is a plain failure. */
function statusError(status: number, what: string): StsgateError {
  return status === 429 || status >= 500
    ? temporarilyUnavailable(`${SERVICE} is unavailable (HTTP ${status} for ${what})`)
    : failure(`answered HTTP ${status} for ${what}`);
}


