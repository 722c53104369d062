/**
 * Checks a 200 body field by field before anything is cached or handed to a storage SDK. Hand-written
 * rather than a schema library: the client has no runtime dependencies. Messages name the field, never
 * its value, since the values are keys.
 *
 * @module
 */
import { StsClientError } from '../errors.js';
import type { StsCredentials } from '../types.js';

export const PROVIDERS: readonly StsCredentials['provider'][] = ['aliyun', 'tencent', 'huawei'];
const STRING_FIELDS = ['accessKeyId', 'accessKeySecret', 'securityToken', 'expiration', 'bucket', 'region', 'prefix'] as const;

export function parseCredentials(text: string): StsCredentials {
  const fields = jsonObject(text, invalid);

  const provider = fields.provider;
  if (typeof provider !== 'string' || !(PROVIDERS as readonly string[]).includes(provider)) {
    throw invalid(`provider must be one of ${PROVIDERS.join(', ')}`);
  }
  for (const name of STRING_FIELDS) {
    const value = fields[name];
    if (typeof value !== 'string' || value === '') throw invalid(`${name} is missing or not a non-empty string`);
  }
  for (const name of ['startTime', 'expiredTime'] as const) {
    const value = fields[name];
    if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`${name} is missing or not a finite number`);
  }
  if ((fields.expiredTime as number) <= (fields.startTime as number)) throw invalid('expiredTime is not after startTime');
  const actions = fields.actions;
  if (!Array.isArray(actions) || !actions.every((action) => typeof action === 'string' && action !== '')) {
    throw invalid('actions is missing or not an array of non-empty strings');
  }

  // A fresh frozen object with exactly the contract's fields: every caller gets the same object, so one
  // caller's mutation must not reach the others, and extra fields are not passed on to SDKs.
  return Object.freeze({
    provider: provider as StsCredentials['provider'],
    accessKeyId: fields.accessKeyId as string,
    accessKeySecret: fields.accessKeySecret as string,
    securityToken: fields.securityToken as string,
    expiration: fields.expiration as string,
    startTime: fields.startTime as number,
    expiredTime: fields.expiredTime as number,
    bucket: fields.bucket as string,
    region: fields.region as string,
    prefix: fields.prefix as string,
    actions: Object.freeze([...(actions as string[])]),
  });
}

/** The body as a JSON object, or what `invalid` makes of the reason it is not one. */
export function jsonObject(text: string, invalid: (reason: string) => Error): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw invalid('the body is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('the body is not a JSON object');
  return body as Record<string, unknown>;
}

function invalid(reason: string): StsClientError {
  return new StsClientError('invalid_response', `the token endpoint answered 200 without valid credentials: ${reason}`);
}
