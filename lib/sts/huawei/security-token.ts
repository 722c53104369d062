/**
 * Huawei IAM `POST /v3.0/OS-CREDENTIAL/securitytokens` with `methods: ["token"]`: temporary AK/SK and a
 * security token derived from the caller's own identity, narrowed by a Version 1.1 policy (only OBS
 * honours it, which is all stsgate needs).
 *
 * The caller proves who it is in one of two documented ways: FunctionGraph's agency token as
 * `X-Auth-Token` (the default inside FunctionGraph), or an SDK-HMAC-SHA256 signature with AK/SK, plus
 * `X-Security-Token` when those keys are temporary (off the platform, where there is no token).
 *
 * @module
 */
import * as z from 'zod/mini';
import type { RoleCredentials } from '../../credentials/types.js';
import { upstreamError } from '../../errors.js';
import type { IssuedCredentials, StsCallInput } from '../types.js';
import { exchange } from '../upstream.js';
import { huaweiFailure, parseHuaweiTime, parseJsonBody } from './responses.js';
import { withSdkHmacSignature } from './sign-request.js';
import { lazy } from '../../lazy.js';

export const IAM_SERVICE = 'Huawei Cloud IAM';
const PATH = '/v3.0/OS-CREDENTIAL/securitytokens';
const CONTENT_TYPE = 'application/json;charset=UTF-8';

export interface SecurityTokenInput extends StsCallInput {
  /** The Version 1.1 policy JSON text; sent as an object inside the body, as the API requires. */
  readonly policy: string;
}

const responseSchema = lazy(() =>
  z.object({
    credential: z.object({
      access: z.string().check(z.minLength(1)),
      secret: z.string().check(z.minLength(1)),
      securitytoken: z.string().check(z.minLength(1)),
      expires_at: z.string(),
    }),
  }),
);

export async function createSecurityToken(input: SecurityTokenInput): Promise<IssuedCredentials> {
  const url = new URL(PATH, input.endpoint);
  const payload = JSON.stringify({
    auth: { identity: { methods: ['token'], policy: JSON.parse(input.policy) as unknown, token: { duration_seconds: input.durationSeconds } } },
  });
  const response = await exchange(IAM_SERVICE, url, { method: 'POST', headers: authHeaders(url, payload, input.credentials), body: payload }, input.timeoutMs);
  const json = parseJsonBody(response.text);
  if (response.status < 200 || response.status > 299) throw huaweiFailure(IAM_SERVICE, response.status, json);

  const parsed = z.safeParse(responseSchema(), json);
  const expiresAt = parsed.success ? parseHuaweiTime(parsed.data.credential.expires_at) : undefined;
  if (!parsed.success || !expiresAt) throw upstreamError(IAM_SERVICE, 'InvalidResponse');
  const { access, secret, securitytoken } = parsed.data.credential;
  return { accessKeyId: access, accessKeySecret: secret, securityToken: securitytoken, expiresAt, issuedAt: new Date() };
}

function authHeaders(url: URL, payload: string, credentials: RoleCredentials): Record<string, string> {
  if (credentials.authToken) return { 'Content-Type': CONTENT_TYPE, 'X-Auth-Token': credentials.authToken };
  const signed: Record<string, string> = { 'Content-Type': CONTENT_TYPE };
  if (credentials.securityToken) signed['X-Security-Token'] = credentials.securityToken;
  return withSdkHmacSignature(url, payload, signed, credentials);
}
