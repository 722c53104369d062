/**
 * Local emulator of the Huawei Cloud ECS metadata service's agency credentials (reference huawei.md §6):
 *
 * - `PUT /meta-data/latest/api/token` with `X-Metadata-Token-Ttl-Seconds: <1..21600>` → a session token as plain text
 *   (`tokenMode: 'unsupported'`: 404, or 405 with `unsupportedStatus: 405`, as older metadata services answer);
 * - `GET /openstack/latest/securitykey` → `{"credential":{"access","secret","securitytoken","expires_at"}}`, with
 *   `expires_at` in IAM's microsecond form `2020-01-08T03:50:07.574000Z`. With `tokenMode: 'required'` the GET must
 *   carry a valid `X-Metadata-Token` (else 401); with `'optional'` it may omit it, but a token it sends must be valid;
 *   with `'unsupported'` the header is ignored. Without an agency on the instance: 401 (or `noAgencyStatus: 404`)
 *   saying "Please configure Cloud Service Agency first".
 *
 * The bodies of refusals (`{"message": …}`), the 400 for a missing or out-of-range TTL and the default lifetime of 24 h
 * ("临时AK、SK有效期24个小时") are this emulator's choices where the service's behaviour is not documented. Credentials
 * are random unless given and stay the same until `rotate()`; `setDocumentOverrides` bends the `credential` object for
 * tests of broken answers.
 */
import type { ServerResponse } from 'node:http';
import { listening, randomAlphanumeric } from '../shared/emulator-server.js';
import type { EmulatorHandle, IncomingRequest, TransportFault } from '../shared/emulator-server.js';
import { MetadataEmulatorServer, SessionTokens, pathOf, ttlSeconds } from './shared.js';
import type { MetadataRequest } from './shared.js';

export type { MetadataRequest } from './shared.js';

export const ECS_TOKEN_PATH = '/meta-data/latest/api/token';
export const ECS_SECURITY_KEY_PATH = '/openstack/latest/securitykey';
export const NO_AGENCY_MESSAGE = 'Please configure Cloud Service Agency first';
const MAX_TOKEN_TTL_SECONDS = 21_600;

export type HuaweiMetadataTokenMode = 'required' | 'optional' | 'unsupported';

export interface HuaweiEcsCredentials {
  access: string;
  secret: string;
  securitytoken: string;
  /** The expiry as the service writes it, with microseconds. */
  expiresAt: string;
}

export interface HuaweiEcsMetadataEmulatorOptions {
  port?: number;
  /** Whether an agency is attached to the instance, default true. */
  agency?: boolean;
  /** The status of the "no agency" answer, default 401. */
  noAgencyStatus?: 401 | 404;
  /** Default `required`. */
  tokenMode?: HuaweiMetadataTokenMode;
  /** What the token PUT answers in `unsupported` mode, default 404. */
  unsupportedStatus?: 404 | 405;
  /** Fixed keys (the expiry still follows `lifetimeSeconds`); random ones by default. */
  credentials?: Omit<HuaweiEcsCredentials, 'expiresAt'>;
  /** How long handed-out keys live, default 86400. */
  lifetimeSeconds?: number;
  /** Millisecond clock, default Date.now; also decides when session tokens expire. */
  now?: () => number;
}

export type HuaweiEcsMetadataFault =
  /** Answers `{"message": message}` with `status`. */
  | { kind: 'error'; status: number; message?: string }
  | TransportFault;

export interface HuaweiEcsMetadataRejection {
  method: string;
  path: string;
  reason:
    | 'token-unsupported'
    | 'bad-token-ttl'
    | 'missing-token'
    | 'invalid-token'
    | 'no-agency'
    | 'unknown-path'
    | 'method-not-allowed';
}

export interface HuaweiEcsMetadataEmulator
  extends EmulatorHandle<MetadataRequest, HuaweiEcsMetadataFault, HuaweiEcsMetadataRejection> {
  /** The keys the security-key document currently hands out. */
  current(): HuaweiEcsCredentials;
  /** New keys (random unless fixed ones were given), expiring `lifetimeSeconds` from now. */
  rotate(): HuaweiEcsCredentials;
  /** Session tokens handed out so far, in order. */
  readonly issuedTokens: string[];
  setAgency(attached: boolean): void;
  setTokenMode(mode: HuaweiMetadataTokenMode): void;
  /**
   * Changes fields of the `credential` object of every answer from now on: a value replaces the field, `undefined`
   * removes it. Replaces earlier overrides; `{}` restores the normal document.
   */
  setDocumentOverrides(overrides: Record<string, unknown>): void;
}

export async function startHuaweiEcsMetadataEmulator(
  options: HuaweiEcsMetadataEmulatorOptions = {},
): Promise<HuaweiEcsMetadataEmulator> {
  return listening(new EcsMetadataServer(options), options.port);
}

/** `2020-01-08T03:50:07.574000Z`: milliseconds padded to microseconds, as IAM writes times. */
export function huaweiTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

type ErrorFault = Extract<HuaweiEcsMetadataFault, { kind: 'error' }>;

class EcsMetadataServer
  extends MetadataEmulatorServer<ErrorFault, HuaweiEcsMetadataRejection>
  implements HuaweiEcsMetadataEmulator
{
  readonly issuedTokens: string[] = [];
  private agency: boolean;
  private tokenMode: HuaweiMetadataTokenMode;
  private readonly noAgencyStatus: 401 | 404;
  private readonly unsupportedStatus: 404 | 405;
  private readonly lifetimeSeconds: number;
  private readonly now: () => number;
  private readonly tokens: SessionTokens;
  private credentials: HuaweiEcsCredentials;
  private overrides: Record<string, unknown> = {};

  constructor(private readonly options: HuaweiEcsMetadataEmulatorOptions) {
    super();
    this.agency = options.agency ?? true;
    this.tokenMode = options.tokenMode ?? 'required';
    this.noAgencyStatus = options.noAgencyStatus ?? 401;
    this.unsupportedStatus = options.unsupportedStatus ?? 404;
    this.lifetimeSeconds = options.lifetimeSeconds ?? 86_400;
    if (!Number.isInteger(this.lifetimeSeconds) || this.lifetimeSeconds <= 0) {
      throw new RangeError(`lifetimeSeconds must be a positive integer, got ${this.lifetimeSeconds}`);
    }
    this.now = options.now ?? Date.now;
    this.tokens = new SessionTokens(this.now);
    this.credentials = this.mint();
  }

  current(): HuaweiEcsCredentials {
    return { ...this.credentials };
  }

  rotate(): HuaweiEcsCredentials {
    this.credentials = this.mint();
    return this.current();
  }

  setAgency(attached: boolean): void {
    this.agency = attached;
  }

  setTokenMode(mode: HuaweiMetadataTokenMode): void {
    this.tokenMode = mode;
  }

  setDocumentOverrides(overrides: Record<string, unknown>): void {
    this.overrides = { ...overrides };
  }

  override reset(): void {
    super.reset();
    this.tokens.clear();
    this.issuedTokens.length = 0;
  }

  protected route(request: IncomingRequest, res: ServerResponse): void {
    const path = pathOf(request.url);
    if (path === ECS_TOKEN_PATH) return this.answerToken(request, res, path);
    if (path === ECS_SECURITY_KEY_PATH) return this.answerSecurityKey(request, res, path);
    this.refuse(res, request, path, 404, 'unknown-path', 'Not Found');
  }

  protected answerErrorFault(fault: ErrorFault, res: ServerResponse): void {
    this.sendJson(res, fault.status, { message: fault.message ?? 'Internal Server Error' });
  }

  private answerToken(request: IncomingRequest, res: ServerResponse, path: string): void {
    if (this.tokenMode === 'unsupported') {
      return this.refuse(res, request, path, this.unsupportedStatus, 'token-unsupported', 'Not Found');
    }
    if (request.method !== 'PUT') return this.refuse(res, request, path, 405, 'method-not-allowed', 'Method Not Allowed');
    const ttl = ttlSeconds(request.headers['x-metadata-token-ttl-seconds'], 1, MAX_TOKEN_TTL_SECONDS);
    if (ttl === undefined) {
      return this.refuse(res, request, path, 400, 'bad-token-ttl', `X-Metadata-Token-Ttl-Seconds must be 1..${MAX_TOKEN_TTL_SECONDS}`);
    }
    const token = this.tokens.issue(ttl);
    this.issuedTokens.push(token);
    this.sendText(res, 200, token);
  }

  private answerSecurityKey(request: IncomingRequest, res: ServerResponse, path: string): void {
    if (request.method !== 'GET') return this.refuse(res, request, path, 405, 'method-not-allowed', 'Method Not Allowed');
    if (this.tokenMode !== 'unsupported') {
      const token = request.headers['x-metadata-token'];
      if (token === undefined && this.tokenMode === 'required') {
        return this.refuse(res, request, path, 401, 'missing-token', 'Unauthorized: X-Metadata-Token is required');
      }
      if (token !== undefined && !this.tokens.isValid(token)) {
        return this.refuse(res, request, path, 401, 'invalid-token', 'Unauthorized: X-Metadata-Token is invalid or expired');
      }
    }
    if (!this.agency) return this.refuse(res, request, path, this.noAgencyStatus, 'no-agency', NO_AGENCY_MESSAGE);
    this.sendJson(res, 200, { credential: this.document() });
  }

  private document(): Record<string, unknown> {
    const { access, secret, securitytoken, expiresAt } = this.credentials;
    const credential: Record<string, unknown> = { access, expires_at: expiresAt, secret, securitytoken };
    for (const [field, value] of Object.entries(this.overrides)) {
      if (value === undefined) delete credential[field];
      else credential[field] = value;
    }
    return credential;
  }

  private mint(): HuaweiEcsCredentials {
    const fixed = this.options.credentials;
    return {
      access: fixed?.access ?? randomAlphanumeric(20).toUpperCase(),
      secret: fixed?.secret ?? randomAlphanumeric(40),
      securitytoken: fixed?.securitytoken ?? randomAlphanumeric(400),
      expiresAt: huaweiTimestamp(this.now() + this.lifetimeSeconds * 1000),
    };
  }

  private refuse(
    res: ServerResponse,
    request: IncomingRequest,
    path: string,
    status: number,
    reason: HuaweiEcsMetadataRejection['reason'],
    message: string,
  ): void {
    this.rejections.push({ method: request.method, path, reason });
    this.sendJson(res, status, { message });
  }
}
