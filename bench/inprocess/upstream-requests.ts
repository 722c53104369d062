/**
 * The request a function sends to STS or IAM on a cache miss, built here by hand for two uses:
 *
 * - the emulator's own round trip: the bench sends this request straight to the emulator with plain
 *   node:http (and, for comparison, stsgate's own client), so "miss − round trip" is what stsgate adds
 *   around it;
 * - the floor's signing half: one call of the cloud's signer on exactly these inputs.
 *
 * Signing uses stsgate's signers, outside any measurement of the round trip; the emulators verify every
 * signature with their own code, so a wrongly built request would show up as a refusal, not as a number.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { signAcs3, type Acs3Request } from '../../lib/sts/aliyun/acs3-signature.js';
import { sha256Hex } from '../../lib/sts/encoding.js';
import { sdkDateOf, signSdkHmac, type SdkHmacRequest } from '../../lib/sts/huawei/sdk-hmac-signature.js';
import { signTc3, type Tc3Request } from '../../lib/sts/tencent/tc3-signature.js';
import type { Deployment } from '../deployments.js';

export interface PlainRequest {
  readonly url: string;
  readonly method: 'POST';
  readonly headers: Record<string, string>;
  readonly body?: string;
}

const IAM_PATH = '/v3.0/OS-CREDENTIAL/securitytokens';
const acsDate = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A freshly dated (and, on Aliyun, freshly nonced) request, as the function would send it now. */
export function upstreamRequest(d: Deployment, sub: string): PlainRequest {
  const plan = d.plan(sub);
  const endpoint = new URL(d.upstreamUrl);
  const creds = d.roleCredentials;
  switch (d.cloud) {
    case 'aliyun': {
      const request = aliyunSignInput(endpoint, plan, creds.securityToken);
      const { authorization } = signAcs3(request, creds);
      const url = new URL(endpoint);
      url.search = new URLSearchParams(request.query).toString();
      return { url: url.toString(), method: 'POST', headers: { ...request.headers, authorization } };
    }
    case 'tencent': {
      const request = tencentSignInput(endpoint, plan);
      const { authorization } = signTc3(request, { secretId: creds.accessKeyId, secretKey: creds.accessKeySecret });
      return {
        url: endpoint.toString(),
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-TC-Action': 'AssumeRole',
          'X-TC-Version': '2018-08-13',
          'X-TC-Region': plan.region ?? '',
          'X-TC-Timestamp': String(request.timestamp),
          Authorization: authorization,
          'X-TC-Token': creds.securityToken ?? '',
        },
        body: request.payload,
      };
    }
    case 'huawei':
      // The function's default path: FunctionGraph's agency token as X-Auth-Token, nothing to sign.
      return {
        url: new URL(IAM_PATH, endpoint).toString(),
        method: 'POST',
        headers: { 'Content-Type': 'application/json;charset=UTF-8', 'X-Auth-Token': d.authToken ?? '' },
        body: huaweiPayload(plan),
      };
  }
}

/**
 * One signature of the miss's request with the cloud's signer, on fixed inputs prepared once. On
 * Huawei the function's default path sends the agency token and signs nothing; the floor still counts
 * one SDK-HMAC-SHA256 signature (of the AK/SK path's request), which makes that floor slightly higher.
 */
export function signOnce(d: Deployment, sub: string): () => string {
  const plan = d.plan(sub);
  const endpoint = new URL(d.upstreamUrl);
  const creds = d.roleCredentials;
  switch (d.cloud) {
    case 'aliyun': {
      const request = aliyunSignInput(endpoint, plan, creds.securityToken);
      return () => signAcs3(request, creds).authorization;
    }
    case 'tencent': {
      const request = tencentSignInput(endpoint, plan);
      const keys = { secretId: creds.accessKeyId, secretKey: creds.accessKeySecret };
      return () => signTc3(request, keys).authorization;
    }
    case 'huawei': {
      const url = new URL(IAM_PATH, endpoint);
      const request: SdkHmacRequest = {
        method: 'POST',
        host: url.host,
        path: url.pathname,
        query: {},
        headers: { 'Content-Type': 'application/json;charset=UTF-8', 'X-Security-Token': creds.securityToken ?? '' },
        payload: huaweiPayload(plan),
        sdkDate: sdkDateOf(new Date()),
      };
      return () => signSdkHmac(request, creds).authorization;
    }
  }
}

type Plan = ReturnType<Deployment['plan']>;

function aliyunSignInput(endpoint: URL, plan: Plan, securityToken: string | undefined): Acs3Request {
  const headers: Record<string, string> = {
    'x-acs-action': 'AssumeRole',
    'x-acs-version': '2015-04-01',
    'x-acs-date': acsDate(new Date()),
    'x-acs-signature-nonce': randomBytes(16).toString('hex'),
    'x-acs-content-sha256': sha256Hex(''),
    accept: 'application/json',
  };
  if (securityToken) headers['x-acs-security-token'] = securityToken;
  return {
    method: 'POST',
    host: endpoint.host,
    path: endpoint.pathname || '/',
    query: { RoleArn: plan.roleArn ?? '', RoleSessionName: plan.sessionName, DurationSeconds: String(plan.durationSeconds), Policy: plan.policy },
    headers,
    body: '',
  };
}

function tencentSignInput(endpoint: URL, plan: Plan): Tc3Request {
  return {
    method: 'POST',
    host: endpoint.host,
    path: endpoint.pathname || '/',
    query: '',
    signedHeaders: { 'content-type': 'application/json' },
    payload: JSON.stringify({ RoleArn: plan.roleArn, RoleSessionName: plan.sessionName, DurationSeconds: plan.durationSeconds, Policy: encodeURIComponent(plan.policy) }),
    service: 'sts',
    timestamp: Math.floor(Date.now() / 1000),
  };
}

function huaweiPayload(plan: Plan): string {
  return JSON.stringify({ auth: { identity: { methods: ['token'], policy: JSON.parse(plan.policy) as unknown, token: { duration_seconds: plan.durationSeconds } } } });
}
