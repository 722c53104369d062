/**
 * The agency credentials of a Huawei Cloud ECS instance, read from the instance metadata service (reference
 * huawei.md §6), in the order the official Java SDK uses:
 *
 * 1. `PUT /meta-data/latest/api/token` with `X-Metadata-Token-Ttl-Seconds: 21600` → a session token;
 * 2. `GET /openstack/latest/securitykey`, with `X-Metadata-Token: <token>` when step 1 gave one →
 *    `{"credential":{"access","secret","securitytoken","expires_at"}}`.
 *
 * Step 1 failing does not end the attempt when the service answered it:
 * - 404 or 405: the service predates session tokens, and the GET is made without one, as the SDK does;
 * - any other answer (a 5xx, a 403, an unusable token): the GET is still made without a token. The GET is the call
 *   that decides: a service that requires tokens refuses it with a 401 (reported together with what went wrong with
 *   the token), and one that does not hands out the keys, so a token endpoint that fails on its own does not cost
 *   the credentials. Such a failure is logged as a warning.
 * A token request that times out or cannot connect does end the attempt: the GET would go to the same unresponsive
 * host, and a second wait would double the time lost off the cloud, where 169.254.169.254 leads nowhere.
 *
 * An answer of 401 or 404 saying "Please configure Cloud Service Agency first" means no agency is attached to the
 * instance: the source then has nothing. Every call is bounded by {@link metadataRequest}. The credentials are not kept
 * here: wrap the source in `refreshBeforeExpiry`, which goes by the `expiresAt` set below.
 *
 * Errors name what is wrong (a field, a status) but never carry a response body or a value from it, so no key can
 * reach the log through them. Configuration: `HUAWEICLOUD_ECS_METADATA_ENDPOINT` (default `http://169.254.169.254`),
 * `HUAWEICLOUD_ECS_METADATA_DISABLED`.
 *
 * @module
 */
import * as z from 'zod/mini';
import { readEnv, type Env } from '../../config/env.js';
import { serverError, temporarilyUnavailable, type StsgateError } from '../../errors.js';
import type { Invocation } from '../../invocation.js';
import type { Logger } from '../../log.js';
import { parseHuaweiTime } from '../../sts/huawei/responses.js';
import { booleanFlag, credentialValue, metadataEndpoint, metadataRequest, metadataUrl } from '../metadata-http.js';
import type { CredentialSource, RoleCredentials } from '../types.js';
import { lazy } from '../../lazy.js';

export interface HuaweiEcsMetadataOptions {
  readonly endpoint: URL;
  readonly disabled: boolean;
}

export const DEFAULT_HUAWEI_METADATA_ENDPOINT = 'http://169.254.169.254';
const TOKEN_PATH = '/meta-data/latest/api/token';
const SECURITY_KEY_PATH = '/openstack/latest/securitykey';
/** The longest session token the SDKs ask for (six hours); one is used for a single GET anyway. */
const TOKEN_TTL_SECONDS = '21600';
const SERVICE = 'the Huawei ECS metadata service';
const NO_AGENCY = /configure cloud service agency/i;
/** A session token goes into a header: visible ASCII only, and not a whole page of text. */
const SESSION_TOKEN = /^[\x21-\x7e]{1,4096}$/;

export function loadHuaweiEcsMetadataOptions(env: Env): HuaweiEcsMetadataOptions {
  const vars = readEnv(env, {
    HUAWEICLOUD_ECS_METADATA_ENDPOINT: metadataEndpoint(),
    HUAWEICLOUD_ECS_METADATA_DISABLED: booleanFlag(),
  });
  return {
    endpoint: vars.HUAWEICLOUD_ECS_METADATA_ENDPOINT ?? new URL(DEFAULT_HUAWEI_METADATA_ENDPOINT),
    disabled: vars.HUAWEICLOUD_ECS_METADATA_DISABLED,
  };
}

export function huaweiEcsMetadataSource(options: HuaweiEcsMetadataOptions): CredentialSource {
  return {
    name: 'ecs-metadata',
    whenEmpty: options.disabled ? 'disabled by HUAWEICLOUD_ECS_METADATA_DISABLED' : 'no agency attached to the instance',
    async resolve(invocation, logger) {
      if (options.disabled) return undefined;
      const token = await sessionToken(options.endpoint, invocation, logger);
      const headers: Record<string, string> = token.value === undefined ? {} : { 'X-Metadata-Token': token.value };
      const response = await metadataRequest(SERVICE, metadataUrl(options.endpoint, SECURITY_KEY_PATH), { method: 'GET', headers }, invocation);
      if ((response.status === 401 || response.status === 404) && NO_AGENCY.test(response.text)) return undefined;
      if (response.status === 401) {
        throw failure(
          token.value === undefined
            ? `requires a session token (HTTP 401), and the token request failed (${token.problem})`
            : 'refused the session token it had just issued (HTTP 401)',
        );
      }
      if (response.status === 429 || response.status >= 500) {
        throw temporarilyUnavailable(`${SERVICE} is unavailable (HTTP ${response.status} for the security key)`);
      }
      if (response.status !== 200) throw failure(`answered HTTP ${response.status} for the security key`);
      return parseSecurityKey(response.text);
    },
  };
}

/** The session token, or why there is none. Timeouts and connection failures are thrown (see the module comment). */
async function sessionToken(
  endpoint: URL,
  invocation: Invocation,
  logger: Logger,
): Promise<{ value: string; problem?: never } | { value?: never; problem: string }> {
  const response = await metadataRequest(
    SERVICE,
    metadataUrl(endpoint, TOKEN_PATH),
    { method: 'PUT', headers: { 'X-Metadata-Token-Ttl-Seconds': TOKEN_TTL_SECONDS } },
    invocation,
  );
  if (response.status === 404 || response.status === 405) return { problem: `session tokens are not supported (HTTP ${response.status})` };
  const token = response.text.trim();
  const problem =
    response.status < 200 || response.status > 299
      ? `HTTP ${response.status}`
      : !SESSION_TOKEN.test(token)
        ? 'the answer was no usable token'
        : undefined;
  if (problem === undefined) return { value: token };
  logger.log('warn', 'metadata session token request failed; trying without a token', { source: 'ecs-metadata', problem });
  return { problem };
}

// ---------------------------------------------------------------------------------------------------------------------
// The security key document
// ---------------------------------------------------------------------------------------------------------------------

/** `2020-01-08T03:50:07.574000Z`: IAM's form, with any number of fraction digits. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

const SecurityKeyDocument = lazy(() =>
  z.object({
    credential: z.object({
      access: credentialValue(256),
      secret: credentialValue(256),
      securitytoken: credentialValue(16_384),
      expires_at: z.string().check(z.regex(ISO_INSTANT)),
    }),
  }),
);

function parseSecurityKey(text: string): RoleCredentials {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // The SyntaxError is not kept as a cause: its message quotes the body, keys included.
    throw failure('answered with a security key document that is not valid JSON');
  }
  const parsed = z.safeParse(SecurityKeyDocument(), body);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.map(String).join('.') || 'document'))];
    const verb = fields.length > 1 ? 'are' : 'is';
    throw failure(`answered with a security key document whose ${fields.join(', ')} ${verb} missing or invalid`);
  }
  const { access, secret, securitytoken, expires_at } = parsed.data.credential;
  const expiresAt = parseHuaweiTime(expires_at);
  if (!expiresAt) throw failure('answered with a security key document whose credential.expires_at is not a valid time');
  if (expiresAt.getTime() <= Date.now()) throw failure(`answered with credentials that expired at ${expiresAt.toISOString()}`);
  return { accessKeyId: access, accessKeySecret: secret, securityToken: securitytoken, expiresAt };
}

// ---------------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------------


function failure(what: string): StsgateError {
  return serverError(`${SERVICE} ${what}`);
}


