/**
 * Local emulator of Huawei Cloud IAM v3 `POST /v3.0/OS-CREDENTIAL/securitytokens` with `methods: ["token"]`
 * (CreateTemporaryAccessKeyByToken): trades an IAM/agency token, or an AK/SK-signed request, for a temporary AK/SK and
 * security token, optionally narrowed by an inline policy.
 *
 * End-to-end tests and the local dev server point our Huawei client at this server to prove that it calls IAM the way
 * IAM checks calls. That proof is only worth something if the checks are not the client looking at itself, so they
 * are written from the published API reference (huaweicloudDocs/iam "通过token获取临时访问密钥和securitytoken",
 * https://support.huaweicloud.com/api-iam/iam_04_0002.html, and its API Explorer definition; reference §3.1, §3.2)
 * and the AK/SK verification from the signing guide (./huawei/sdk-hmac-verify.ts); nothing comes from lib/.
 *
 * Requests go through the checks in the order the gateway and IAM apply them: routing, authentication, then the body.
 * Answers:
 * - success: HTTP 201 `{"credential":{"access","expires_at","secret","securitytoken"}}` ("状态码为 201 时: 创建成功"),
 *   `expires_at` in IAM's microsecond form `2020-01-08T02:56:19.587000Z`;
 * - IAM's own refusals: IAM's error body `{"error_msg": "...", "error_code": "IAM.xxxx"}`, as the IAM API reference
 *   shows it for its v3.0 APIs (e.g. 400 `IAM.0011` "Request body is invalid.", 401 `IAM.0001` "The request you have
 *   made requires authentication.", error code table https://support.huaweicloud.com/api-iam/iam_02_0006.html:
 *   `IAM.0007`, `IAM.0072`, `IAM.0073`). The securitytokens page itself lists 400/401/403/500 with "错误码: 无", so
 *   which IAM code a given body mistake gets is this emulator's choice; the status and the envelope are documented;
 * - gateway refusals (AK/SK or token authentication, unknown route): APIG's body
 *   `{"error_msg","error_code","request_id"}` with `APIGW.0301` (401) / `APIGW.0101` (404).
 *
 * Authentication: either `X-Auth-Token` (one of the configured tokens, e.g. the agency token FunctionGraph hands a
 * function) or an `SDK-HMAC-SHA256` Authorization (AK/SK; a temporary key must send and sign its X-Security-Token).
 * The docs call the two alternatives ("X-Auth-Token和Authorization二选一"), so a request carrying both is refused
 * rather than guessed at. The body's `auth.identity.token.id` is documented as deprecated ("待废弃") in favour of the
 * header; it is accepted as a field but never as a credential.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { listening, randomAlphanumeric } from './shared/emulator-server.js';
import type { IncomingRequest } from './shared/emulator-server.js';
import { IssuedKeys, type KeyIssuer } from './shared/issued-keys.js';
import { isJsonMediaType, isPlainObject, parseJsonObject } from './shared/json-body.js';
import { constantTimeEqual } from './shared/signing.js';
import { APIG_STANDARD_MESSAGES, ApigEmulatorServer, authenticateAkSk, gatewayAuthFailure, refuse, resolveGatewayConfig } from './huawei/apig-server.js';
import type { GatewayConfig, GatewayOptions, HuaweiEmulatorHandle } from './huawei/apig-server.js';

// ---------------------------------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------------------------------

export type { HuaweiAkSkCaller } from './huawei/sdk-hmac-verify.js';
export type { HuaweiFault, HuaweiRejection } from './huawei/apig-server.js';

/** `callers`, `allowedSkewSeconds` and `now` are the gateway's (AK/SK authentication). */
export interface HuaweiIamEmulatorOptions extends GatewayOptions {
  /** Accepted X-Auth-Token values. Read on every request, so tokens may be added or removed while the emulator runs. */
  tokens: string[];
  port?: number;
}

export interface RecordedSecurityTokenCall {
  auth: 'token' | 'aksk';
  /** The X-Auth-Token that authenticated the call (auth: 'token'). */
  authToken?: string;
  /** The AK that signed the call (auth: 'aksk'). */
  callerAccessKey?: string;
  /** The X-Security-Token of a temporary AK (auth: 'aksk'). */
  securityToken?: string;
  durationSeconds: number;
  /** `auth.identity.policy` as parsed. */
  policy?: unknown;
  /** JSON.stringify of the policy, the text whose length IAM limits to 2048 characters. */
  policyText?: string;
  issued: { access: string; secret: string; securitytoken: string; expiresAt: string };
}

/** The OBS stand-in trusts it through {@link KeyIssuer}: it accepts the keys this emulator issued. */
export type HuaweiIamEmulator = HuaweiEmulatorHandle<RecordedSecurityTokenCall> & KeyIssuer;

export async function startHuaweiIamEmulator(options: HuaweiIamEmulatorOptions): Promise<HuaweiIamEmulator> {
  return listening(new IamEmulatorServer(resolveConfig(options)), options.port);
}

// ---------------------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------------------

/** IAM's messages for the codes used here, as the IAM API reference words them. */
const STANDARD_MESSAGES: Record<string, string> = {
  'IAM.0001': 'The request you have made requires authentication.',
  'IAM.0002': 'You are not authorized to perform the requested action.',
  'IAM.0003': "Policy doesn't allow %(actions)s to be performed.",
  'IAM.0006': 'An unexpected error prevented the server from fulfilling your request.',
  'IAM.0011': 'Request body is invalid.',
  ...APIG_STANDARD_MESSAGES,
};

function standardMessage(code: string): string {
  return STANDARD_MESSAGES[code] ?? `The request failed with error ${code}.`;
}

function invalidBody(detail: string): never {
  return refuse(400, 'IAM.0011', `${standardMessage('IAM.0011')} (${detail})`);
}

function missing(key: string): never {
  return refuse(400, 'IAM.0072', `'${key}' is a required property.`);
}

/** IAM.0073's wording; the value is quoted as JSON and shortened, the detail says what rule it broke. */
function invalidField(key: string, value: unknown, detail: string): never {
  const shown = JSON.stringify(value) ?? String(value);
  const quoted = shown.length > 120 ? `${shown.slice(0, 117)}...` : shown;
  return refuse(400, 'IAM.0073', `Invalid input for field '${key}'. The value is '${quoted}'. (${detail})`);
}

// ---------------------------------------------------------------------------------------------------------------------
// Authentication (routing, and the AK/SK check, are the gateway's: ./huawei/apig-server.ts)
// ---------------------------------------------------------------------------------------------------------------------

const API_PATH = '/v3.0/OS-CREDENTIAL/securitytokens';

interface EmulatorConfig extends GatewayConfig {
  tokens: string[];
}

type Authenticated =
  | { auth: 'token'; authToken: string }
  | { auth: 'aksk'; callerAccessKey: string; securityToken: string | undefined };

function authenticate(request: IncomingRequest, config: EmulatorConfig): Authenticated {
  const authToken = request.headers['x-auth-token'];
  const authorization = request.headers['authorization'];
  if (authToken !== undefined && authorization !== undefined) {
    gatewayAuthFailure('X-Auth-Token and Authorization are alternatives (二选一); send one of them');
  }
  if (authToken !== undefined) {
    const known = request.repeatedHeaders.has('x-auth-token') ? false : config.tokens.some((token) => constantTimeEqual(token, authToken));
    if (!known || authToken === '') gatewayAuthFailure('decrypt token fail');
    return { auth: 'token', authToken };
  }
  if (authorization !== undefined) {
    const { accessKey, securityToken } = authenticateAkSk(request, config);
    return { auth: 'aksk', callerAccessKey: accessKey, securityToken };
  }
  return refuse(
    401,
    'IAM.0001',
    `${standardMessage('IAM.0001')} (send X-Auth-Token or an SDK-HMAC-SHA256 Authorization; the deprecated auth.identity.token.id is not accepted by this emulator)`,
  );
}

/** "该字段填为application/json;charset=utf8": the media type must be JSON; parameters such as charset may follow. */
function checkContentType(request: IncomingRequest): void {
  const contentType = request.headers['content-type'];
  if (!isJsonMediaType(contentType)) invalidBody(`Content-Type ${contentType ?? 'absent'}: expected application/json;charset=utf8`);
}

// ---------------------------------------------------------------------------------------------------------------------
// Body: auth.identity with methods ["token"], optional token.duration_seconds and policy
// ---------------------------------------------------------------------------------------------------------------------

export const DEFAULT_DURATION_SECONDS = 900;
export const MIN_DURATION_SECONDS = 900;
export const MAX_DURATION_SECONDS = 86400;

interface SecurityTokenInput {
  durationSeconds: number;
  policy: Record<string, unknown> | undefined;
  policyText: string | undefined;
}

/** Unknown fields are refused: they are client mistakes (a misspelt or misplaced field is silently ignored otherwise). */
function checkKnownFields(object: Record<string, unknown>, allowed: readonly string[], path: string): void {
  const unknown = Object.keys(object).find((key) => !allowed.includes(key));
  if (unknown !== undefined) invalidBody(`Additional properties are not allowed ('${unknown}' was unexpected in ${path})`);
}

function requiredObject(parent: Record<string, unknown>, key: string, path: string): Record<string, unknown> {
  const value = parent[key];
  if (value === undefined) missing(path);
  if (!isPlainObject(value)) invalidField(path, value, 'must be an object');
  return value;
}

export function validateSecurityTokenRequest(body: Record<string, unknown>): SecurityTokenInput {
  checkKnownFields(body, ['auth'], 'the body');
  const auth = requiredObject(body, 'auth', 'auth');
  checkKnownFields(auth, ['identity'], 'auth');
  const identity = requiredObject(auth, 'identity', 'auth.identity');
  checkKnownFields(identity, ['methods', 'token', 'policy'], 'auth.identity');

  const methods = identity['methods'];
  if (methods === undefined) missing('auth.identity.methods');
  if (!Array.isArray(methods) || methods.length !== 1 || methods[0] !== 'token') {
    invalidField('auth.identity.methods', methods, 'must be ["token"]; this emulator serves the token method only');
  }

  const durationSeconds = validateToken(identity['token']);
  const policy = identity['policy'] === undefined ? undefined : validatePolicy(identity['policy']);
  return { durationSeconds, policy: policy?.document, policyText: policy?.text };
}

function validateToken(token: unknown): number {
  if (token === undefined) return DEFAULT_DURATION_SECONDS;
  if (!isPlainObject(token)) invalidField('auth.identity.token', token, 'must be an object');
  checkKnownFields(token, ['id', 'duration_seconds'], 'auth.identity.token');
  if (token['id'] !== undefined && typeof token['id'] !== 'string') invalidField('auth.identity.token.id', token['id'], 'must be a string');
  const duration = token['duration_seconds'];
  if (duration === undefined) return DEFAULT_DURATION_SECONDS;
  // An Integer: "900" (a string, as one web copy of the doc shows) or 900.5 is a type error.
  if (typeof duration !== 'number' || !Number.isInteger(duration)) {
    invalidField('auth.identity.token.duration_seconds', duration, 'must be an integer number of seconds');
  }
  if (duration < MIN_DURATION_SECONDS || duration > MAX_DURATION_SECONDS) {
    invalidField('auth.identity.token.duration_seconds', duration, `must be ${MIN_DURATION_SECONDS}..${MAX_DURATION_SECONDS} (15 minutes to 24 hours)`);
  }
  return duration;
}

// ---------------------------------------------------------------------------------------------------------------------
// Policy (Version 1.1 fine-grained policy, reference §3.1 / §5.1)
// ---------------------------------------------------------------------------------------------------------------------

export const MAX_POLICY_CHARACTERS = 2048;
export const MAX_STATEMENTS = 8;
export const MAX_ACTIONS = 100;
export const MAX_RESOURCES = 10;
export const MAX_RESOURCE_LENGTH = 128;
export const MAX_CONDITIONS = 10;

/** `服务名:资源类型:操作`; the service name is lower-case only, type and operation take any case and `*`. */
const ACTION_PATTERN = /^[a-z0-9*][a-z0-9*-]*:[A-Za-z0-9*]+:[A-Za-z0-9*]+$/;
/**
 * `obs:<region|*>:<domainId|*>:<bucket|object|*>:<path>`. Only OBS honours the policy ("当前仅OBS服务支持该限制", and
 * "service必须存在且resource属于对应service"); OBS is global, so region is `*` in practice; the path allows
 * `- _ 0-9 a-z A-Z * . / \` only (reference §5.1).
 */
const RESOURCE_PATTERN = /^obs:(?:\*|[a-z0-9-]+):(?:\*|[A-Za-z0-9]+):(?:bucket|object|\*):[-_0-9a-zA-Z*./\\]+$/;
/** Condition keys are global (`g:`) or OBS's (`obs:`), e.g. `obs:prefix`. */
const CONDITION_KEY_PATTERN = /^(?:g|obs):[A-Za-z0-9_./-]+$/;
/** `StringEquals`, `StringLike`, `NumericLessThan`, … optionally qualified, e.g. `ForAnyValue:StringEquals`. */
const CONDITION_OPERATOR_PATTERN = /^(?:[A-Za-z]+:)?[A-Za-z]+$/;

function validatePolicy(value: unknown): { document: Record<string, unknown>; text: string } {
  const path = 'auth.identity.policy';
  // The v3 API takes the policy as an object; a JSON string (STS v5's form) is a different API's habit.
  if (!isPlainObject(value)) invalidField(path, value, 'must be a JSON object with Version and Statement, not a string');
  const text = JSON.stringify(value);
  if (text.length > MAX_POLICY_CHARACTERS) {
    invalidField(path, value, `policy is ${text.length} characters, at most ${MAX_POLICY_CHARACTERS} (policy参数的字符个数不大于2048)`);
  }
  const problem = policyProblem(value);
  if (problem !== undefined) invalidField(`${path}${problem.at}`, problem.value, problem.detail);
  return { document: value, text };
}

interface PolicyProblem {
  /** Path below the policy, e.g. `.Statement[0].Action[2]`. */
  at: string;
  value: unknown;
  detail: string;
}

/** What is wrong with a v1.1 policy object, or undefined. Exported for direct tests. */
export function policyProblem(policy: Record<string, unknown>): PolicyProblem | undefined {
  const unknown = Object.keys(policy).find((key) => key !== 'Version' && key !== 'Statement');
  if (unknown !== undefined) return { at: `.${unknown}`, value: policy[unknown], detail: 'unknown policy element' };
  if (policy['Version'] !== '1.1') return { at: '.Version', value: policy['Version'], detail: 'must be "1.1"' };
  const statements = policy['Statement'];
  if (!Array.isArray(statements) || statements.length === 0 || statements.length > MAX_STATEMENTS) {
    return { at: '.Statement', value: statements, detail: `must be an array of 1..${MAX_STATEMENTS} statements` };
  }
  for (const [index, statement] of statements.entries()) {
    const problem = statementProblem(statement, `.Statement[${index}]`);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function statementProblem(statement: unknown, at: string): PolicyProblem | undefined {
  if (!isPlainObject(statement)) return { at, value: statement, detail: 'must be an object' };
  const unknown = Object.keys(statement).find((key) => !['Effect', 'Action', 'Resource', 'Condition'].includes(key));
  if (unknown !== undefined) return { at: `${at}.${unknown}`, value: statement[unknown], detail: 'unknown statement element' };

  const effect = statement['Effect'];
  if (effect !== 'Allow' && effect !== 'Deny') return { at: `${at}.Effect`, value: effect, detail: 'must be "Allow" or "Deny"' };

  const actions = statement['Action'];
  if (!Array.isArray(actions) || actions.length === 0 || actions.length > MAX_ACTIONS) {
    return { at: `${at}.Action`, value: actions, detail: `must be an array of 1..${MAX_ACTIONS} actions` };
  }
  for (const [index, action] of actions.entries()) {
    if (typeof action !== 'string' || !ACTION_PATTERN.test(action)) {
      return { at: `${at}.Action[${index}]`, value: action, detail: 'must be service:resourceType:operation with a lower-case service' };
    }
  }

  const resources = statement['Resource'];
  if (resources !== undefined) {
    if (!Array.isArray(resources) || resources.length === 0 || resources.length > MAX_RESOURCES) {
      return { at: `${at}.Resource`, value: resources, detail: `must be an array of 1..${MAX_RESOURCES} resources` };
    }
    for (const [index, resource] of resources.entries()) {
      if (typeof resource !== 'string' || resource.length > MAX_RESOURCE_LENGTH || !RESOURCE_PATTERN.test(resource)) {
        return {
          at: `${at}.Resource[${index}]`,
          value: resource,
          detail: `must be obs:<region|*>:<domain|*>:<bucket|object>:<path> of at most ${MAX_RESOURCE_LENGTH} characters, path characters - _ 0-9 a-z A-Z * . / \\`,
        };
      }
    }
  }

  const condition = statement['Condition'];
  return condition === undefined ? undefined : conditionProblem(condition, `${at}.Condition`);
}

/** `Map<operator, Map<key, string[]>>` with at most 10 conditions (operator/key pairs) in a statement. */
function conditionProblem(condition: unknown, at: string): PolicyProblem | undefined {
  if (!isPlainObject(condition)) return { at, value: condition, detail: 'must be an object of operator -> {key: [values]}' };
  let count = 0;
  for (const [operator, keys] of Object.entries(condition)) {
    if (!CONDITION_OPERATOR_PATTERN.test(operator)) return { at: `${at}.${operator}`, value: keys, detail: 'not a condition operator' };
    if (!isPlainObject(keys) || Object.keys(keys).length === 0) {
      return { at: `${at}.${operator}`, value: keys, detail: 'must be a non-empty object of key -> [values]' };
    }
    for (const [key, values] of Object.entries(keys)) {
      count += 1;
      if (!CONDITION_KEY_PATTERN.test(key)) return { at: `${at}.${operator}.${key}`, value: values, detail: 'condition keys are g:<name> or obs:<name>' };
      if (!Array.isArray(values) || values.length === 0 || !values.every((item) => typeof item === 'string')) {
        return { at: `${at}.${operator}.${key}`, value: values, detail: 'must be a non-empty array of strings' };
      }
    }
  }
  if (count > MAX_CONDITIONS) return { at, value: condition, detail: `${count} conditions, at most ${MAX_CONDITIONS}` };
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------------
// Issued credentials
// ---------------------------------------------------------------------------------------------------------------------

const UPPER_ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/**
 * Shapes follow the documented examples: a 20-character upper-case AK (`NZFAT5VNWEJDGZ4PZ8CG`), a 40-character SK,
 * a long base64url-style security token beginning `gQ` (`gQpjbi1ub3J0aC00…`).
 */
function issueCredentials(durationSeconds: number, nowMs: number): RecordedSecurityTokenCall['issued'] {
  let access = '';
  for (const byte of randomBytes(20)) access += UPPER_ALPHANUMERIC[byte % UPPER_ALPHANUMERIC.length];
  return {
    access,
    secret: randomAlphanumeric(40),
    securitytoken: `gQ${randomBytes(600).toString('base64url')}`,
    expiresAt: microsecondTimestamp(nowMs + durationSeconds * 1000),
  };
}

/** IAM's `2020-01-08T02:56:19.587000Z`: UTC, six fractional digits (the last three always 0), trailing Z. */
export function microsecondTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

// ---------------------------------------------------------------------------------------------------------------------
// HTTP server
// ---------------------------------------------------------------------------------------------------------------------

function resolveConfig(options: HuaweiIamEmulatorOptions): EmulatorConfig {
  return { ...resolveGatewayConfig(options), tokens: options.tokens };
}

class IamEmulatorServer extends ApigEmulatorServer<RecordedSecurityTokenCall> implements KeyIssuer {
  private readonly issuedKeys = new IssuedKeys();

  constructor(private readonly config: EmulatorConfig) {
    super({ path: API_PATH, internalErrorCode: 'IAM.0006', standardMessage });
  }

  issuedKey(accessKeyId: string) {
    return this.issuedKeys.issuedKey(accessKeyId);
  }

  protected serve(request: IncomingRequest, res: ServerResponse): void {
    const caller = authenticate(request, this.config);
    checkContentType(request);
    const input = validateSecurityTokenRequest(parseJsonObject(request.body, (problem) => invalidBody(`the body ${problem}`)));
    const issued = issueCredentials(input.durationSeconds, this.config.now());
    this.calls.push({
      ...(caller.auth === 'token'
        ? { auth: 'token' as const, authToken: caller.authToken }
        : {
            auth: 'aksk' as const,
            callerAccessKey: caller.callerAccessKey,
            ...(caller.securityToken !== undefined && { securityToken: caller.securityToken }),
          }),
      durationSeconds: input.durationSeconds,
      ...(input.policy !== undefined && { policy: input.policy, policyText: input.policyText }),
      issued,
    });
    const { access, secret, securitytoken, expiresAt } = issued;
    this.issuedKeys.add({ accessKeyId: access, accessKeySecret: secret, securityToken: securitytoken, expiresAt: Date.parse(expiresAt) });
    this.sendJson(res, 201, { credential: { access, expires_at: expiresAt, secret, securitytoken } });
  }

  /** APIG's errors carry the request id in the body; IAM's own do not. */
  protected errorBody(_status: number, code: string, message: string, id: string): Record<string, string> {
    return code.startsWith('APIGW.') ? { error_msg: message, error_code: code, request_id: id } : { error_msg: message, error_code: code };
  }
}
