/**
 * Local emulator of Alibaba Cloud STS `AssumeRole` (version 2015-04-01, RPC style, V3 `ACS3-HMAC-SHA256` signature).
 *
 * End-to-end tests and the local dev server point our STS client at this server to prove that it signs requests the
 * way Alibaba Cloud checks them. That proof is only worth something if the verifier is not the signer looking at
 * itself, so everything below is written from the published algorithm
 * (https://alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature) and shares no code with
 * the project's signer in lib/.
 *
 * Requests go through the checks in the order a real gateway applies them: routing, then authentication, then the
 * API's own parameters. Every refusal is answered with the JSON error body STS uses, so client error handling can be
 * exercised too, and `injectFault` simulates the failures that validation cannot produce (throttling, outages, hangs,
 * broken bodies).
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { EmulatorServer, listening, randomAlphanumeric, resolveLimits } from './shared/emulator-server.js';
import type { EmulatorHandle, IncomingRequest, TransportFault } from './shared/emulator-server.js';
import { IssuedKeys, type KeyIssuer } from './shared/issued-keys.js';
import { isPlainObject } from './shared/json-body.js';
import { isStringOrStringList, parsePolicyDocument, statementListProblem } from './shared/policy-document.js';
import {
  canonicalRequest,
  constantTimeEqual,
  parseAuthorizationFields,
  rfc3986Encode,
  sha256Hex,
  signedHeaderListProblem,
  splitTarget,
} from './shared/signing.js';
import type { CanonicalizationRules, CanonicalRequestInput } from './shared/signing.js';

// ---------------------------------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------------------------------

export interface AliyunStsCaller {
  accessKeySecret: string;
  /** When set, the caller holds STS credentials: requests must carry this exact, signed `x-acs-security-token`. */
  securityToken?: string;
}

export interface AliyunStsEmulatorOptions {
  /** accessKeyId -> caller. Read on every request, so callers may be added or removed while the emulator runs. */
  callers: Record<string, AliyunStsCaller>;
  port?: number;
  /** The target role's MaxSessionDuration in seconds (3600..43200, like RAM), default 3600. */
  maxSessionDuration?: number;
  /** Accepted distance between `x-acs-date` and the emulator clock, default 900. */
  allowedSkewSeconds?: number;
  /** Millisecond clock, default Date.now. */
  now?: () => number;
}

export interface RecordedAssumeRole {
  callerAccessKeyId: string;
  securityToken: string | undefined;
  roleArn: string;
  roleSessionName: string;
  durationSeconds: number;
  policy: string | undefined;
  issued: { accessKeyId: string; accessKeySecret: string; securityToken: string; expiration: string };
}

export type AliyunStsFault = { kind: 'error'; status: number; code: string; message?: string } | TransportFault;

export interface AliyunStsRejection {
  code: string;
  status: number;
}

/** The OSS stand-in trusts it through {@link KeyIssuer}: it accepts the keys this emulator issued. */
export type AliyunStsEmulator = EmulatorHandle<RecordedAssumeRole, AliyunStsFault, AliyunStsRejection> & KeyIssuer;

export async function startAliyunStsEmulator(options: AliyunStsEmulatorOptions): Promise<AliyunStsEmulator> {
  return listening(new StsEmulatorServer(resolveConfig(options)), options.port);
}

// ---------------------------------------------------------------------------------------------------------------------
// ACS3-HMAC-SHA256 verification (pure functions, exported so the official worked example can be checked directly)
// ---------------------------------------------------------------------------------------------------------------------

const SIGNATURE_ALGORITHM = 'ACS3-HMAC-SHA256';

/** RFC 3986 percent-encoding over UTF-8 bytes, as the V3 signature defines it (`A-Z a-z 0-9 - _ . ~` stay literal). */
export const percentEncode = rfc3986Encode;

export { sha256Hex };

/**
 * Decodes a raw query string (without `?`) into name/value pairs, in the order received. A pair without `=` has an
 * empty value. Throws URIError on malformed percent-encoding.
 */
export function parseQuery(rawQuery: string): [string, string][] {
  const pairs: [string, string][] = [];
  for (const segment of rawQuery.split('&')) {
    if (segment === '') continue;
    const equals = segment.indexOf('=');
    const name = equals === -1 ? segment : segment.slice(0, equals);
    const value = equals === -1 ? '' : segment.slice(equals + 1);
    pairs.push([decodeQueryComponent(name), decodeQueryComponent(value)]);
  }
  return pairs;
}

/**
 * `+` is read as a space, as form-decoding servlet stacks do. A client that leaves `+` unencoded therefore signs
 * something other than what the server reads, and the mismatch shows up here rather than in production.
 */
function decodeQueryComponent(raw: string): string {
  return decodeURIComponent(raw.replace(/\+/g, ' '));
}

/**
 * The signer's spelling of the query is never trusted: each name and value is decoded and re-encoded, so `%7e`, `~`
 * and `%7E` all canonicalise alike, and pairs are sorted by encoded name, then encoded value (byte order).
 */
export function canonicalQueryString(rawQuery: string): string {
  return parseQuery(rawQuery)
    .map(([name, value]) => [percentEncode(name), percentEncode(value)] as const)
    .sort(([nameA, valueA], [nameB, valueB]) => compareStrings(nameA, nameB) || compareStrings(valueA, valueB))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

export type { CanonicalRequestInput };

/** The method upper-cased, the path as sent, the query re-encoded and sorted, header values trimmed. */
const ACS3_CANONICALIZATION: CanonicalizationRules = {
  method: (method) => method.toUpperCase(),
  uri: (path) => path,
  query: canonicalQueryString,
  headerValue: (value) => value.trim(),
};

/**
 * `hashedPayload` is the request's `x-acs-content-sha256`. Throws if a signed header is absent or the query is
 * malformed: callers must check both beforehand.
 */
export function canonicalRequestFor(input: CanonicalRequestInput): string {
  return canonicalRequest(input, ACS3_CANONICALIZATION);
}

export function stringToSignFor(canonicalRequest: string): string {
  return `${SIGNATURE_ALGORITHM}\n${sha256Hex(canonicalRequest)}`;
}

/** Unlike the V2 RPC signature, the HMAC key is the bare secret (no trailing `&`). */
export function signatureFor(accessKeySecret: string, stringToSign: string): string {
  return createHmac('sha256', accessKeySecret).update(stringToSign, 'utf8').digest('hex');
}

export type ParsedAuthorization =
  | { ok: true; accessKeyId: string; signedHeaders: string[]; signature: string }
  | { ok: false; reason: string };

const AUTHORIZATION_FIELDS = ['Credential', 'SignedHeaders', 'Signature'];

/** Parses `ACS3-HMAC-SHA256 Credential=<AK>,SignedHeaders=<a;b>,Signature=<hex>` (optional spaces after commas). */
export function parseAcs3Authorization(value: string): ParsedAuthorization {
  const space = value.indexOf(' ');
  const algorithm = space === -1 ? value : value.slice(0, space);
  if (algorithm !== SIGNATURE_ALGORITHM) return { ok: false, reason: `unsupported algorithm "${algorithm}"` };
  const fields = parseAuthorizationFields(value.slice(space + 1), AUTHORIZATION_FIELDS);
  if (typeof fields === 'string') return { ok: false, reason: fields };
  const { Credential: accessKeyId, SignedHeaders: signedList, Signature: signature } = fields;
  if (!accessKeyId || !signedList || !signature) {
    return { ok: false, reason: 'Credential, SignedHeaders and Signature are all required' };
  }
  const signedHeaders = signedList.split(';');
  const problem = signedHeaderListProblem(signedHeaders);
  return problem ? { ok: false, reason: problem } : { ok: true, accessKeyId, signedHeaders, signature };
}

export interface SignedRequest {
  method: string;
  /** Request target exactly as received. */
  url: string;
  /** Received headers by lowercase name, `authorization` included. */
  headers: Readonly<Record<string, string | undefined>>;
}

export type SignatureVerdict =
  | { ok: true; accessKeyId: string }
  | { ok: false; reason: string; canonicalRequest?: string; stringToSign?: string };

/**
 * Recomputes the signature of a received request from its Authorization header and compares it in constant time.
 * Only the cryptographic check: which headers must be signed and whether `x-acs-content-sha256` matches the body
 * are policy decisions left to the caller.
 */
export function verifyAcs3Signature(request: SignedRequest, accessKeySecret: string): SignatureVerdict {
  const authorization = parseAcs3Authorization(request.headers['authorization'] ?? '');
  if (!authorization.ok) return { ok: false, reason: authorization.reason };
  const absent = authorization.signedHeaders.find((name) => request.headers[name] === undefined);
  if (absent !== undefined) return { ok: false, reason: `signed header ${absent} is absent` };
  const hashedPayload = request.headers['x-acs-content-sha256'];
  if (hashedPayload === undefined) return { ok: false, reason: 'x-acs-content-sha256 is absent' };

  let canonicalRequest: string;
  try {
    canonicalRequest = canonicalRequestFor({ ...request, signedHeaders: authorization.signedHeaders, hashedPayload });
  } catch {
    return { ok: false, reason: 'the query string is not valid percent-encoding' };
  }
  const stringToSign = stringToSignFor(canonicalRequest);
  return constantTimeEqual(signatureFor(accessKeySecret, stringToSign), authorization.signature)
    ? { ok: true, accessKeyId: authorization.accessKeyId }
    : { ok: false, reason: 'signature mismatch', canonicalRequest, stringToSign };
}

// ---------------------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------------------

/** A refusal answered with the STS error body; thrown by the checks below to stop at the first failing one. */
class StsRejection extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Messages as STS words them, so clients that log or match on `Message` see realistic text. */
const STANDARD_MESSAGES: Record<string, string> = {
  'InvalidAction.NotFound': 'Specified api is not found, please check your url and method.',
  InvalidVersion: 'Specified parameter Version is not valid.',
  InvalidParameter: 'The specified parameter is not valid.',
  MissingAuthorization: 'Authorization is mandatory for this action.',
  IncompleteSignature: 'The request signature does not conform to Aliyun standards.',
  'InvalidTimeStamp.Format': 'Specified time stamp or date value is not well formatted.',
  'InvalidTimeStamp.Expired': 'Specified time stamp or date value is expired.',
  MissingSignatureNonce: 'SignatureNonce is mandatory for this action.',
  'InvalidAccessKeyId.NotFound': 'Specified access key is not found.',
  MissingSecurityToken: 'SecurityToken is mandatory for this action.',
  'InvalidSecurityToken.MismatchWithAccessKey': 'Specified SecurityToken mismatch with the AccessKey.',
  SignatureDoesNotMatch: 'Specified signature is not matched with our calculation.',
  SignatureNonceUsed: 'Specified signature nonce was used already.',
  MissingRoleArn: 'RoleArn is mandatory for this action.',
  MissingRoleSessionName: 'RoleSessionName is mandatory for this action.',
  'InvalidParameter.RoleArn': 'The parameter RoleArn is wrongly formed.',
  'InvalidParameter.RoleSessionName': 'The parameter RoleSessionName is wrongly formed.',
  'InvalidParameter.DurationSeconds': 'The Min/Max value of DurationSeconds is out of range.',
  'InvalidParameter.PolicySize': 'The size of Policy must be smaller than 2048 bytes.',
  'InvalidParameter.PolicyGrammar': 'The parameter Policy has not passed grammar check.',
  'Throttling.Api': 'Request was denied due to api flow control.',
  'Throttling.User': 'Request was denied due to user flow control.',
  InternalError: 'The request processing has failed due to some unknown error.',
  ServiceUnavailable: 'The request has failed due to a temporary failure of the server.',
};

function standardMessage(code: string): string {
  return STANDARD_MESSAGES[code] ?? `The request failed with error ${code}.`;
}

/** Appends a diagnostic to the standard message: this is a development tool, the reason is what people look for. */
function fail(status: number, code: string, detail?: string): never {
  throw new StsRejection(status, code, detail ? `${standardMessage(code)} ${detail}` : standardMessage(code));
}

// ---------------------------------------------------------------------------------------------------------------------
// Request checks, in gateway order
// ---------------------------------------------------------------------------------------------------------------------

const API_ACTION = 'AssumeRole';
const API_VERSION = '2015-04-01';
const SECURITY_TOKEN_HEADER = 'x-acs-security-token';
const REQUIRED_SIGNED_HEADERS = [
  'host',
  'x-acs-action',
  'x-acs-version',
  'x-acs-date',
  'x-acs-signature-nonce',
  'x-acs-content-sha256',
] as const;

/** The received request with its target split into path and raw query. */
interface ReceivedRequest extends IncomingRequest {
  path: string;
  query: string;
}

interface EmulatorConfig {
  callers: Record<string, AliyunStsCaller>;
  maxSessionDuration: number;
  allowedSkewMs: number;
  now: () => number;
}

interface AuthenticatedCaller {
  accessKeyId: string;
  securityToken: string | undefined;
}

function checkRoute(request: ReceivedRequest): void {
  if ((request.method !== 'POST' && request.method !== 'GET') || request.path !== '/') {
    fail(404, 'InvalidAction.NotFound', `(${request.method} ${request.path}: RPC APIs are served at POST or GET /)`);
  }
  const action = request.headers['x-acs-action'];
  if (action !== API_ACTION) fail(404, 'InvalidAction.NotFound', `(x-acs-action: ${action ?? 'absent'})`);
  const version = request.headers['x-acs-version'];
  if (version !== API_VERSION) {
    fail(400, 'InvalidVersion', `(x-acs-version: ${version ?? 'absent'}, expected ${API_VERSION})`);
  }
}

/** Repeated parameters are refused rather than resolved, because which copy a server would pick is unspecified. */
function parseParameters(query: string): Map<string, string> {
  let pairs: [string, string][];
  try {
    pairs = parseQuery(query);
  } catch {
    return fail(400, 'InvalidParameter', '(the query string is not valid percent-encoding)');
  }
  const parameters = new Map<string, string>();
  for (const [name, value] of pairs) {
    if (parameters.has(name)) fail(400, 'InvalidParameter', `(parameter ${name} is given more than once)`);
    parameters.set(name, value);
  }
  return parameters;
}

/**
 * Cheap checks come before the caller lookup, and the nonce is only spent once the signature holds, so that an
 * unsigned request cannot burn a legitimate client's nonce.
 */
function authenticate(request: ReceivedRequest, config: EmulatorConfig, nonces: NonceLedger): AuthenticatedCaller {
  const authorization = requireAuthorization(request);
  checkDate(request.headers['x-acs-date'], config);
  const nonce = requireNonce(request);
  checkSignedHeaders(request, authorization.signedHeaders);
  const caller = lookupCaller(config.callers, authorization.accessKeyId);
  const securityToken = checkSecurityToken(caller, request.headers[SECURITY_TOKEN_HEADER]);
  checkPayloadHash(request);
  checkSignature(request, caller.accessKeySecret);
  if (!nonces.claim(nonce, config.now())) fail(400, 'SignatureNonceUsed', `(x-acs-signature-nonce: ${nonce})`);
  return { accessKeyId: authorization.accessKeyId, securityToken };
}

function requireAuthorization(request: ReceivedRequest): { accessKeyId: string; signedHeaders: string[] } {
  const header = request.headers['authorization'];
  if (header === undefined) fail(400, 'MissingAuthorization', `(this emulator only accepts ${SIGNATURE_ALGORITHM})`);
  const parsed = parseAcs3Authorization(header);
  if (!parsed.ok) return fail(400, 'IncompleteSignature', `(${parsed.reason})`);
  return parsed;
}

const ACS_DATE_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

function checkDate(value: string | undefined, config: EmulatorConfig): void {
  const sent = value !== undefined && ACS_DATE_PATTERN.test(value) ? Date.parse(value) : Number.NaN;
  // Round-tripping rejects dates that parse by rolling over, such as February 30th.
  if (Number.isNaN(sent) || utcSeconds(sent) !== value) {
    fail(400, 'InvalidTimeStamp.Format', `(x-acs-date must be yyyy-MM-ddTHH:mm:ssZ, got ${value ?? 'nothing'})`);
  }
  const serverTime = config.now();
  if (Math.abs(serverTime - sent) > config.allowedSkewMs) {
    fail(400, 'InvalidTimeStamp.Expired', `(x-acs-date ${value}, server time ${utcSeconds(serverTime)})`);
  }
}

function requireNonce(request: ReceivedRequest): string {
  const nonce = request.headers['x-acs-signature-nonce'];
  return nonce ? nonce : fail(400, 'MissingSignatureNonce');
}

/**
 * Everything that identifies the request must be covered by the signature, and each signed header must appear exactly
 * once: a repeated header could be read differently by a proxy and by the verifier.
 */
function checkSignedHeaders(request: ReceivedRequest, signedHeaders: readonly string[]): void {
  const required: string[] = [...REQUIRED_SIGNED_HEADERS];
  if (request.headers[SECURITY_TOKEN_HEADER] !== undefined) required.push(SECURITY_TOKEN_HEADER);
  const unsigned = required.find((name) => !signedHeaders.includes(name));
  if (unsigned !== undefined) fail(400, 'IncompleteSignature', `(SignedHeaders must include ${unsigned})`);
  for (const name of signedHeaders) {
    if (request.headers[name] === undefined) fail(400, 'IncompleteSignature', `(signed header ${name} is absent)`);
    if (request.repeatedHeaders.has(name)) fail(400, 'IncompleteSignature', `(signed header ${name} is repeated)`);
  }
}

function lookupCaller(callers: Record<string, AliyunStsCaller>, accessKeyId: string): AliyunStsCaller {
  // hasOwn, so that an AccessKeyId such as "constructor" is not found on the prototype.
  const caller = Object.hasOwn(callers, accessKeyId) ? callers[accessKeyId] : undefined;
  return caller ?? fail(404, 'InvalidAccessKeyId.NotFound', `(AccessKeyId: ${accessKeyId})`);
}

function checkSecurityToken(caller: AliyunStsCaller, sent: string | undefined): string | undefined {
  if (caller.securityToken !== undefined && sent === undefined) fail(400, 'MissingSecurityToken');
  if (sent !== undefined && (caller.securityToken === undefined || !constantTimeEqual(sent, caller.securityToken))) {
    fail(400, 'InvalidSecurityToken.MismatchWithAccessKey');
  }
  return sent;
}

/** The signature covers the declared hash, so the declaration itself must be held against the bytes received. */
function checkPayloadHash(request: ReceivedRequest): void {
  const declared = request.headers['x-acs-content-sha256'];
  const actual = sha256Hex(request.body);
  if (declared !== actual) {
    fail(400, 'SignatureDoesNotMatch', `(x-acs-content-sha256 is ${declared}, the body hashes to ${actual})`);
  }
}

function checkSignature(request: ReceivedRequest, accessKeySecret: string): void {
  const verdict = verifyAcs3Signature(request, accessKeySecret);
  if (verdict.ok) return;
  // STS quotes its string to sign; the canonical request is added because it is what a developer has to diff.
  const canonical = JSON.stringify(verdict.canonicalRequest);
  const detail = verdict.stringToSign
    ? `server string to sign is:${verdict.stringToSign} canonical request is:${canonical}`
    : `(${verdict.reason})`;
  fail(400, 'SignatureDoesNotMatch', detail);
}

/**
 * Remembers nonces for twice the allowed skew (plus a second for the boundary): a request first seen at t carries a
 * date of at least t - skew, so any replay after t + 2 * skew already fails the date check. Entries are dropped from
 * the front of the insertion-ordered map, which is oldest-first as long as the clock moves forward.
 */
class NonceLedger {
  private readonly expiries = new Map<string, number>();

  constructor(private readonly retentionMs: number) {}

  claim(nonce: string, nowMs: number): boolean {
    this.forgetExpired(nowMs);
    if (this.expiries.has(nonce)) return false;
    this.expiries.set(nonce, nowMs + this.retentionMs);
    return true;
  }

  clear(): void {
    this.expiries.clear();
  }

  private forgetExpired(nowMs: number): void {
    for (const [nonce, expiry] of this.expiries) {
      if (expiry > nowMs) return;
      this.expiries.delete(nonce);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// AssumeRole parameters
// ---------------------------------------------------------------------------------------------------------------------

const ROLE_ARN_PATTERN = /^acs:ram::(\d+):role\/([A-Za-z0-9.-]{1,64})$/;
const ROLE_SESSION_NAME_PATTERN = /^[A-Za-z0-9.@_-]{2,64}$/;
const MIN_DURATION_SECONDS = 900;
const DEFAULT_DURATION_SECONDS = 3600;
/** The 2022 changeset states the limit in bytes; for the usual ASCII policies bytes and characters coincide. */
const MAX_POLICY_BYTES = 2048;

interface AssumeRoleInput {
  roleArn: string;
  roleSessionName: string;
  durationSeconds: number;
  policy: string | undefined;
}

function validateAssumeRole(parameters: ReadonlyMap<string, string>, maxSessionDuration: number): AssumeRoleInput {
  return {
    roleArn: validateRoleArn(parameters.get('RoleArn')),
    roleSessionName: validateRoleSessionName(parameters.get('RoleSessionName')),
    durationSeconds: validateDuration(parameters.get('DurationSeconds'), maxSessionDuration),
    policy: validatePolicy(parameters.get('Policy')),
  };
}

function validateRoleArn(value: string | undefined): string {
  if (value === undefined) fail(400, 'MissingRoleArn');
  if (!ROLE_ARN_PATTERN.test(value)) {
    fail(400, 'InvalidParameter.RoleArn', '(expected acs:ram::<account-id>:role/<name>)');
  }
  return value;
}

function validateRoleSessionName(value: string | undefined): string {
  if (value === undefined) fail(400, 'MissingRoleSessionName');
  if (!ROLE_SESSION_NAME_PATTERN.test(value)) {
    fail(400, 'InvalidParameter.RoleSessionName', '(2-64 characters of A-Z a-z 0-9 . @ - _)');
  }
  return value;
}

function validateDuration(value: string | undefined, maxSessionDuration: number): number {
  if (value === undefined) return DEFAULT_DURATION_SECONDS;
  const seconds = /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (!(seconds >= MIN_DURATION_SECONDS && seconds <= maxSessionDuration)) {
    const allowed = `${MIN_DURATION_SECONDS}..${maxSessionDuration}`;
    fail(400, 'InvalidParameter.DurationSeconds', `(got ${value}, allowed ${allowed})`);
  }
  return seconds;
}

function validatePolicy(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_POLICY_BYTES) fail(400, 'InvalidParameter.PolicySize', `(got ${bytes} bytes)`);
  const problem = policyGrammarProblem(value);
  if (problem !== undefined) fail(400, 'InvalidParameter.PolicyGrammar', `(${problem})`);
  return value;
}

/** The subset of RAM policy grammar a session policy needs; returns what is wrong, or undefined. */
export function policyGrammarProblem(text: string): string | undefined {
  const document = parsePolicyDocument(text);
  if (typeof document === 'string') return document;
  if (document['Version'] !== '1') return 'Version must be "1"';
  return statementListProblem(document, 'Statement', statementProblem);
}

function statementProblem(statement: unknown): string | undefined {
  if (!isPlainObject(statement)) return 'not an object';
  if (statement['Effect'] !== 'Allow' && statement['Effect'] !== 'Deny') return 'Effect must be "Allow" or "Deny"';
  if (!isStringOrStringList(statement['Action'])) return 'Action must be a string or a non-empty list of strings';
  if (!isStringOrStringList(statement['Resource'])) return 'Resource must be a string or a non-empty list of strings';
  const condition = statement['Condition'];
  if (condition !== undefined && !isPlainObject(condition)) return 'Condition must be an object';
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------------
// Issued credentials and response bodies
// ---------------------------------------------------------------------------------------------------------------------

const HOST_ID = 'sts.aliyuncs.com';

interface AssumeRoleResponseBody {
  RequestId: string;
  AssumedRoleUser: { Arn: string; AssumedRoleId: string };
  Credentials: { SecurityToken: string; Expiration: string; AccessKeySecret: string; AccessKeyId: string };
}

/**
 * Shapes follow real credentials so clients meet what production sends: `STS.` ids, and tokens that start with
 * `CAIS`, run to ~600 characters and contain `+`, `/` and `=` (which must survive header handling untouched).
 */
function issueCredentials(input: AssumeRoleInput, nowMs: number): RecordedAssumeRole['issued'] {
  return {
    accessKeyId: `STS.${randomAlphanumeric(25)}`,
    accessKeySecret: randomAlphanumeric(44),
    securityToken: `CAIS${randomBytes(448).toString('base64')}`,
    expiration: utcSeconds(nowMs + input.durationSeconds * 1000),
  };
}

function assumeRoleResponse(input: AssumeRoleInput, issued: RecordedAssumeRole['issued']): AssumeRoleResponseBody {
  return {
    RequestId: newRequestId(),
    AssumedRoleUser: {
      Arn: `${input.roleArn}/${input.roleSessionName}`,
      AssumedRoleId: `${roleIdFor(input.roleArn)}:${input.roleSessionName}`,
    },
    Credentials: {
      SecurityToken: issued.securityToken,
      Expiration: issued.expiration,
      AccessKeySecret: issued.accessKeySecret,
      AccessKeyId: issued.accessKeyId,
    },
  };
}

/** Derived from the ARN so that a role keeps one id across calls, as a real role does. */
function roleIdFor(roleArn: string): string {
  return [...createHash('sha256').update(roleArn).digest().subarray(0, 18)].map((byte) => byte % 10).join('');
}

function newRequestId(): string {
  return randomUUID().toUpperCase();
}

/** ISO-8601 UTC at second precision, the only form STS uses for dates. */
function utcSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function errorBody(code: string, message: string): Record<string, string> {
  const requestId = newRequestId();
  return {
    RequestId: requestId,
    HostId: HOST_ID,
    Code: code,
    Message: message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(code)}&product=Sts&requestId=${requestId}`,
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// HTTP server
// ---------------------------------------------------------------------------------------------------------------------

const JSON_CONTENT_TYPE = 'application/json;charset=utf-8';
const ROLE_MAX_SESSION_RANGE = { min: 3600, max: 43200 } as const;

function resolveConfig(options: AliyunStsEmulatorOptions): EmulatorConfig {
  const { maxSessionDuration, allowedSkewSeconds } = resolveLimits(options, {
    maxSessionDuration: DEFAULT_DURATION_SECONDS,
    maxSessionRange: ROLE_MAX_SESSION_RANGE,
    allowedSkewSeconds: 900,
  });
  return {
    callers: options.callers,
    maxSessionDuration,
    allowedSkewMs: allowedSkewSeconds * 1000,
    now: options.now ?? Date.now,
  };
}

type ErrorFault = Extract<AliyunStsFault, { kind: 'error' }>;

class StsEmulatorServer extends EmulatorServer<ErrorFault, RecordedAssumeRole, AliyunStsRejection> implements KeyIssuer {
  private readonly nonces: NonceLedger;
  private readonly issuedKeys = new IssuedKeys();

  constructor(private readonly config: EmulatorConfig) {
    super(JSON_CONTENT_TYPE);
    this.nonces = new NonceLedger(2 * config.allowedSkewMs + 1000);
  }

  override reset(): void {
    super.reset();
    this.nonces.clear();
  }

  issuedKey(accessKeyId: string) {
    return this.issuedKeys.issuedKey(accessKeyId);
  }

  protected answer(received: IncomingRequest, res: ServerResponse): void {
    const request: ReceivedRequest = { ...received, ...splitTarget(received.url) };
    try {
      checkRoute(request);
      const parameters = parseParameters(request.query);
      const caller = authenticate(request, this.config, this.nonces);
      const input = validateAssumeRole(parameters, this.config.maxSessionDuration);
      const issued = issueCredentials(input, this.config.now());
      this.calls.push({ callerAccessKeyId: caller.accessKeyId, securityToken: caller.securityToken, ...input, issued });
      this.issuedKeys.add({ ...issued, expiresAt: Date.parse(issued.expiration) });
      this.sendJson(res, 200, assumeRoleResponse(input, issued));
    } catch (error) {
      if (!(error instanceof StsRejection)) throw error;
      this.rejections.push({ code: error.code, status: error.status });
      this.sendJson(res, error.status, errorBody(error.code, error.message));
    }
  }

  protected answerErrorFault(fault: ErrorFault, res: ServerResponse): void {
    this.sendJson(res, fault.status, errorBody(fault.code, fault.message ?? standardMessage(fault.code)));
  }

  protected answerInternalError(error: unknown, res: ServerResponse): void {
    this.sendJson(res, 500, errorBody('InternalError', `${standardMessage('InternalError')} (${String(error)})`));
  }

  /** STS repeats the body's RequestId in the `x-acs-request-id` header. */
  protected override sendJson(res: ServerResponse, status: number, body: object): void {
    const requestId = 'RequestId' in body && typeof body.RequestId === 'string' ? body.RequestId : undefined;
    if (requestId) res.setHeader('x-acs-request-id', requestId);
    super.sendJson(res, status, body);
  }
}
