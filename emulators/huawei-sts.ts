/**
 * Local emulator of Huawei Cloud STS (IAM5) `POST /v5/agencies/assume` (AssumeAgency): trades an AK/SK-signed request
 * for temporary credentials of an agency, optionally narrowed by a session policy.
 *
 * End-to-end tests and the local dev server point our Huawei client at this server to prove that it calls STS the way
 * STS checks calls. The checks are written from the published API reference (https://support.huaweicloud.com/api-iam5/
 * AssumeAgency.html and its API Explorer definition, which gives every field's length and pattern; reference §3.4) and
 * the signature from the signing guide (./huawei/sdk-hmac-verify.ts); nothing comes from lib/.
 *
 * Answers:
 * - success: HTTP **200** (the API definition's only success response, "200: 请求成功", example
 *   `{"assumed_agency":{"id","urn"},"credentials":{"access_key_id","expiration","secret_access_key","security_token"}}`,
 *   `expiration` like `2022-09-07T03:27:51.158Z`);
 * - STS's refusals: IAM5's documented error body `{"error_msg","error_code","request_id"}` (IAM5 API reference,
 *   "错误码" https://support.huaweicloud.com/api-iam5/ErrorCode.html), and for a denial (403) the extra
 *   `encoded_authorization_message`. Documented codes are used where one fits (`PAP5.0011` "malformed policy
 *   document", `PAP5.0001` "access denied"); the IAM5 tables name no code for a generally invalid request field, so
 *   those are answered with this emulator's own `STS.InvalidParameter` (400);
 * - gateway refusals (AK/SK authentication, unknown route): APIG's `APIGW.0301` (401) / `APIGW.0101` (404) with the
 *   same envelope.
 *
 * Only AK/SK authentication exists here (the API's security scheme is `AccessKeySignature`). A temporary key must send
 * and sign its X-Security-Token, and then the session may last at most 3600 s ("在携带X-Security-Token的Header头时该
 * 时间不能超过3600秒", agency chaining).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { listening, randomAlphanumeric, resolveMaxSessionDuration } from './shared/emulator-server.js';
import type { IncomingRequest } from './shared/emulator-server.js';
import { IssuedKeys, type KeyIssuer } from './shared/issued-keys.js';
import { isJsonMediaType, isPlainObject, parseJsonObject } from './shared/json-body.js';
import { parsePolicyDocument, statementListProblem } from './shared/policy-document.js';
import { APIG_STANDARD_MESSAGES, ApigEmulatorServer, authenticateAkSk, gatewayAuthFailure, refuse, resolveGatewayConfig } from './huawei/apig-server.js';
import type { GatewayConfig, GatewayOptions, HuaweiEmulatorHandle } from './huawei/apig-server.js';
import type { HuaweiAkSkCaller } from './huawei/sdk-hmac-verify.js';

// ---------------------------------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------------------------------

export type { HuaweiAkSkCaller } from './huawei/sdk-hmac-verify.js';
export type { HuaweiFault, HuaweiRejection } from './huawei/apig-server.js';

export interface HuaweiAgency {
  /** The agency's maximum session duration in seconds (3600..43200, IAM5's range), default 3600. */
  maxSessionDuration?: number;
}

/** `allowedSkewSeconds` and `now` are the gateway's (AK/SK authentication). */
export interface HuaweiStsEmulatorOptions extends GatewayOptions {
  /** AK -> caller. Read on every request, so callers may be added or removed while the emulator runs. */
  callers: Record<string, HuaweiAkSkCaller>;
  /**
   * Agency URN (`iam::<account_id>:agency:<name>`) -> agency: the agencies the callers may assume. Read on every
   * request; the URNs and durations given at start are checked then.
   */
  agencies: Record<string, HuaweiAgency>;
  port?: number;
}

export interface RecordedAssumeAgency {
  callerAccessKey: string;
  /** The X-Security-Token of a temporary caller key. */
  securityToken?: string;
  agencyUrn: string;
  agencySessionName: string;
  durationSeconds: number;
  /** The session policy text as received. */
  policy?: string;
  issued: { accessKeyId: string; secretAccessKey: string; securityToken: string; expiration: string };
}

/** The OBS stand-in trusts it through {@link KeyIssuer}: it accepts the keys this emulator issued. */
export type HuaweiStsEmulator = HuaweiEmulatorHandle<RecordedAssumeAgency> & KeyIssuer;

export async function startHuaweiStsEmulator(options: HuaweiStsEmulatorOptions): Promise<HuaweiStsEmulator> {
  return listening(new StsEmulatorServer(resolveConfig(options)), options.port);
}

// ---------------------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------------------

export const INVALID_PARAMETER = 'STS.InvalidParameter';
export const MALFORMED_POLICY = 'PAP5.0011';
export const ACCESS_DENIED = 'PAP5.0001';

const STANDARD_MESSAGES: Record<string, string> = {
  [INVALID_PARAMETER]: 'invalid request parameter',
  [MALFORMED_POLICY]: 'malformed policy document',
  [ACCESS_DENIED]: 'access denied',
  'STS.InternalError': 'internal server error',
  ...APIG_STANDARD_MESSAGES,
};

function standardMessage(code: string): string {
  return STANDARD_MESSAGES[code] ?? `request failed with error ${code}`;
}

function invalid(detail: string): never {
  return refuse(400, INVALID_PARAMETER, `${standardMessage(INVALID_PARAMETER)}: ${detail}`);
}

function malformedPolicy(detail: string): never {
  return refuse(400, MALFORMED_POLICY, `${standardMessage(MALFORMED_POLICY)}: ${detail}`);
}

// ---------------------------------------------------------------------------------------------------------------------
// Authentication (routing, and the AK/SK check, are the gateway's: ./huawei/apig-server.ts)
// ---------------------------------------------------------------------------------------------------------------------

const API_PATH = '/v5/agencies/assume';

interface EmulatorConfig extends GatewayConfig {
  agencies: Record<string, HuaweiAgency>;
}

function authenticate(request: IncomingRequest, config: EmulatorConfig): { accessKey: string; securityToken: string | undefined } {
  if (request.headers['authorization'] === undefined && request.headers['x-auth-token'] !== undefined) {
    gatewayAuthFailure('AssumeAgency takes AK/SK (SDK-HMAC-SHA256) authentication only, not X-Auth-Token');
  }
  return authenticateAkSk(request, config);
}

function checkContentType(request: IncomingRequest): void {
  const contentType = request.headers['content-type'];
  if (!isJsonMediaType(contentType)) invalid(`Content-Type ${contentType ?? 'absent'}: the body must be application/json`);
}

// ---------------------------------------------------------------------------------------------------------------------
// Body (AssumeAgencyReqBody)
// ---------------------------------------------------------------------------------------------------------------------

export const DEFAULT_DURATION_SECONDS = 3600;
export const MIN_DURATION_SECONDS = 900;
export const MAX_DURATION_SECONDS = 43200;
/** With X-Security-Token (temporary credentials, i.e. agency chaining) a session lasts at most one hour. */
export const MAX_CHAINED_DURATION_SECONDS = 3600;
export const MIN_POLICY_LENGTH = 2;
export const MAX_POLICY_LENGTH = 2048;

/** `iam::<account_id>:agency:<agency_name>`; account ids are 32 lower-case hex digits, agency names IAM5 names. */
const AGENCY_URN_PATTERN = /^iam::[0-9a-f]{32}:agency:[\w+=,.@-]{1,64}$/;
const MAX_AGENCY_URN_LENGTH = 1500;

interface StringRule {
  min: number;
  max: number;
  pattern: RegExp;
}

/** Lengths and patterns of the API definition's string fields (\w is ASCII-only in these patterns). */
const SESSION_NAME_RULE: StringRule = { min: 2, max: 128, pattern: /^[\w+=,.@-]*$/ };
const OPTIONAL_STRING_RULES: Record<string, StringRule> = {
  external_id: { min: 2, max: 1224, pattern: /^[\w+=,.@:/-]*$/ },
  serial_number: { min: 9, max: 256, pattern: /^[\w+=/:,.@-]*$/ },
  token_code: { min: 6, max: 6, pattern: /^\d{6}$/ },
  source_identity: { min: 2, max: 64, pattern: /^[\w+=,.@-]*$/ },
};
const TAG_KEY_PATTERN = /^(?!_sys_)[\p{L}\p{Z}\p{N}_.:=+\-@]{1,128}$/u;
const TAG_VALUE_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,255}$/u;
const POLICY_ID_PATTERN = /^[\w-]{1,64}$/;
const MAX_TAGS = 20;
const MAX_POLICY_IDS = 10;

const KNOWN_FIELDS = [
  'agency_urn',
  'agency_session_name',
  'duration_seconds',
  'policy',
  'policy_ids',
  'external_id',
  'serial_number',
  'token_code',
  'source_identity',
  'tags',
  'transitive_tag_keys',
];

interface AssumeAgencyInput {
  agencyUrn: string;
  agencySessionName: string;
  durationSeconds: number;
  policy: string | undefined;
  sourceIdentity: string | undefined;
}

function parseBody(body: Buffer): Record<string, unknown> {
  const parsed = parseJsonObject(body, (problem) => invalid(`the request body ${problem}`));
  const unknown = Object.keys(parsed).find((key) => !KNOWN_FIELDS.includes(key));
  if (unknown !== undefined) invalid(`unknown field ${unknown}`);
  return parsed;
}

function checkString(value: unknown, name: string, rule: StringRule): string {
  if (typeof value !== 'string') invalid(`${name} must be a string`);
  if (value.length < rule.min || value.length > rule.max) invalid(`${name} must be ${rule.min}..${rule.max} characters, got ${value.length}`);
  if (!rule.pattern.test(value)) invalid(`${name} contains characters outside ${rule.pattern.source}`);
  return value;
}

function validateAssumeAgency(body: Record<string, unknown>, config: EmulatorConfig, chained: boolean): AssumeAgencyInput {
  const agencyUrn = validateAgencyUrn(body['agency_urn']);
  if (body['agency_session_name'] === undefined) invalid('agency_session_name is required');
  const agencySessionName = checkString(body['agency_session_name'], 'agency_session_name', SESSION_NAME_RULE);
  for (const [name, rule] of Object.entries(OPTIONAL_STRING_RULES)) {
    if (body[name] !== undefined) checkString(body[name], name, rule);
  }
  validatePolicyIds(body['policy_ids']);
  validateTags(body['tags'], body['transitive_tag_keys']);
  const policy = validatePolicy(body['policy']);
  const agency = findAgency(config.agencies, agencyUrn);
  const durationSeconds = validateDuration(body['duration_seconds'], agency, chained);
  const sourceIdentity = body['source_identity'] as string | undefined;
  return { agencyUrn, agencySessionName, durationSeconds, policy, sourceIdentity };
}

function validateAgencyUrn(value: unknown): string {
  if (value === undefined) invalid('agency_urn is required');
  if (typeof value !== 'string') invalid('agency_urn must be a string');
  if (value.length > MAX_AGENCY_URN_LENGTH || !AGENCY_URN_PATTERN.test(value)) {
    invalid(`agency_urn ${JSON.stringify(value.slice(0, 200))} is not iam::<account_id>:agency:<agency_name>`);
  }
  return value;
}

/** Denied rather than "not found", as STS does not tell a caller which agencies exist in another account. */
function findAgency(agencies: Record<string, HuaweiAgency>, urn: string): { maxSessionDuration: number } {
  const agency = Object.hasOwn(agencies, urn) ? agencies[urn] : undefined;
  if (!agency) refuse(403, ACCESS_DENIED, `${standardMessage(ACCESS_DENIED)}: the caller may not assume ${urn} (sts:agencies:assume)`);
  return { maxSessionDuration: agencyMaxSession(agency, urn) };
}

/**
 * An integer JSON number in 900..43200, default 3600; at most the agency's maximum session duration (the doc says
 * "需要小于" the maximum, read as "not above": the default of 3600 would otherwise fail on every agency left at its
 * default maximum of 3600), and at most 3600 for a caller using temporary credentials.
 */
function validateDuration(value: unknown, agency: { maxSessionDuration: number }, chained: boolean): number {
  if (value === undefined) return DEFAULT_DURATION_SECONDS;
  if (typeof value !== 'number' || !Number.isInteger(value)) invalid(`duration_seconds must be an integer, got ${JSON.stringify(value)}`);
  if (value < MIN_DURATION_SECONDS || value > MAX_DURATION_SECONDS) {
    invalid(`duration_seconds must be ${MIN_DURATION_SECONDS}..${MAX_DURATION_SECONDS}, got ${value}`);
  }
  if (chained && value > MAX_CHAINED_DURATION_SECONDS) {
    invalid(`duration_seconds ${value}: with X-Security-Token (temporary credentials) at most ${MAX_CHAINED_DURATION_SECONDS}`);
  }
  if (value > agency.maxSessionDuration) {
    invalid(`duration_seconds ${value} exceeds the agency's maximum session duration ${agency.maxSessionDuration}`);
  }
  return value;
}

function validatePolicyIds(value: unknown): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || value.length > MAX_POLICY_IDS) invalid(`policy_ids must be an array of at most ${MAX_POLICY_IDS} ids`);
  for (const id of value as unknown[]) {
    if (typeof id !== 'string' || !POLICY_ID_PATTERN.test(id)) invalid(`policy_ids entry ${JSON.stringify(id)} is not a policy id`);
  }
}

function validateTags(tags: unknown, transitiveKeys: unknown): void {
  if (tags !== undefined) {
    if (!Array.isArray(tags) || tags.length > MAX_TAGS) invalid(`tags must be an array of at most ${MAX_TAGS} tags`);
    for (const tag of tags as unknown[]) {
      const key = isPlainObject(tag) ? tag['key'] : undefined;
      const value = isPlainObject(tag) ? tag['value'] : undefined;
      if (!isPlainObject(tag) || Object.keys(tag).some((name) => name !== 'key' && name !== 'value')) invalid('each tag must be {"key","value"}');
      if (typeof key !== 'string' || !TAG_KEY_PATTERN.test(key)) invalid(`tag key ${JSON.stringify(key)} is invalid`);
      if (typeof value !== 'string' || !TAG_VALUE_PATTERN.test(value)) invalid(`tag value ${JSON.stringify(value)} is invalid (may be "", not null)`);
    }
  }
  if (transitiveKeys !== undefined) {
    if (!Array.isArray(transitiveKeys) || transitiveKeys.length > MAX_TAGS) invalid(`transitive_tag_keys must be an array of at most ${MAX_TAGS} keys`);
    for (const key of transitiveKeys as unknown[]) {
      if (typeof key !== 'string' || !TAG_KEY_PATTERN.test(key)) invalid(`transitive tag key ${JSON.stringify(key)} is invalid`);
    }
  }
}

/**
 * A STRING of 2..2048 characters holding a v5 identity policy (`"Version": "5.0"`, reference §5.2). The length rules
 * are the request schema's (STS.InvalidParameter); what the text says is the policy grammar's (PAP5.0011).
 */
function validatePolicy(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') invalid('policy must be a string holding the policy JSON (the v3 API takes an object, STS v5 a string)');
  if (value.length < MIN_POLICY_LENGTH || value.length > MAX_POLICY_LENGTH) {
    invalid(`policy must be ${MIN_POLICY_LENGTH}..${MAX_POLICY_LENGTH} characters, got ${value.length}`);
  }
  const problem = v5PolicyProblem(value);
  if (problem !== undefined) malformedPolicy(problem);
  return value;
}

const STATEMENT_ELEMENTS = ['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition'];
/** `service:resourceType:operation` or `*`; `*` and `?` wildcards, any case ("支持*和?", "不区分大小写"). */
const V5_ACTION_PATTERN = /^(?:\*|[A-Za-z0-9*?-]+:[A-Za-z0-9*?]+:[A-Za-z0-9*?]+)$/;

/** The subset of the v5 identity-policy grammar a session policy needs; returns what is wrong, or undefined. */
export function v5PolicyProblem(text: string): string | undefined {
  const document = parsePolicyDocument(text);
  if (typeof document === 'string') return document;
  const unknown = Object.keys(document).find((key) => key !== 'Version' && key !== 'Statement');
  if (unknown !== undefined) return `unknown policy element ${unknown}`;
  if (document['Version'] !== '5.0') return 'Version must be "5.0"';
  return statementListProblem(document, 'Statement', v5StatementProblem);
}

function v5StatementProblem(statement: unknown): string | undefined {
  if (!isPlainObject(statement)) return 'not an object';
  const unknown = Object.keys(statement).find((key) => !STATEMENT_ELEMENTS.includes(key));
  if (unknown !== undefined) return `unknown statement element ${unknown}`;
  if (statement['Sid'] !== undefined && typeof statement['Sid'] !== 'string') return 'Sid must be a string';
  if (statement['Effect'] !== 'Allow' && statement['Effect'] !== 'Deny') return 'Effect must be "Allow" or "Deny"';
  const hasAction = statement['Action'] !== undefined;
  if (hasAction === (statement['NotAction'] !== undefined)) return 'exactly one of Action and NotAction is required';
  const actions = statement[hasAction ? 'Action' : 'NotAction'];
  if (!isStringList(actions) || !actions.every((action) => V5_ACTION_PATTERN.test(action))) {
    return `${hasAction ? 'Action' : 'NotAction'} must be a non-empty list of service:resourceType:operation`;
  }
  if (statement['Resource'] !== undefined && statement['NotResource'] !== undefined) return 'Resource and NotResource exclude each other';
  for (const name of ['Resource', 'NotResource']) {
    if (statement[name] !== undefined && !isStringList(statement[name])) return `${name} must be a non-empty list of strings`;
  }
  const condition = statement['Condition'];
  if (condition !== undefined && !isPlainObject(condition)) return 'Condition must be an object';
  return undefined;
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string' && item !== '');
}

// ---------------------------------------------------------------------------------------------------------------------
// Issued credentials and response bodies
// ---------------------------------------------------------------------------------------------------------------------

/** The API definition fixes the lengths: access_key_id 20 characters, secret_access_key 40. */
function issueCredentials(durationSeconds: number, nowMs: number): RecordedAssumeAgency['issued'] {
  return {
    accessKeyId: randomAlphanumeric(20).toUpperCase(),
    secretAccessKey: randomAlphanumeric(40),
    // "typically smaller than 4,096 bytes"; the documented example begins hQpjbi1…
    securityToken: `hQ${randomBytes(900).toString('base64')}`,
    expiration: new Date(nowMs + durationSeconds * 1000).toISOString(),
  };
}

/** `{agency_id}:{agency_session_name}`; agency ids are 32 hex digits, stable per URN here. */
function assumedAgency(input: AssumeAgencyInput): { urn: string; id: string } {
  const [, account = '', , name = ''] = input.agencyUrn.split(':').filter((part) => part !== '');
  const agencyId = createHash('sha256').update(input.agencyUrn).digest('hex').slice(0, 32);
  return {
    urn: `sts::${account}::assumed-agency:${name}/${input.agencySessionName}`,
    id: `${agencyId}:${input.agencySessionName}`,
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// HTTP server
// ---------------------------------------------------------------------------------------------------------------------

const AGENCY_MAX_SESSION_RANGE = { min: 3600, max: 43200 } as const;
const DEFAULT_AGENCY_MAX_SESSION = 3600;

/** Throws RangeError for a URN or a maximum session duration that IAM would not accept. */
function agencyMaxSession(agency: HuaweiAgency, urn: string): number {
  if (!AGENCY_URN_PATTERN.test(urn)) throw new RangeError(`agency URN ${urn} is not iam::<32 hex account id>:agency:<name>`);
  return resolveMaxSessionDuration(agency.maxSessionDuration, {
    maxSessionDuration: DEFAULT_AGENCY_MAX_SESSION,
    maxSessionRange: AGENCY_MAX_SESSION_RANGE,
  });
}

function resolveConfig(options: HuaweiStsEmulatorOptions): EmulatorConfig {
  for (const [urn, agency] of Object.entries(options.agencies)) agencyMaxSession(agency, urn);
  return { ...resolveGatewayConfig(options), agencies: options.agencies };
}

class StsEmulatorServer extends ApigEmulatorServer<RecordedAssumeAgency> implements KeyIssuer {
  private readonly issuedKeys = new IssuedKeys();

  constructor(private readonly config: EmulatorConfig) {
    super({ path: API_PATH, internalErrorCode: 'STS.InternalError', standardMessage });
  }

  issuedKey(accessKeyId: string) {
    return this.issuedKeys.issuedKey(accessKeyId);
  }

  protected serve(request: IncomingRequest, res: ServerResponse): void {
    const caller = authenticate(request, this.config);
    checkContentType(request);
    const input = validateAssumeAgency(parseBody(request.body), this.config, caller.securityToken !== undefined);
    const issued = issueCredentials(input.durationSeconds, this.config.now());
    this.calls.push({
      callerAccessKey: caller.accessKey,
      ...(caller.securityToken !== undefined && { securityToken: caller.securityToken }),
      agencyUrn: input.agencyUrn,
      agencySessionName: input.agencySessionName,
      durationSeconds: input.durationSeconds,
      ...(input.policy !== undefined && { policy: input.policy }),
      issued,
    });
    this.issuedKeys.add({ accessKeyId: issued.accessKeyId, accessKeySecret: issued.secretAccessKey, securityToken: issued.securityToken, expiresAt: Date.parse(issued.expiration) });
    this.sendJson(res, 200, {
      credentials: {
        access_key_id: issued.accessKeyId,
        expiration: issued.expiration,
        secret_access_key: issued.secretAccessKey,
        security_token: issued.securityToken,
      },
      assumed_agency: assumedAgency(input),
      ...(input.sourceIdentity !== undefined && { source_identity: input.sourceIdentity }),
    });
  }

  /** IAM5's envelope; a denial adds the encoded authorization message (opaque here: random base64). */
  protected errorBody(status: number, code: string, message: string, id: string): Record<string, string> {
    const body: Record<string, string> = { error_msg: message, error_code: code, request_id: id };
    if (status === 403) body['encoded_authorization_message'] = randomBytes(96).toString('base64');
    return body;
  }
}
