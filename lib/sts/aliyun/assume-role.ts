/**
 * Aliyun STS `AssumeRole` (2015-04-01), RPC style with the V3 signature: parameters in the query string,
 * an empty body, the caller's STS token in `x-acs-security-token` (signed, like every `x-acs-*` header).
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import * as z from 'zod/mini';
import { safeUpstreamCode, temporarilyUnavailable, upstreamError, upstreamThrottling } from '../../errors.js';
import type { RoleCredentials } from '../../credentials/types.js';
import type { IssuedCredentials, StsCallInput } from '../types.js';
import { exchange } from '../upstream.js';
import { sha256Hex } from '../encoding.js';
import { signAcs3 } from './acs3-signature.js';
import { lazy } from '../../lazy.js';

export const STS_SERVICE = 'Aliyun STS';

export interface AssumeRoleInput extends StsCallInput {
  readonly roleArn: string;
  readonly sessionName: string;
}

const successSchema = lazy(() =>
  z.object({
    Credentials: z.object({
      AccessKeyId: z.string().check(z.minLength(1)),
      AccessKeySecret: z.string().check(z.minLength(1)),
      SecurityToken: z.string().check(z.minLength(1)),
      Expiration: z.string().check(z.minLength(1)),
    }),
  }),
);
const errorSchema = lazy(() => z.object({ Code: z.optional(z.unknown()) }));

/** `2023-10-26T10:22:32Z`: the V3 date format has no milliseconds. */
const acsDate = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

export async function assumeRole(input: AssumeRoleInput): Promise<IssuedCredentials> {
  const query = {
    RoleArn: input.roleArn,
    RoleSessionName: input.sessionName,
    DurationSeconds: String(input.durationSeconds),
    Policy: input.policy,
  };
  const headers: Record<string, string> = {
    'x-acs-action': 'AssumeRole',
    'x-acs-version': '2015-04-01',
    'x-acs-date': acsDate(new Date()),
    'x-acs-signature-nonce': randomBytes(16).toString('hex'),
    'x-acs-content-sha256': sha256Hex(''),
    accept: 'application/json',
  };
  if (input.credentials.securityToken) headers['x-acs-security-token'] = input.credentials.securityToken;

  const path = input.endpoint.pathname || '/';
  const { authorization } = signAcs3(
    { method: 'POST', host: input.endpoint.host, path, query, headers, body: '' },
    input.credentials,
  );
  const url = new URL(input.endpoint);
  url.search = new URLSearchParams(query).toString();

  const response = await exchange(STS_SERVICE, url, { method: 'POST', headers: { ...headers, authorization } }, input.timeoutMs);
  const json = parseJson(response.text);

  if (response.status >= 200 && response.status < 300) {
    const parsed = z.safeParse(successSchema(), json);
    const expiresAt = parsed.success ? new Date(parsed.data.Credentials.Expiration) : undefined;
    if (!parsed.success || !expiresAt || Number.isNaN(expiresAt.getTime())) {
      throw upstreamError(STS_SERVICE, 'InvalidResponse');
    }
    const { AccessKeyId, AccessKeySecret, SecurityToken } = parsed.data.Credentials;
    return { accessKeyId: AccessKeyId, accessKeySecret: AccessKeySecret, securityToken: SecurityToken, expiresAt, issuedAt: new Date() };
  }

  const parsedError = z.safeParse(errorSchema(), json);
  const code = safeUpstreamCode(parsedError.success ? parsedError.data.Code : undefined);
  // Throttling is the account-wide 100 AssumeRole/s limit; 5xx is STS's own trouble. Both pass, so the
  // caller should retry later; everything else is a refusal a retry will not change.
  if (code.startsWith('Throttling') || response.status === 429) throw upstreamThrottling(STS_SERVICE, code);
  if (response.status >= 500) throw temporarilyUnavailable('Aliyun STS is unavailable', 1, { upstreamCode: code });
  throw upstreamError(STS_SERVICE, code);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
