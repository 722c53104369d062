/**
 * Local emulator of Tencent Cloud STS `AssumeRole` (version 2018-08-13, API 3.0 style, `TC3-HMAC-SHA256` signature).
 *
 * End-to-end tests and the local dev server point our STS client at this server to prove that it signs requests the
 * way Tencent Cloud checks them. That proof is only worth something if the verifier is not the signer looking at
 * itself, so everything below is written from the published algorithm ("签名方法 v3",
 * https://cloud.tencent.com/document/api/213/30654) and shares no code with the project's signer in lib/.
 *
 * Requests go through the checks in the order a gateway applies them: routing and common parameters, then
 * authentication, then the API's own parameters. Like Tencent Cloud, every refusal is an HTTP 200 carrying
 * `{"Response":{"Error":{"Code","Message"},"RequestId"}}`, so client error handling can be exercised too, and
 * `injectFault` simulates the failures that validation cannot produce (throttling, outages, hangs, broken bodies).
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { EmulatorServer, listening, randomAlphanumeric, resolveLimits } from './shared/emulator-server.js';
import { IssuedKeys, type KeyIssuer } from './shared/issued-keys.js';
import type { EmulatorHandle, IncomingRequest, TransportFault } from './shared/emulator-server.js';
import { isJsonMediaType, isPlainObject, parseJsonObject } from './shared/json-body.js';
import { isStringOrStringList, parsePolicyDocument, statementListProblem } from './shared/policy-document.js';
import {
  canonicalRequest,
  constantTimeEqual,
  parseAuthorizationFields,
  sha256Hex,
  signedHeaderListProblem,
  splitTarget,
} from './shared/signing.js';
import type { CanonicalizationRules, CanonicalRequestInput } from './shared/signing.js';

// ---------------------------------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------------------------------

export interface TencentStsCaller {
  secretKey: string;
  /** When set, the caller holds temporary credentials: requests must carry this exact `X-TC-Token`. */
  token?: string;
}

export interface TencentStsEmulatorOptions {
  /** SecretId -> caller. Read on every request, so callers may be added or removed while the emulator runs. */
  callers: Record<string, TencentStsCaller>;
  port?: number;
  /** The target role's SessionDuration in seconds (900..43200), default 7200. */
  maxSessionDuration?: number;
  /** Accepted distance between `X-TC-Timestamp` and the emulator clock, default 300 (Tencent's five minutes). */
  allowedSkewSeconds?: number;
  /** Millisecond clock, default Date.now. */
  now?: () => number;
}

export interface RecordedTencentAssumeRole {
  callerSecretId: string;
  token: string | undefined;
  region: string;
  roleArn: string;
  roleSessionName: string;
  durationSeconds: number;
  /** The policy JSON text after URL-decoding, as STS evaluates it. */
  policy: string | undefined;
  issued: { tmpSecretId: string; tmpSecretKey: string; token: string; expiredTime: number; expiration: string };
}

export type TencentStsFault =
  /** `status` defaults to 200: Tencent Cloud answers business errors with HTTP 200. */
  | { kind: 'error'; code: string; message?: string; status?: number }
  | TransportFault;

/** Every refusal is an HTTP 200, so only the code is recorded. */
export interface TencentStsRejection {
  code: string;
}

/** The COS stand-in trusts it through {@link KeyIssuer}: it accepts the keys this emulator issued. */
export type TencentStsEmulator = EmulatorHandle<RecordedTencentAssumeRole, TencentStsFault, TencentStsRejection> & KeyIssuer;

export async function startTencentStsEmulator(options: TencentStsEmulatorOptions): Promise<TencentStsEmulator> {
  return listening(new StsEmulatorServer(resolveConfig(options)), options.port);
}

// ---------------------------------------------------------------------------------------------------------------------
// TC3-HMAC-SHA256 verification (pure functions, exported so the official worked examples can be checked directly)
// ---------------------------------------------------------------------------------------------------------------------

export const TC3_ALGORITHM = 'TC3-HMAC-SHA256';
const SCOPE_TERMINATOR = 'tc3_request';

export { sha256Hex };

/**
 * How a signed header's value enters CanonicalHeaders: trimmed, then lower-cased.
 *
 * The reference's pseudocode (§4.2) reads `lower(key):trim(value)`, which would leave the value's case alone. The
 * official worked example that signs a third header (variant C, https://cloud.tencent.com/document/api/213/30654)
 * settles it the other way: the request sends `X-TC-Action: DescribeInstances`, the canonical request shows
 * `x-tc-action:describeinstances`, and the published signature `10b1a37a…` is only reproduced with the value
 * lower-cased (the tests check both). The rule text of that page, "头部 key 和 value 统一转成小写，并去掉首尾空格",
 * says the same, and variant A is consistent with it because its values happen to be lower-case already. A verifier
 * that kept the case would refuse every client that follows the official page. The consequence is that the signature
 * does not protect the case of a signed value; the checks that read values (action, version, token) compare exactly.
 *
 * Node hands header values over as latin1 strings (one character per byte); they are read back as UTF-8 so that a
 * non-ASCII value is lower-cased and hashed as the client, which signs text, saw it.
 */
export function canonicalHeaderValue(received: string): string {
  return Buffer.from(received, 'latin1').toString('utf8').trim().toLowerCase();
}

export type { CanonicalRequestInput };

/** Method, path and the raw query after `?` as sent; header values trimmed and lower-cased. */
const TC3_CANONICALIZATION: CanonicalizationRules = {
  method: (method) => method,
  uri: (path) => path,
  query: (query) => query,
  headerValue: canonicalHeaderValue,
};

/**
 * `Method \n URI \n QueryString \n CanonicalHeaders \n SignedHeaders \n HashedRequestPayload`, where CanonicalHeaders
 * is one `name:value\n` line per signed header and HashedRequestPayload the lowercase hex SHA-256 of the received
 * body. Throws if a signed header is absent: callers check that beforehand.
 */
export function canonicalRequestFor(input: CanonicalRequestInput): string {
  return canonicalRequest(input, TC3_CANONICALIZATION);
}

/** `<date>/<service>/tc3_request`. */
export function credentialScopeFor(date: string, service: string): string {
  return `${date}/${service}/${SCOPE_TERMINATOR}`;
}

/** `Timestamp` is the `X-TC-Timestamp` text as sent; the scope date is UTC (see {@link utcDateOf}). */
export function stringToSignFor(timestamp: string, credentialScope: string, canonicalRequest: string): string {
  return [TC3_ALGORITHM, timestamp, credentialScope, sha256Hex(canonicalRequest)].join('\n');
}

/** SecretDate = HMAC("TC3" + key, date); SecretService = HMAC(SecretDate, service); SecretSigning = HMAC(…, "tc3_request"). */
export function signingKeyFor(secretKey: string, date: string, service: string): Buffer {
  const secretDate = hmac(`TC3${secretKey}`, date);
  const secretService = hmac(secretDate, service);
  return hmac(secretService, SCOPE_TERMINATOR);
}

export function signatureFor(signingKey: Buffer, stringToSign: string): string {
  return hmac(signingKey, stringToSign).toString('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** `yyyy-mm-dd` of a Unix timestamp in UTC: 1551113065 is 2019-02-26 in Beijing but 2019-02-25 here. */
export function utcDateOf(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().slice(0, 10);
}

export type ParsedAuthorization =
  | { ok: true; secretId: string; date: string; service: string; signedHeaders: string[]; signature: string }
  | { ok: false; reason: string };

const AUTHORIZATION_FIELDS = ['Credential', 'SignedHeaders', 'Signature'];

/**
 * Parses `TC3-HMAC-SHA256 Credential=<SecretId>/<date>/<service>/tc3_request, SignedHeaders=<a;b>, Signature=<hex>`
 * (spaces after the commas optional). Checks shape only; whether date and service are the right ones is left to
 * the caller.
 */
export function parseTc3Authorization(value: string): ParsedAuthorization {
  const space = value.indexOf(' ');
  const algorithm = space === -1 ? value : value.slice(0, space);
  if (algorithm !== TC3_ALGORITHM) return { ok: false, reason: `unsupported algorithm "${algorithm}"` };
  const fields = parseAuthorizationFields(value.slice(space + 1), AUTHORIZATION_FIELDS);
  if (typeof fields === 'string') return { ok: false, reason: fields };
  const { Credential: credential, SignedHeaders: signedList, Signature: signature } = fields;
  if (!credential || !signedList || !signature) {
    return { ok: false, reason: 'Credential, SignedHeaders and Signature are all required' };
  }
  const [secretId, date, service, terminator, ...rest] = credential.split('/');
  if (!secretId || !date || !service || terminator !== SCOPE_TERMINATOR || rest.length > 0) {
    return { ok: false, reason: `Credential must be <SecretId>/<date>/<service>/${SCOPE_TERMINATOR}` };
  }
  if (!/^[0-9a-f]{64}$/.test(signature)) return { ok: false, reason: 'Signature must be 64 lowercase hex digits' };
  const signedHeaders = signedList.split(';');
  const problem = signedHeaderListProblem(signedHeaders);
  if (problem !== undefined) return { ok: false, reason: problem };
  return { ok: true, secretId, date, service, signedHeaders, signature };
}

export interface SignedRequest {
  method: string;
  /** Request target exactly as received. */
  url: string;
  /** Received headers by lowercase name, `authorization` and `x-tc-timestamp` included. */
  headers: Readonly<Record<string, string | undefined>>;
  body: string | Buffer;
}

export type SignatureVerdict =
  | { ok: true; secretId: string }
  | { ok: false; reason: string; canonicalRequest?: string; stringToSign?: string };

/**
 * Recomputes the signature of a received request from its Authorization header, its `X-TC-Timestamp` and the SHA-256
 * of the body actually received, and compares it in constant time. Only the cryptographic check: which headers must
 * be signed, the clock, and whether the scope names the right date and service are policy decisions for the caller.
 */
export function verifyTc3Signature(request: SignedRequest, secretKey: string): SignatureVerdict {
  const authorization = parseTc3Authorization(request.headers['authorization'] ?? '');
  if (!authorization.ok) return { ok: false, reason: authorization.reason };
  const absent = authorization.signedHeaders.find((name) => request.headers[name] === undefined);
  if (absent !== undefined) return { ok: false, reason: `signed header ${absent} is absent` };
  const timestamp = request.headers['x-tc-timestamp'];
  if (timestamp === undefined) return { ok: false, reason: 'X-TC-Timestamp is absent' };

  const canonicalRequest = canonicalRequestFor({
    method: request.method,
    url: request.url,
    headers: request.headers,
    signedHeaders: authorization.signedHeaders,
    hashedPayload: sha256Hex(request.body),
  });
  const { secretId, date, service, signature } = authorization;
  const stringToSign = stringToSignFor(timestamp, credentialScopeFor(date, service), canonicalRequest);
  const expected = signatureFor(signingKeyFor(secretKey, date, service), stringToSign);
  return constantTimeEqual(expected, signature)
    ? { ok: true, secretId }
    : { ok: false, reason: 'signature mismatch', canonicalRequest, stringToSign };
}

// ---------------------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------------------

/** A refusal answered with the API 3.0 error body; thrown by the checks below to stop at the first failing one. */
class StsRejection extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Messages worded after the descriptions in the common and STS error code tables (1553/75174, the Go SDK's
 * errors.go); the SignatureFailure text is the one quoted verbatim in the reference.
 */
const STANDARD_MESSAGES: Record<string, string> = {
  'AuthFailure.InvalidAuthorization': 'The Authorization in the request header is invalid.',
  'AuthFailure.SecretIdNotFound': 'The SecretId was not found. Please check that the key exists and is enabled.',
  'AuthFailure.SignatureExpire': 'Signature expired. Timestamp and server time cannot differ by more than 5 minutes.',
  'AuthFailure.SignatureFailure':
    'The provided credentials could not be validated. Please check your signature is correct.',
  'AuthFailure.TokenFailure': 'The token is invalid.',
  InvalidAction: 'The requested action does not exist.',
  NoSuchVersion: 'The requested API version does not exist.',
  MissingParameter: 'A required parameter is missing.',
  InvalidParameter: 'A parameter is invalid (format or type).',
  InvalidParameterValue: 'A parameter value is invalid.',
  UnknownParameter: 'An undefined parameter was passed.',
  UnsupportedProtocol: 'The HTTP(S) request protocol is not supported.',
  'InvalidParameter.OverTimeError': 'DurationSeconds exceeds the allowed maximum.',
  'InvalidParameter.PolicyTooLong': 'The policy is too long.',
  'InvalidParameter.StrategyFormatError': 'The policy syntax is invalid.',
  RequestLimitExceeded: 'The number of requests exceeds the frequency limit.',
  InternalError: 'An internal error occurred.',
};

function standardMessage(code: string): string {
  return STANDARD_MESSAGES[code] ?? `The request failed with error ${code}.`;
}

/** Appends a diagnostic to the standard message: this is a development tool, the reason is what people look for. */
function fail(code: string, detail?: string): never {
  throw new StsRejection(code, detail ? `${standardMessage(code)} ${detail}` : standardMessage(code));
}

// ---------------------------------------------------------------------------------------------------------------------
// Request checks, in gateway order
// ---------------------------------------------------------------------------------------------------------------------

const API_ACTION = 'AssumeRole';
const API_VERSION = '2018-08-13';
const API_SERVICE = 'sts';
const REQUIRED_SIGNED_HEADERS = ['content-type', 'host'] as const;

/** The received request with the path of its target. */
interface ReceivedRequest extends IncomingRequest {
  path: string;
}

interface EmulatorConfig {
  callers: Record<string, TencentStsCaller>;
  maxSessionDuration: number;
  allowedSkewSeconds: number;
  now: () => number;
}

interface AuthenticatedCaller {
  secretId: string;
  token: string | undefined;
}

/**
 * Only the API 3.0 form of the call is served: POST / with a JSON body (the form-encoded and GET forms belong to the
 * v1 signature or to TC3 over a query string, which this emulator does not implement).
 */
function checkRoute(request: ReceivedRequest): void {
  if (request.method !== 'POST') {
    fail('UnsupportedProtocol', `(${request.method}: this emulator serves POST with a JSON body only)`);
  }
  if (request.path !== '/') fail('InvalidAction', `(path ${request.path}: API 3.0 is served at /)`);
  const contentType = request.headers['content-type'];
  if (!isJsonMediaType(contentType)) {
    fail('UnsupportedProtocol', `(Content-Type ${contentType ?? 'absent'}: TC3 over POST needs application/json)`);
  }
}

/** The common parameters of API 3.0 travel as headers; Region is optional in general but required by AssumeRole. */
function checkCommonParameters(request: ReceivedRequest): string {
  const action = request.headers['x-tc-action'];
  if (!action) fail('MissingParameter', '(X-TC-Action)');
  if (action !== API_ACTION) fail('InvalidAction', `(X-TC-Action: ${action}; this emulator serves ${API_ACTION})`);
  const version = request.headers['x-tc-version'];
  if (!version) fail('MissingParameter', '(X-TC-Version)');
  if (version !== API_VERSION) fail('NoSuchVersion', `(X-TC-Version: ${version}, expected ${API_VERSION})`);
  const region = request.headers['x-tc-region'];
  if (!region) fail('MissingParameter', `(X-TC-Region is required for ${API_ACTION})`);
  return region;
}

/** Cheap checks come before the caller lookup; the token is held against the caller before the signature is. */
function authenticate(request: ReceivedRequest, config: EmulatorConfig): AuthenticatedCaller {
  const authorization = requireAuthorization(request);
  const timestamp = checkTimestamp(request.headers['x-tc-timestamp'], config);
  checkCredentialScope(authorization, timestamp);
  checkSignedHeaders(request, authorization.signedHeaders);
  const caller = lookupCaller(config.callers, authorization.secretId);
  const token = checkToken(caller, request.headers['x-tc-token']);
  checkSignature(request, caller.secretKey);
  return { secretId: authorization.secretId, token };
}

function requireAuthorization(request: ReceivedRequest): Extract<ParsedAuthorization, { ok: true }> {
  const header = request.headers['authorization'];
  if (!header) fail('AuthFailure.InvalidAuthorization', `(Authorization is absent; expected ${TC3_ALGORITHM})`);
  const parsed = parseTc3Authorization(header);
  if (!parsed.ok) return fail('AuthFailure.InvalidAuthorization', `(${parsed.reason})`);
  return parsed;
}

function checkTimestamp(value: string | undefined, config: EmulatorConfig): number {
  if (!value) fail('MissingParameter', '(X-TC-Timestamp)');
  // Up to 15 digits stays a safe integer, so a millisecond timestamp is reported as the clock error it is.
  if (!/^\d{1,15}$/.test(value)) fail('InvalidParameterValue', `(X-TC-Timestamp must be Unix seconds, got ${value})`);
  const sent = Number(value);
  // Whole seconds on both sides, as the header carries them.
  const serverTime = Math.floor(config.now() / 1000);
  if (Math.abs(serverTime - sent) > config.allowedSkewSeconds) {
    fail('AuthFailure.SignatureExpire', `(X-TC-Timestamp ${value}, server time ${serverTime})`);
  }
  return sent;
}

/** The scope must name this service and the UTC date of the timestamp that the string to sign carries. */
function checkCredentialScope(authorization: { date: string; service: string }, timestamp: number): void {
  const expectedDate = utcDateOf(timestamp);
  if (authorization.date !== expectedDate) {
    fail(
      'AuthFailure.InvalidAuthorization',
      `(credential scope date ${authorization.date} is not the UTC date of X-TC-Timestamp, ${expectedDate})`,
    );
  }
  if (authorization.service !== API_SERVICE) {
    fail('AuthFailure.InvalidAuthorization', `(credential scope service ${authorization.service}, expected sts)`);
  }
}

/**
 * content-type and host must be signed, and each signed header must appear exactly once: a repeated header could be
 * read differently by a proxy and by the verifier.
 */
function checkSignedHeaders(request: ReceivedRequest, signedHeaders: readonly string[]): void {
  const unsigned = REQUIRED_SIGNED_HEADERS.find((name) => !signedHeaders.includes(name));
  if (unsigned !== undefined) fail('AuthFailure.InvalidAuthorization', `(SignedHeaders must include ${unsigned})`);
  for (const name of signedHeaders) {
    if (request.headers[name] === undefined) fail('AuthFailure.InvalidAuthorization', `(signed header ${name} is absent)`);
    if (request.repeatedHeaders.has(name)) fail('AuthFailure.InvalidAuthorization', `(signed header ${name} is repeated)`);
  }
}

function lookupCaller(callers: Record<string, TencentStsCaller>, secretId: string): TencentStsCaller {
  // hasOwn, so that a SecretId such as "constructor" is not found on the prototype.
  const caller = Object.hasOwn(callers, secretId) ? callers[secretId] : undefined;
  return caller ?? fail('AuthFailure.SecretIdNotFound', `(SecretId: ${secretId})`);
}

/** A permanent key sending a token is refused too: it means the client is holding on to a stale temporary key. */
function checkToken(caller: TencentStsCaller, sent: string | undefined): string | undefined {
  if (caller.token !== undefined && !sent) fail('AuthFailure.TokenFailure', '(X-TC-Token is required for this SecretId)');
  if (sent !== undefined && (caller.token === undefined || !constantTimeEqual(sent, caller.token))) {
    fail('AuthFailure.TokenFailure', '(X-TC-Token does not belong to this SecretId)');
  }
  return sent;
}

function checkSignature(request: ReceivedRequest, secretKey: string): void {
  const verdict = verifyTc3Signature(request, secretKey);
  if (verdict.ok) return;
  // The canonical request is what a developer has to diff against their own, so it is quoted.
  const detail = verdict.canonicalRequest
    ? `(canonical request: ${JSON.stringify(verdict.canonicalRequest)}; string to sign: ${JSON.stringify(verdict.stringToSign)})`
    : `(${verdict.reason})`;
  fail('AuthFailure.SignatureFailure', detail);
}

// ---------------------------------------------------------------------------------------------------------------------
// AssumeRole parameters
// ---------------------------------------------------------------------------------------------------------------------

/** Request fields of AssumeRole 2018-08-13 (sts_models.d.ts, 1312/48197); anything else is a client mistake. */
const KNOWN_PARAMETERS = new Set([
  'RoleArn',
  'RoleSessionName',
  'DurationSeconds',
  'Policy',
  'ExternalId',
  'Tags',
  'SourceIdentity',
  'SerialNumber',
  'TokenCode',
]);
const ROLE_ARN_PATTERN = new RegExp(
  String.raw`^qcs::cam::uin/\d+:(?:role/\d+|roleName/[\w+=,.@-]{1,128}` +
    String.raw`|role/tencentcloudServiceRole(?:Name)?/[\w+=,.@-]{1,128})$`,
);
const ROLE_SESSION_NAME_PATTERN = /^[\w+=,.@-]{2,128}$/;
const EXTERNAL_ID_PATTERN = /^[\w+=,.@:/-]{2,128}$/;
const DEFAULT_DURATION_SECONDS = 7200;
/** The reference states no limit for AssumeRole's Policy, so this is the emulator's choice, in decoded characters. */
export const MAX_POLICY_LENGTH = 2048;
const MAX_TAGS = 50;

interface AssumeRoleInput {
  roleArn: string;
  roleSessionName: string;
  durationSeconds: number;
  policy: string | undefined;
}

function parseBody(body: Buffer): Record<string, unknown> {
  const parsed = parseJsonObject(body, (problem) => fail('InvalidParameter', `(the request body ${problem})`));
  const unknown = Object.keys(parsed).find((name) => !KNOWN_PARAMETERS.has(name));
  if (unknown !== undefined) fail('UnknownParameter', `(${unknown} is not a parameter of ${API_ACTION})`);
  return parsed;
}

function validateAssumeRole(parameters: Record<string, unknown>, maxSessionDuration: number): AssumeRoleInput {
  const input = {
    roleArn: validateRoleArn(parameters['RoleArn']),
    roleSessionName: validateRoleSessionName(parameters['RoleSessionName']),
    durationSeconds: validateDuration(parameters['DurationSeconds'], maxSessionDuration),
    policy: validatePolicy(parameters['Policy']),
  };
  validateExternalId(parameters['ExternalId']);
  validateTags(parameters['Tags']);
  for (const name of ['SourceIdentity', 'SerialNumber', 'TokenCode']) optionalString(parameters[name], name);
  return input;
}

function requiredString(value: unknown, name: string): string {
  if (value === undefined || value === null) fail('MissingParameter', `(${name})`);
  if (typeof value !== 'string') fail('InvalidParameter', `(${name} must be a string)`);
  return value;
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') fail('InvalidParameter', `(${name} must be a string)`);
  return value;
}

function validateRoleArn(value: unknown): string {
  const roleArn = requiredString(value, 'RoleArn');
  if (!ROLE_ARN_PATTERN.test(roleArn)) {
    fail('InvalidParameterValue', `(RoleArn ${roleArn}: expected qcs::cam::uin/<uin>:role/<id> or :roleName/<name>)`);
  }
  return roleArn;
}

function validateRoleSessionName(value: unknown): string {
  const name = requiredString(value, 'RoleSessionName');
  if (!ROLE_SESSION_NAME_PATTERN.test(name)) {
    fail('InvalidParameterValue', '(RoleSessionName must be 2-128 characters of A-Z a-z 0-9 _ + = , . @ -)');
  }
  return name;
}

/**
 * An integer JSON number: the API types it Integer, so "900" (a string) or 900.5 is a type error. When absent, the
 * documented default of 7200 is capped at the role's maximum rather than refused: the caller asked for nothing
 * excessive (the reference does not say which of the two STS does).
 */
function validateDuration(value: unknown, maxSessionDuration: number): number {
  if (value === undefined || value === null) return Math.min(DEFAULT_DURATION_SECONDS, maxSessionDuration);
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    fail('InvalidParameter', `(DurationSeconds must be an integer, got ${JSON.stringify(value)})`);
  }
  if (value < 0) fail('InvalidParameterValue', `(DurationSeconds ${value} is negative)`);
  if (value > maxSessionDuration) {
    fail('InvalidParameter.OverTimeError', `(DurationSeconds ${value}, the role allows at most ${maxSessionDuration})`);
  }
  return value;
}

/** Returns the decoded policy text: STS URL-decodes the field ("服务端会对该字段做urldecode") before reading it. */
function validatePolicy(value: unknown): string | undefined {
  const encoded = optionalString(value, 'Policy');
  if (encoded === undefined) return undefined;
  const policy = decodePolicy(encoded);
  if (policy.length > MAX_POLICY_LENGTH) {
    fail('InvalidParameter.PolicyTooLong', `(${policy.length} characters after decoding, at most ${MAX_POLICY_LENGTH})`);
  }
  const problem = policyGrammarProblem(policy);
  if (problem !== undefined) fail('InvalidParameter.StrategyFormatError', `(${problem})`);
  return policy;
}

/**
 * The field must be URL-encoded. Characters that URL encoders leave literal (RFC 3986 unreserved, `!*'()` as
 * encodeURIComponent does, `/` as Python's quote does) may appear raw; anything else means the policy was sent
 * unencoded. Such a policy would often survive the server's urldecode unchanged, until the day it contains a `%` or
 * a `+`, so it is refused now. A raw `+` is refused for the same reason: whether it meant a space is encoder-specific.
 */
function decodePolicy(encoded: string): string {
  const raw = /[^A-Za-z0-9\-_.~!*'()/%]/.exec(encoded);
  if (raw) fail('InvalidParameter.StrategyFormatError', `(Policy must be URL-encoded; found a raw "${raw[0]}")`);
  try {
    return decodeURIComponent(encoded);
  } catch {
    return fail('InvalidParameter.StrategyFormatError', '(Policy is not valid percent-encoding)');
  }
}

/** The subset of CAM policy grammar a session policy needs; returns what is wrong, or undefined. */
export function policyGrammarProblem(text: string): string | undefined {
  const document = parsePolicyDocument(text);
  if (typeof document === 'string') return document;
  if (containsPrincipal(document)) return 'a session policy must not contain principal';
  if (document['version'] !== '2.0') return 'version must be "2.0"';
  return statementListProblem(document, 'statement', statementProblem);
}

/** Anywhere in the document and in any case, so that neither nesting nor `Principal` slips one through. */
function containsPrincipal(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(containsPrincipal);
  if (!isPlainObject(value)) return false;
  return Object.entries(value).some(([key, item]) => key.toLowerCase() === 'principal' || containsPrincipal(item));
}

function statementProblem(statement: unknown): string | undefined {
  if (!isPlainObject(statement)) return 'not an object';
  if (statement['effect'] !== 'allow' && statement['effect'] !== 'deny') return 'effect must be "allow" or "deny"';
  if (!isStringOrStringList(statement['action'])) return 'action must be a string or a non-empty list of strings';
  if (!isStringOrStringList(statement['resource'])) return 'resource must be a string or a non-empty list of strings';
  const condition = statement['condition'];
  if (condition !== undefined && !isPlainObject(condition)) return 'condition must be an object';
  return undefined;
}

function validateExternalId(value: unknown): void {
  const externalId = optionalString(value, 'ExternalId');
  if (externalId !== undefined && !EXTERNAL_ID_PATTERN.test(externalId)) {
    fail('InvalidParameterValue', '(ExternalId must be 2-128 characters of A-Z a-z 0-9 _ + = , . @ : / -)');
  }
}

function validateTags(value: unknown): void {
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) fail('InvalidParameter', '(Tags must be an array)');
  if (value.length > MAX_TAGS) fail('InvalidParameterValue', `(at most ${MAX_TAGS} Tags)`);
  const keys = new Set<string>();
  for (const tag of value as unknown[]) {
    const key = isPlainObject(tag) ? tag['Key'] : undefined;
    const tagValue = isPlainObject(tag) ? tag['Value'] : undefined;
    if (typeof key !== 'string' || typeof tagValue !== 'string') {
      fail('InvalidParameter', '(each tag must be {"Key": string, "Value": string})');
    }
    if (key === '' || key.length > 128 || tagValue.length > 256) {
      fail('InvalidParameterValue', '(tag keys are 1-128 characters, values at most 256)');
    }
    if (keys.has(key)) fail('InvalidParameterValue', `(tag key ${key} is repeated)`);
    keys.add(key);
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Issued credentials and response bodies
// ---------------------------------------------------------------------------------------------------------------------

interface AssumeRoleResponseBody {
  Response: {
    Credentials: { Token: string; TmpSecretId: string; TmpSecretKey: string };
    ExpiredTime: number;
    Expiration: string;
    RequestId: string;
  };
}

interface ErrorResponseBody {
  Response: { Error: { Code: string; Message: string }; RequestId: string };
}

/**
 * Shapes follow real credentials so clients meet what production sends: `AKID` ids, base64 secret keys (with `/`,
 * `+` and `=`), and long tokens (real ones run to several hundred characters, at most 4096 bytes).
 */
function issueCredentials(input: AssumeRoleInput, nowMs: number): RecordedTencentAssumeRole['issued'] {
  const expiredTime = Math.floor(nowMs / 1000) + input.durationSeconds;
  return {
    tmpSecretId: `AKID${randomAlphanumeric(68)}`,
    tmpSecretKey: randomBytes(32).toString('base64'),
    token: randomBytes(540).toString('base64url'),
    expiredTime,
    expiration: utcSeconds(expiredTime),
  };
}

function assumeRoleResponse(issued: RecordedTencentAssumeRole['issued']): AssumeRoleResponseBody {
  return {
    Response: {
      Credentials: { Token: issued.token, TmpSecretId: issued.tmpSecretId, TmpSecretKey: issued.tmpSecretKey },
      ExpiredTime: issued.expiredTime,
      Expiration: issued.expiration,
      RequestId: randomUUID(),
    },
  };
}

function errorBody(code: string, message: string): ErrorResponseBody {
  return { Response: { Error: { Code: code, Message: message }, RequestId: randomUUID() } };
}

/** ISO-8601 UTC at second precision, the form of `Expiration`. */
function utcSeconds(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace('.000Z', 'Z');
}

// ---------------------------------------------------------------------------------------------------------------------
// HTTP server
// ---------------------------------------------------------------------------------------------------------------------

const JSON_CONTENT_TYPE = 'application/json';
const ROLE_MAX_SESSION_RANGE = { min: 900, max: 43200 } as const;
const DEFAULT_ALLOWED_SKEW_SECONDS = 300;
/** Tencent Cloud answers business errors with 200 and the error in the body. */
const ERROR_STATUS = 200;

function resolveConfig(options: TencentStsEmulatorOptions): EmulatorConfig {
  const { maxSessionDuration, allowedSkewSeconds } = resolveLimits(options, {
    maxSessionDuration: DEFAULT_DURATION_SECONDS,
    maxSessionRange: ROLE_MAX_SESSION_RANGE,
    allowedSkewSeconds: DEFAULT_ALLOWED_SKEW_SECONDS,
  });
  return {
    callers: options.callers,
    maxSessionDuration,
    allowedSkewSeconds,
    now: options.now ?? Date.now,
  };
}

type ErrorFault = Extract<TencentStsFault, { kind: 'error' }>;

class StsEmulatorServer extends EmulatorServer<ErrorFault, RecordedTencentAssumeRole, TencentStsRejection> implements KeyIssuer {
  private readonly issuedKeys = new IssuedKeys();

  constructor(private readonly config: EmulatorConfig) {
    super(JSON_CONTENT_TYPE);
  }

  issuedKey(accessKeyId: string) {
    return this.issuedKeys.issuedKey(accessKeyId);
  }

  protected answer(received: IncomingRequest, res: ServerResponse): void {
    const request: ReceivedRequest = { ...received, path: splitTarget(received.url).path };
    try {
      checkRoute(request);
      const region = checkCommonParameters(request);
      const caller = authenticate(request, this.config);
      const input = validateAssumeRole(parseBody(request.body), this.config.maxSessionDuration);
      const issued = issueCredentials(input, this.config.now());
      this.calls.push({ callerSecretId: caller.secretId, token: caller.token, region, ...input, issued });
      this.issuedKeys.add({ accessKeyId: issued.tmpSecretId, accessKeySecret: issued.tmpSecretKey, securityToken: issued.token, expiresAt: issued.expiredTime * 1000 });
      this.sendJson(res, 200, assumeRoleResponse(issued));
    } catch (error) {
      if (!(error instanceof StsRejection)) throw error;
      this.rejections.push({ code: error.code });
      this.sendJson(res, ERROR_STATUS, errorBody(error.code, error.message));
    }
  }

  protected answerErrorFault(fault: ErrorFault, res: ServerResponse): void {
    this.sendJson(res, fault.status ?? ERROR_STATUS, errorBody(fault.code, fault.message ?? standardMessage(fault.code)));
  }

  protected answerInternalError(error: unknown, res: ServerResponse): void {
    this.sendJson(res, ERROR_STATUS, errorBody('InternalError', `${standardMessage('InternalError')} (${String(error)})`));
  }
}
