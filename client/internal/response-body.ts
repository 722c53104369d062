/**
 * Checks a 200 body field by field before anything is cached or handed to a storage SDK. Hand-written
 * rather than a schema library: the client has no runtime dependencies. Messages name the field, never
 * its value, since the values are keys.
 *
 * @module
 */
import { StsClientError } from '../errors.js';
import type { StsCredentials, StsGrant } from '../types.js';

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

  const grants = fields.grants === undefined ? undefined : parseGrants(fields.grants);

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
    ...(grants === undefined ? {} : { grants }),
  });
}

const strings = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string' && item !== '');

/** `grants`: every entry checked and copied field by field, frozen like the rest. */
function parseGrants(value: unknown): readonly StsGrant[] {
  if (!Array.isArray(value)) throw invalid('grants is not an array');
  return Object.freeze(
    value.map((entry: unknown, i) => {
      const g = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
      const ok =
        typeof g.rule === 'string' &&
        typeof g.prefix === 'string' &&
        strings(g.actions) &&
        (g.maxSize === undefined || (typeof g.maxSize === 'number' && Number.isSafeInteger(g.maxSize))) &&
        (g.contentTypes === undefined || strings(g.contentTypes)) &&
        (g.signedUploads === undefined || typeof g.signedUploads === 'boolean');
      if (!ok) throw invalid(`grants[${i}] is not a grant of rule, prefix and actions`);
      return Object.freeze({
        rule: g.rule as string,
        prefix: g.prefix as string,
        actions: Object.freeze([...(g.actions as string[])]),
        ...(g.maxSize === undefined ? {} : { maxSize: g.maxSize as number }),
        ...(g.contentTypes === undefined ? {} : { contentTypes: Object.freeze([...(g.contentTypes as string[])]) }),
        ...(g.signedUploads === undefined ? {} : { signedUploads: g.signedUploads as boolean }),
      });
    }),
  );
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
