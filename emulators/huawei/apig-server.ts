/**
 * What the Huawei emulators share because API Gateway (APIG) stands in front of IAM and STS alike: routing to the one
 * published API (404 `APIGW.0101`), AK/SK authentication (401 `APIGW.0301`, verified by ./sdk-hmac-verify.ts), the
 * X-Request-Id on every answer, the clock-skew option, and answering a refusal in the API's error envelope.
 *
 * Each API's own rules (its body, its error codes and envelope, token authentication for IAM, agencies for STS) stay
 * in its emulator, which implements {@link ApigEmulatorServer.serve} and {@link ApigEmulatorServer.errorBody}.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { EmulatorServer, resolveAllowedSkew } from '../shared/emulator-server.js';
import type { EmulatorHandle, IncomingRequest, TransportFault } from '../shared/emulator-server.js';
import { splitTarget } from '../shared/signing.js';
import {
  APIG_ALLOWED_SKEW_SECONDS,
  APIG_AUTH_ERROR_CODE,
  APIG_AUTH_ERROR_PREFIX,
  APIG_NOT_FOUND_CODE,
  authenticateSdkHmacRequest,
} from './sdk-hmac-verify.js';
import type { HuaweiAkSkCaller } from './sdk-hmac-verify.js';

/** `error` answers with the API's error body: IAM's `{error_msg, error_code}` (plus `request_id` for APIGW codes), IAM5's envelope for STS. */
export type HuaweiFault = { kind: 'error'; status: number; code: string; message?: string } | TransportFault;

export interface HuaweiRejection {
  status: number;
  code: string;
}

export type HuaweiEmulatorHandle<Call> = EmulatorHandle<Call, HuaweiFault, HuaweiRejection>;

/** APIG's messages for its own codes, for the APIs' message tables. */
export const APIG_STANDARD_MESSAGES: Readonly<Record<string, string>> = {
  [APIG_AUTH_ERROR_CODE]: APIG_AUTH_ERROR_PREFIX.trim(),
  [APIG_NOT_FOUND_CODE]: 'The API does not exist or has not been published in the environment.',
};

// ---------------------------------------------------------------------------------------------------------------------
// Refusals
// ---------------------------------------------------------------------------------------------------------------------

/** A refusal, by APIG or by the API behind it; thrown by the checks to stop at the first failing one. */
class GatewayRejection extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function refuse(status: number, code: string, message: string): never {
  throw new GatewayRejection(status, code, message);
}

/** APIG's answer to failed authentication: 401 `APIGW.0301` "Incorrect IAM authentication information: <detail>". */
export function gatewayAuthFailure(detail: string): never {
  return refuse(401, APIG_AUTH_ERROR_CODE, `${APIG_AUTH_ERROR_PREFIX}${detail}`);
}

/** APIG publishes one path per API, matched exactly (case, trailing slash), with one method: POST. */
function checkRoute(request: IncomingRequest, apiPath: string): void {
  const { path } = splitTarget(request.url);
  if (path !== apiPath) refuse(404, APIG_NOT_FOUND_CODE, `${APIG_STANDARD_MESSAGES[APIG_NOT_FOUND_CODE]} (${request.method} ${path})`);
  if (request.method !== 'POST') refuse(404, APIG_NOT_FOUND_CODE, `The API does not exist. (${request.method} ${path}; only POST is published)`);
}

// ---------------------------------------------------------------------------------------------------------------------
// AK/SK authentication and options
// ---------------------------------------------------------------------------------------------------------------------

export interface GatewayOptions {
  /** AK -> caller for SDK-HMAC-SHA256 requests. Read on every request. */
  callers?: Record<string, HuaweiAkSkCaller>;
  /** Accepted distance between X-Sdk-Date and the emulator clock, default 900 (APIG's 15 minutes). */
  allowedSkewSeconds?: number;
  /** Millisecond clock, default Date.now. */
  now?: () => number;
}

export interface GatewayConfig {
  callers: Record<string, HuaweiAkSkCaller>;
  allowedSkewSeconds: number;
  now: () => number;
}

/** Throws RangeError for a skew APIG could not have. */
export function resolveGatewayConfig(options: GatewayOptions): GatewayConfig {
  return {
    callers: options.callers ?? {},
    allowedSkewSeconds: resolveAllowedSkew(options.allowedSkewSeconds, APIG_ALLOWED_SKEW_SECONDS),
    now: options.now ?? Date.now,
  };
}

/** APIG's AK/SK authentication of a request; refuses with 401 `APIGW.0301`. */
export function authenticateAkSk(request: IncomingRequest, config: GatewayConfig): { accessKey: string; securityToken: string | undefined } {
  const result = authenticateSdkHmacRequest(request, { callers: config.callers, nowMs: config.now(), allowedSkewSeconds: config.allowedSkewSeconds });
  if (!result.ok) return gatewayAuthFailure(result.detail);
  return { accessKey: result.accessKey, securityToken: result.securityToken };
}

// ---------------------------------------------------------------------------------------------------------------------
// HTTP server
// ---------------------------------------------------------------------------------------------------------------------

const JSON_CONTENT_TYPE = 'application/json;charset=UTF-8';

const requestId = (): string => randomBytes(16).toString('hex');

type ErrorFault = Extract<HuaweiFault, { kind: 'error' }>;

export interface ApiDefinition {
  /** The one path the API is published under. */
  path: string;
  /** The code of the 500 answer to an unexpected failure. */
  internalErrorCode: string;
  /** The API's message for a code, for faults that bring none. */
  standardMessage(code: string): string;
}

/**
 * A Huawei API behind APIG: requests are routed first, then {@link serve}d; a refusal thrown with {@link refuse} is
 * recorded and answered with {@link errorBody}. Every answer carries the gateway's X-Request-Id.
 */
export abstract class ApigEmulatorServer<Call> extends EmulatorServer<ErrorFault, Call, HuaweiRejection> {
  protected constructor(private readonly api: ApiDefinition) {
    super(JSON_CONTENT_TYPE);
  }

  /** Authenticates and answers a request for the API's path; throws through {@link refuse} to refuse it. */
  protected abstract serve(request: IncomingRequest, res: ServerResponse): void;

  /** The API's error envelope; `id` is the X-Request-Id the answer carries. */
  protected abstract errorBody(status: number, code: string, message: string, id: string): Record<string, string>;

  protected answer(request: IncomingRequest, res: ServerResponse): void {
    try {
      checkRoute(request, this.api.path);
      this.serve(request, res);
    } catch (error) {
      if (!(error instanceof GatewayRejection)) throw error;
      this.rejections.push({ status: error.status, code: error.code });
      this.sendError(res, error.status, error.code, error.message);
    }
  }

  protected answerErrorFault(fault: ErrorFault, res: ServerResponse): void {
    this.sendError(res, fault.status, fault.code, fault.message ?? this.api.standardMessage(fault.code));
  }

  protected answerInternalError(error: unknown, res: ServerResponse): void {
    const code = this.api.internalErrorCode;
    this.sendError(res, 500, code, `${this.api.standardMessage(code)} (${String(error)})`);
  }

  protected override sendJson(res: ServerResponse, status: number, body: object): void {
    if (!res.hasHeader('x-request-id')) res.setHeader('x-request-id', requestId());
    super.sendJson(res, status, body);
  }

  private sendError(res: ServerResponse, status: number, code: string, message: string): void {
    const id = requestId();
    res.setHeader('x-request-id', id);
    super.sendJson(res, status, this.errorBody(status, code, message, id));
  }
}
