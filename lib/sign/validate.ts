/**
 * Every input a signer takes, checked before anything is signed, with the limits of the cloud it signs
 * for. A caller's key, filename and content type reach here unchanged from a request body, so each check
 * names the field and the rule (never the value) and throws {@link SignInputError}.
 *
 * The checks that matter for safety, beside each cloud's own limits:
 * - keys and filenames must be well-formed Unicode without control characters (they end up in headers,
 *   policies and URLs);
 * - a key must be addressable in a URL as written: browsers resolve `.` and `..` path segments (even
 *   percent-encoded ones) and would send the request for a different key;
 * - nothing is signed to outlive the credentials that sign it.
 *
 * @module
 */
import * as z from 'zod/mini';
import '../config/env.js'; // zod in jitless mode, before any schema here is parsed
import { lazy } from '../lazy.js';
import { SignInputError, type SignInputReason } from './errors.js';
import { objectAddress, type ObjectAddress } from './object-url.js';
import type { PostFormRequest, PresignGetRequest, PresignPutRequest, SignerCapabilities, SigningCredentials, StorageProvider } from './types.js';

/** What validation needs to know about a cloud beyond its capabilities. */
export interface CloudRules {
  readonly provider: StorageProvider;
  readonly capabilities: SignerCapabilities;
  readonly bucketName: RegExp;
  /** Says what {@link bucketName} accepts, for the error message. */
  readonly bucketRule: string;
  readonly regionId: RegExp;
  /** The public endpoint host for a region, before the bucket label. */
  publicHost(region: string): string;
}

/** Inputs every signature uses, checked and derived. */
export interface Signable {
  readonly credentials: SigningCredentials;
  readonly bucket: string;
  readonly region: string;
  readonly key: string;
  readonly address: ObjectAddress;
  /** Unix seconds. */
  readonly signedAt: number;
  /** Unix seconds: signedAt + expiresIn. */
  readonly expiresAt: number;
  readonly expiresIn: number;
}

export interface SignablePost extends Signable {
  readonly contentType: string;
  readonly minSize: number;
  readonly maxSize: number;
}

export interface SignablePut extends Signable {
  readonly contentType: string;
  readonly contentLength: number | undefined;
  readonly forbidOverwrite: boolean;
}

export interface SignableGet extends Signable {
  readonly filename: string | undefined;
}

const CONTROL = /[\u0000-\u001f\u007f]/;
/** A UTF-16 surrogate without its pair: not text, and encodeURIComponent throws on it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** RFC 9110 media type: `type/subtype` and optional `; name=value` parameters (token or quoted string). */
export const MEDIA_TYPE = /^[\w!#$%&'*+.^`|~-]+\/[\w!#$%&'*+.^`|~-]+(?:[ \t]*;[ \t]*[\w!#$%&'*+.^`|~-]+=(?:[\w!#$%&'*+.^`|~-]+|"[^"\\\u0000-\u001f\u007f]*"))*$/;
/** Every cloud's access key ids are letters, digits and at most `.`, `_`, `-` (Aliyun's `STS.` prefix). */
const ACCESS_KEY_ID = /^[A-Za-z0-9._-]{1,128}$/;
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;

const rule = (ok: (value: string) => boolean, message: string, reason: SignInputReason) =>
  z.refine<string>(ok, { message, params: { reason }, abort: true });

const text = (maxChars: number) =>
  z.string().check(
    rule((v) => v.length > 0, 'must not be empty', 'empty'),
    rule((v) => v.length <= maxChars, `must be at most ${maxChars} characters`, 'too_long'),
    rule((v) => !LONE_SURROGATE.test(v) && !CONTROL.test(v), 'must be well-formed text without control characters', 'invalid'),
  );

const utf8Bytes = (value: string) => Buffer.byteLength(value, 'utf8');

const objectKey = (maxBytes: number) =>
  text(maxBytes).check(
    rule((v) => utf8Bytes(v) <= maxBytes, `must be at most ${maxBytes} bytes in UTF-8`, 'too_long'),
    rule((v) => !v.startsWith('/') && !v.startsWith('\\'), 'must not start with "/" or "\\"', 'unaddressable'),
    rule((v) => !v.split('/').some((segment) => segment === '.' || segment === '..'), 'must not contain "." or ".." path segments', 'unaddressable'),
  );

const integer = (min: number, max: number, reason: SignInputReason, what: string) =>
  z.int().check(
    z.refine((v) => v >= min && v <= max, { message: `must be ${what} between ${min} and ${max}`, params: { reason }, abort: true }),
  );

const credentialsSchema = z.object({
  accessKeyId: z.string().check(rule((v) => ACCESS_KEY_ID.test(v), 'must be 1-128 letters, digits, ".", "_" or "-"', 'invalid')),
  accessKeySecret: text(1024),
  securityToken: z.optional(text(16384).check(rule((v) => PRINTABLE_ASCII.test(v), 'must be printable ASCII', 'invalid'))),
  expiration: z.optional(z.date()),
});

function commonShape(rules: CloudRules) {
  const { capabilities } = rules;
  return {
    credentials: credentialsSchema,
    bucket: z.string().check(rule((v) => rules.bucketName.test(v), rules.bucketRule, 'invalid')),
    region: z.string().check(rule((v) => rules.regionId.test(v), 'must be a region id such as cn-hangzhou', 'invalid')),
    endpoint: z.optional(z.union([z.string(), z.instanceof(URL)])),
    addressing: z.optional(z.enum(['virtual-hosted', 'path', 'endpoint'])),
    key: objectKey(capabilities.maxKeyBytes),
    expiresIn: z.int().check(
      z.refine((v) => v >= 1, { message: 'must be at least 1 second', params: { reason: 'expired' }, abort: true }),
      z.refine((v) => v <= capabilities.maxLifetimeSeconds, {
        message: `must be at most ${capabilities.maxLifetimeSeconds} seconds for ${rules.provider}`,
        params: { reason: 'lifetime_too_long' },
        abort: true,
      }),
    ),
    now: z.date(),
  };
}

const contentType = () => text(255).check(rule((v) => MEDIA_TYPE.test(v), 'must be a media type such as image/jpeg', 'invalid'));

function requestSchemas(rules: CloudRules) {
  const maxBytes = rules.capabilities.maxObjectBytes;
  const common = commonShape(rules);
  return {
    post: z.object({
      ...common,
      contentType: contentType(),
      minSize: z.optional(integer(0, maxBytes, 'size_range', 'a size in bytes')),
      maxSize: integer(0, maxBytes, 'size_range', 'a size in bytes'),
    }),
    put: z.object({
      ...common,
      contentType: contentType(),
      contentLength: z.optional(integer(0, maxBytes, 'size_range', 'a size in bytes')),
      forbidOverwrite: z.boolean(),
    }),
    get: z.object({ ...common, filename: z.optional(text(255)) }),
  };
}

export interface InputChecks {
  post(request: PostFormRequest): SignablePost;
  put(request: PresignPutRequest): SignablePut;
  get(request: PresignGetRequest): SignableGet;
}

/** The checks for one cloud; its schemas are built on first use. */
export function inputChecks(rules: CloudRules): InputChecks {
  const schemas = lazy(() => requestSchemas(rules));
  const { capabilities } = rules;
  return {
    post(request) {
      const input = parse(schemas().post, request);
      const minSize = input.minSize ?? 0;
      if (minSize > input.maxSize) throw new SignInputError('minSize', 'size_range', 'must not be larger than maxSize');
      return { ...signable(rules, input), contentType: input.contentType, minSize, maxSize: input.maxSize };
    },
    put(request) {
      const input = parse(schemas().put, request);
      if (input.contentLength !== undefined && !capabilities.putBindsSize) {
        throw new SignInputError('contentLength', 'unsupported', `a ${rules.provider} PUT signature cannot bind the size; use a POST form`);
      }
      if (input.forbidOverwrite && !capabilities.putForbidsOverwrite) {
        throw new SignInputError('forbidOverwrite', 'unsupported', `${rules.provider} has no no-overwrite header to sign`);
      }
      return { ...signable(rules, input), contentType: input.contentType, contentLength: input.contentLength, forbidOverwrite: input.forbidOverwrite };
    },
    get(request) {
      const input = parse(schemas().get, request);
      return { ...signable(rules, input), filename: input.filename };
    },
  };
}

function parse<T>(schema: z.ZodMiniType<T>, request: unknown): T {
  const result = z.safeParse(schema, request);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.length > 0 ? issue.path.join('.') : 'request';
  const reason = issue.code === 'custom' ? ((issue.params?.['reason'] as SignInputReason | undefined) ?? 'invalid') : 'invalid';
  const message = issue.code === 'custom' ? issue.message : issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : 'has the wrong type';
  throw new SignInputError(field, reason, message);
}

interface CommonInput {
  readonly credentials: SigningCredentials;
  readonly bucket: string;
  readonly region: string;
  readonly endpoint?: string | URL | undefined;
  readonly addressing?: 'virtual-hosted' | 'path' | 'endpoint' | undefined;
  readonly key: string;
  readonly expiresIn: number;
  readonly now: Date;
}

function signable(rules: CloudRules, input: CommonInput): Signable {
  const signedAt = Math.floor(input.now.getTime() / 1000);
  const expiresAt = signedAt + input.expiresIn;
  const expiration = input.credentials.expiration?.getTime();
  if (expiration !== undefined && expiration <= input.now.getTime()) {
    throw new SignInputError('credentials.expiration', 'expired', 'the signing credentials have expired');
  }
  if (expiration !== undefined && expiresAt * 1000 > expiration) {
    throw new SignInputError('expiresIn', 'outlives_credentials', 'must not reach past the expiration of the signing credentials');
  }
  return {
    credentials: input.credentials,
    bucket: input.bucket,
    region: input.region,
    key: input.key,
    address: objectAddress(rules.publicHost(input.region), input.bucket, input.endpoint, input.addressing ?? 'virtual-hosted'),
    signedAt,
    expiresAt,
    expiresIn: input.expiresIn,
  };
}

/** `1700000000` → `2023-11-14T22:13:20.000Z`. */
export const isoSeconds = (unixSeconds: number): string => new Date(unixSeconds * 1000).toISOString();
