/**
 * Huawei STS (IAM5) `POST /v5/agencies/assume`: temporary credentials of another agency, narrowed by a
 * Version 5.0 policy sent as a JSON string. The session name carries the end user's subject into the
 * audit trail. Signed with SDK-HMAC-SHA256; FunctionGraph's keys are temporary, so `X-Security-Token`
 * goes along (and is signed), and STS then caps the duration at 3600 s.
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

export const STS_SERVICE = 'Huawei Cloud STS';
const PATH = '/v5/agencies/assume';

export interface AssumeAgencyInput extends StsCallInput {
  readonly agencyUrn: string;
  readonly sessionName: string;
  /** The Version 5.0 policy JSON text, sent as a string field. */
  readonly policy: string;
}

const responseSchema = lazy(() =>
  z.object({
    credentials: z.object({
      access_key_id: z.string().check(z.minLength(1)),
      secret_access_key: z.string().check(z.minLength(1)),
      security_token: z.string().check(z.minLength(1)),
      expiration: z.string(),
    }),
  }),
);

export async function assumeAgency(input: AssumeAgencyInput): Promise<IssuedCredentials> {
  const url = new URL(PATH, input.endpoint);
  const payload = JSON.stringify({
    agency_urn: input.agencyUrn,
    agency_session_name: input.sessionName,
    duration_seconds: input.durationSeconds,
    policy: input.policy,
  });
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (input.credentials.securityToken) headers['X-Security-Token'] = input.credentials.securityToken;
  const response = await exchange(STS_SERVICE, url, { method: 'POST', headers: withSdkHmacSignature(url, payload, headers, input.credentials), body: payload }, input.timeoutMs);
  const json = parseJsonBody(response.text);
  if (response.status < 200 || response.status > 299) throw huaweiFailure(STS_SERVICE, response.status, json);

  const parsed = z.safeParse(responseSchema(), json);
  const expiresAt = parsed.success ? parseHuaweiTime(parsed.data.credentials.expiration) : undefined;
  if (!parsed.success || !expiresAt) throw upstreamError(STS_SERVICE, 'InvalidResponse');
  const { access_key_id, secret_access_key, security_token } = parsed.data.credentials;
  return { accessKeyId: access_key_id, accessKeySecret: secret_access_key, securityToken: security_token, expiresAt, issuedAt: new Date() };
}
