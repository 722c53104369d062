/**
 * Tencent Cloud STS `AssumeRole` (2018-08-13), API 3.0 style: a JSON body, the TC3-HMAC-SHA256
 * signature, and the caller's temporary token in `X-TC-Token`. Inside SCF the function only holds its
 * execution role's temporary keys, and `GetFederationToken` accepts permanent keys only, so AssumeRole
 * (with a session policy) is the one way to issue scoped keys.
 *
 * @module
 */
import * as z from 'zod/mini';
import type { RoleCredentials } from '../../credentials/types.js';
import { safeUpstreamCode, temporarilyUnavailable, upstreamError, upstreamThrottling } from '../../errors.js';
import type { IssuedCredentials, StsCallInput } from '../types.js';
import { exchange } from '../upstream.js';
import { signTc3 } from './tc3-signature.js';
import { lazy } from '../../lazy.js';

export const STS_SERVICE = 'Tencent Cloud STS';

export interface TencentAssumeRoleInput extends StsCallInput {
  /** The `X-TC-Region` common parameter, required by AssumeRole. */
  readonly region: string;
  readonly roleArn: string;
  readonly sessionName: string;
  /** The policy JSON text; URL-encoded here, as the API requires. */
  readonly policy: string;
}

const responseSchema = lazy(() =>
  z.object({
    Response: z.object({
      Error: z.optional(z.object({ Code: z.optional(z.unknown()) })),
      Credentials: z.optional(
        z.object({
          TmpSecretId: z.string().check(z.minLength(1)),
          TmpSecretKey: z.string().check(z.minLength(1)),
          Token: z.string().check(z.minLength(1)),
        }),
      ),
      ExpiredTime: z.optional(z.number()),
      // Documented as possibly null.
      Expiration: z.optional(z.nullable(z.string())),
    }),
  }),
);

/** Error codes that mean "slow down": the frequency limits (`InvalidParameter.OverLimit` is 超过频率限制). */
const isThrottling = (code: string) => code.startsWith('RequestLimitExceeded') || code === 'InvalidParameter.OverLimit';

export async function assumeRoleTencent(input: TencentAssumeRoleInput): Promise<IssuedCredentials> {
  const payload = JSON.stringify({
    RoleArn: input.roleArn,
    RoleSessionName: input.sessionName,
    DurationSeconds: input.durationSeconds,
    Policy: encodeURIComponent(input.policy),
  });
  const timestamp = Math.floor(Date.now() / 1000);
  const contentType = 'application/json';
  const { authorization } = signTc3(
    {
      method: 'POST',
      host: input.endpoint.host,
      path: input.endpoint.pathname || '/',
      query: '',
      signedHeaders: { 'content-type': contentType },
      payload,
      service: 'sts',
      timestamp,
    },
    { secretId: input.credentials.accessKeyId, secretKey: input.credentials.accessKeySecret },
  );
  const headers: Record<string, string> = {
    'Content-Type': contentType,
    'X-TC-Action': 'AssumeRole',
    'X-TC-Version': '2018-08-13',
    'X-TC-Region': input.region,
    'X-TC-Timestamp': String(timestamp),
    Authorization: authorization,
  };
  if (input.credentials.securityToken) headers['X-TC-Token'] = input.credentials.securityToken;

  const response = await exchange(STS_SERVICE, input.endpoint, { method: 'POST', headers, body: payload }, input.timeoutMs);
  let json: unknown;
  try {
    json = JSON.parse(response.text);
  } catch {
    json = undefined;
  }
  const parsed = z.safeParse(responseSchema(), json);

  // Tencent answers business errors with HTTP 200 and Response.Error; transport trouble shows as 5xx.
  if (parsed.success && parsed.data.Response.Error) {
    const code = safeUpstreamCode(parsed.data.Response.Error.Code);
    if (isThrottling(code)) throw upstreamThrottling(STS_SERVICE, code);
    if (code.startsWith('InternalError')) throw temporarilyUnavailable('Tencent Cloud STS is unavailable', 1, { upstreamCode: code });
    throw upstreamError(STS_SERVICE, code);
  }
  if (response.status === 429) throw upstreamThrottling(STS_SERVICE);
  if (response.status >= 500) throw temporarilyUnavailable('Tencent Cloud STS is unavailable', 1);

  const { Credentials: credentials } = parsed.success ? parsed.data.Response : {};
  const expiresAt = parsed.success ? expiryOf(parsed.data.Response) : undefined;
  if (response.status !== 200 || !credentials || !expiresAt) throw upstreamError(STS_SERVICE, 'InvalidResponse');
  return {
    accessKeyId: credentials.TmpSecretId,
    accessKeySecret: credentials.TmpSecretKey,
    securityToken: credentials.Token,
    expiresAt,
    issuedAt: new Date(),
  };
}

/**
 * `ExpiredTime` (Unix seconds) is the expiry; `Expiration` (ISO 8601) says the same and may be null.
 * Either will do; if both are present they must agree, or the response is not trusted.
 */
function expiryOf(response: { ExpiredTime?: number | undefined; Expiration?: string | null | undefined }): Date | undefined {
  const fromSeconds = response.ExpiredTime !== undefined && Number.isFinite(response.ExpiredTime) ? new Date(response.ExpiredTime * 1000) : undefined;
  const fromIso = typeof response.Expiration === 'string' ? new Date(response.Expiration) : undefined;
  if (fromIso && Number.isNaN(fromIso.getTime())) return undefined;
  if (fromSeconds && fromIso && Math.abs(fromSeconds.getTime() - fromIso.getTime()) > 1000) return undefined;
  return fromSeconds ?? fromIso;
}
