/**
 * Aliyun role credentials of the ECS instance RAM role, from the instance metadata service
 * (`http://100.100.100.200` unless `ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT` says otherwise).
 *
 * 1. Security hardening mode (IMDSv2): `PUT /latest/api/token` with `X-aliyun-ecs-metadata-token-ttl-seconds`
 *    gives a session token, sent as `X-aliyun-ecs-metadata-token` on every GET. When no token can be had
 *    (any error or a non-2xx answer), the GETs go without one (normal mode, IMDSv1), unless
 *    `ALIBABA_CLOUD_IMDSV1_DISABLED` forbids it.
 * 2. The role: `ALIBABA_CLOUD_ECS_METADATA`, or the first line of `GET /latest/meta-data/ram/security-credentials/`;
 *    a 404 or an empty list means no role is attached, and the source has nothing.
 * 3. `GET /latest/meta-data/ram/security-credentials/<role>` answers `{Code: "Success", AccessKeyId,
 *    AccessKeySecret, SecurityToken, Expiration}`.
 *
 * `ALIBABA_CLOUD_ECS_METADATA_DISABLED` turns the source off. Every call is bounded by `metadataRequest`.
 * Role names go into the path and tokens into a header, so both are checked before they are sent.
 *
 * @module
 */
import * as z from 'zod/mini';
import { readEnv, type Env } from '../../config/env.js';
import { errorFields, type Logger } from '../../log.js';
import type { Invocation } from '../../invocation.js';
import type { UpstreamResponse } from '../../sts/upstream.js';
import { booleanFlag, metadataEndpoint, metadataRequest, metadataUrl } from '../metadata-http.js';
import type { CredentialSource } from '../types.js';
import { parseAliyunSessionCredentials } from './credentials-uri.js';
import { lazy } from '../../lazy.js';

export const DEFAULT_ECS_METADATA_ENDPOINT = 'http://100.100.100.200';
/** The longest session token the service gives (6 hours), as the official SDK asks for. */
export const ECS_METADATA_TOKEN_TTL_SECONDS = 21_600;
export const ECS_METADATA_TOKEN_TTL_HEADER = 'X-aliyun-ecs-metadata-token-ttl-seconds';
export const ECS_METADATA_TOKEN_HEADER = 'X-aliyun-ecs-metadata-token';

const TOKEN_PATH = '/latest/api/token';
const CREDENTIALS_PATH = '/latest/meta-data/ram/security-credentials/';
const SERVICE = 'ECS metadata service';

/** RAM role names as the metadata path takes them; `.` and `..` alone would walk the path. */
const ROLE_NAME = /^(?!\.+$)[A-Za-z0-9_.@-]{1,64}$/;
const ROLE_NAME_RULE = 'must be 1-64 letters, digits, "_", ".", "@" or "-"';
const roleNameSchema = () => z.string().check(z.regex(ROLE_NAME, ROLE_NAME_RULE));
/** A session token is sent back as a header value: printable ASCII, no spaces. */
const tokenSchema = lazy(() => z.string().check(z.regex(/^[\x21-\x7e]{1,4096}$/)));

export interface EcsRamRoleOptions {
  readonly endpoint: URL;
  /** From `ALIBABA_CLOUD_ECS_METADATA`; discovered from the metadata service when absent. */
  readonly roleName?: string | undefined;
  readonly imdsV1Disabled: boolean;
  readonly disabled: boolean;
}


export function loadEcsRamRoleOptions(env: Env): EcsRamRoleOptions {
  const vars = readEnv(env, {
    ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT: metadataEndpoint(),
    ALIBABA_CLOUD_ECS_METADATA: z.optional(roleNameSchema()),
    ALIBABA_CLOUD_ECS_METADATA_DISABLED: booleanFlag(),
    ALIBABA_CLOUD_IMDSV1_DISABLED: booleanFlag(),
  });
  return {
    endpoint: vars.ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT ?? new URL(DEFAULT_ECS_METADATA_ENDPOINT),
    roleName: vars.ALIBABA_CLOUD_ECS_METADATA,
    imdsV1Disabled: vars.ALIBABA_CLOUD_IMDSV1_DISABLED,
    disabled: vars.ALIBABA_CLOUD_ECS_METADATA_DISABLED,
  };
}

export function ecsRamRoleSource(options: EcsRamRoleOptions): CredentialSource {
  return {
    name: 'ecs-ram-role',
    whenEmpty: options.disabled ? 'disabled by ALIBABA_CLOUD_ECS_METADATA_DISABLED' : 'no RAM role attached to the instance',
    async resolve(invocation, logger) {
      if (options.disabled) return undefined;
      const token = await sessionToken(options, invocation, logger);
      const headers: Record<string, string> = token === undefined ? {} : { [ECS_METADATA_TOKEN_HEADER]: token };
      const get = (path: string) => metadataRequest(SERVICE, metadataUrl(options.endpoint, path), { method: 'GET', headers }, invocation);
      const withToken = token !== undefined;

      const roleName = options.roleName ?? (await discoverRoleName(get, withToken));
      if (roleName === undefined) return undefined;
      const response = await get(CREDENTIALS_PATH + roleName);
      if (!isSuccess(response)) {
        throw new Error(refusal(`the credentials of RAM role ${roleName}`, response.status, withToken));
      }
      return parseAliyunSessionCredentials(response.text, SERVICE, { codeRequired: true });
    },
  };
}

/** The IMDSv2 session token, or `undefined` to go on without one (IMDSv1) when that is allowed. */
async function sessionToken(options: EcsRamRoleOptions, invocation: Invocation, logger: Logger): Promise<string | undefined> {
  // A PUT that times out or cannot connect ends the attempt: the GET would go to the same dead
  // address, and off ECS that would spend the timeout twice. Only an answer that refuses the token
  // (an older instance, a proxy) falls back to IMDSv1.
  const response = await metadataRequest(
    SERVICE,
    metadataUrl(options.endpoint, TOKEN_PATH),
    { method: 'PUT', headers: { [ECS_METADATA_TOKEN_TTL_HEADER]: String(ECS_METADATA_TOKEN_TTL_SECONDS) } },
    invocation,
  );
  const token = z.safeParse(tokenSchema(), response.text.trim());
  if (isSuccess(response) && token.success) return token.data;
  const problem = isSuccess(response) ? 'the token is empty or malformed' : `HTTP ${response.status}`;
  if (options.imdsV1Disabled) {
    throw new Error(`${SERVICE} gave no session token (${problem}), and ALIBABA_CLOUD_IMDSV1_DISABLED forbids requests without one`);
  }
  logger.log('warn', 'no ECS metadata session token; falling back to IMDSv1', { source: 'ecs-ram-role', reason: problem });
  return undefined;
}

/** The attached role's name, or `undefined` when the instance has none. */
async function discoverRoleName(get: (path: string) => Promise<UpstreamResponse>, withToken: boolean): Promise<string | undefined> {
  const response = await get(CREDENTIALS_PATH);
  if (response.status === 404) return undefined;
  if (!isSuccess(response)) throw new Error(refusal('the RAM role list', response.status, withToken));
  const first = response.text
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line.length > 0);
  if (first === undefined) return undefined;
  const roleName = z.safeParse(roleNameSchema(), first);
  if (!roleName.success) throw new Error(`${SERVICE} listed a RAM role name that is not valid (it ${ROLE_NAME_RULE})`);
  return roleName.data;
}

const isSuccess = (response: UpstreamResponse) => response.status >= 200 && response.status <= 299;

function refusal(what: string, status: number, withToken: boolean): string {
  const hint =
    status === 401 || status === 403
      ? withToken
        ? ': the session token was refused'
        : ': the instance may require security hardening mode (IMDSv2), and no session token could be had'
      : status === 404
        ? ': is the role attached to this instance?'
        : '';
  return `${SERVICE} answered HTTP ${status} for ${what}${hint}`;
}
