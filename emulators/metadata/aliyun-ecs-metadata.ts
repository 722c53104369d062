/**
 * Local emulator of the part of the Aliyun ECS instance metadata service (`http://100.100.100.200`) that hands out the
 * instance RAM role's credentials, for tests of the ECS credential source. Nothing here comes from lib/.
 *
 * Routes, as the ECS documentation describes them ("Instance metadata", security hardening mode):
 * - `PUT /latest/api/token` with `X-aliyun-ecs-metadata-token-ttl-seconds: <1..21600>` → a session token (text/plain);
 *   a missing or out-of-range TTL is refused with 400;
 * - `GET /latest/meta-data/ram/security-credentials/` → the attached role's name (text/plain), 404 when none;
 * - `GET /latest/meta-data/ram/security-credentials/<role>` → `{AccessKeyId, AccessKeySecret, Expiration,
 *   SecurityToken, LastUpdated, Code: "Success"}` (`Expiration` like `2017-11-01T05:20:01Z`), 404 for another role.
 *
 * Modes:
 * - `v2-required` (hardened mode enforced): every GET without a valid, unexpired token is refused with 401;
 * - `v2-optional` (the default): tokens are issued, GETs work without one, but a wrong or expired token is refused (401);
 * - `v1-only` (a service that predates hardened mode): the token PUT is refused (`tokenRefusalStatus`, 404 or 403) and
 *   token headers are ignored.
 *
 * Faults: the shared ones through `injectFault` (applied to the next requests in order, which this log does not record:
 * see `requestCount()`), and `failRoute` for a fault on one route whatever comes before it (recorded). An `error` fault
 * answers `{"Code": code, "Message": …}` with `status` (default 200): a failed fetch in the service's JSON shape.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { EmulatorServer, listening, randomAlphanumeric } from '../shared/emulator-server.js';
import type { EmulatorHandle, IncomingRequest, TransportFault } from '../shared/emulator-server.js';

export type EcsMetadataMode = 'v2-required' | 'v2-optional' | 'v1-only';
export type EcsMetadataRoute = 'token' | 'role-list' | 'role-credentials';

export interface EcsErrorFault {
  kind: 'error';
  code: string;
  /** Default 200: the service reporting the failure in the body only. */
  status?: number;
}
export type EcsMetadataFault = EcsErrorFault | TransportFault;
/** Faults `failRoute` takes: answered at once or never. */
export type EcsRouteFault = EcsErrorFault | Exclude<TransportFault, { kind: 'delay' }>;

export interface EcsRoleCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
}

export interface AliyunEcsMetadataOptions {
  mode?: EcsMetadataMode;
  /** What `v1-only` answers the token PUT with; default 404. */
  tokenRefusalStatus?: 403 | 404;
  /** The attached role; `null` for an instance without one. Default `stsgate-ecs-role`. */
  roleName?: string | null;
  /** Random (in the shape of real ones) unless given. */
  credentials?: Partial<EcsRoleCredentials>;
  /** A Date (sent as `YYYY-MM-DDTHH:MM:SSZ`) or a string sent verbatim; default six hours from now. */
  expiration?: Date | string;
  /** Millisecond clock for token expiry and the default expiration, default Date.now. */
  now?: () => number;
  port?: number;
}

/** One request the emulator answered itself (or left hanging on a route fault). */
export interface RecordedMetadataRequest {
  method: string;
  path: string;
  route: EcsMetadataRoute | 'other';
  /** `X-aliyun-ecs-metadata-token-ttl-seconds` as sent. */
  ttlSeconds?: string;
  /** `X-aliyun-ecs-metadata-token` as sent. */
  token?: string;
  /** Absent while unanswered (a `hang` route fault). */
  status?: number;
}

export interface EcsMetadataRejection {
  status: number;
  reason: string;
}

export interface AliyunEcsMetadataEmulator extends EmulatorHandle<RecordedMetadataRequest, EcsMetadataFault, EcsMetadataRejection> {
  readonly mode: EcsMetadataMode;
  readonly roleName: string | undefined;
  readonly credentials: Readonly<EcsRoleCredentials>;
  /** The `Expiration` the credentials route answers. */
  readonly expiration: string;
  /** Every session token issued, in order. */
  readonly tokens: readonly string[];
  /** Applies `fault` to every request on `route` until `clearFaults()` or `reset()`. */
  failRoute(route: EcsMetadataRoute, fault: EcsRouteFault): void;
}

export const DEFAULT_ECS_ROLE_NAME = 'stsgate-ecs-role';
export const MAX_TOKEN_TTL_SECONDS = 21_600;

export async function startAliyunEcsMetadataEmulator(options: AliyunEcsMetadataOptions = {}): Promise<AliyunEcsMetadataEmulator> {
  return listening(new EcsMetadataServer(options), options.port);
}

const TOKEN_PATH = '/latest/api/token';
const CREDENTIALS_PATH = '/latest/meta-data/ram/security-credentials/';
const TTL_HEADER = 'x-aliyun-ecs-metadata-token-ttl-seconds';
const TOKEN_HEADER = 'x-aliyun-ecs-metadata-token';

/** `2017-11-01T05:20:01Z`: the documented shape, whole seconds. */
const isoSeconds = (date: Date): string => `${date.toISOString().slice(0, 19)}Z`;

class EcsMetadataServer
  extends EmulatorServer<EcsErrorFault, RecordedMetadataRequest, EcsMetadataRejection>
  implements AliyunEcsMetadataEmulator
{
  readonly mode: EcsMetadataMode;
  readonly roleName: string | undefined;
  readonly credentials: Readonly<EcsRoleCredentials>;
  readonly expiration: string;
  readonly tokens: string[] = [];
  private readonly tokenRefusalStatus: number;
  private readonly now: () => number;
  /** token → expiry (ms). */
  private readonly tokenExpiry = new Map<string, number>();
  private readonly routeFaults = new Map<EcsMetadataRoute, EcsRouteFault>();

  constructor(options: AliyunEcsMetadataOptions) {
    super('application/json');
    this.mode = options.mode ?? 'v2-optional';
    this.tokenRefusalStatus = options.tokenRefusalStatus ?? 404;
    this.now = options.now ?? Date.now;
    this.roleName = options.roleName === null ? undefined : (options.roleName ?? DEFAULT_ECS_ROLE_NAME);
    this.credentials = {
      accessKeyId: options.credentials?.accessKeyId ?? `STS.${randomAlphanumeric(25)}`,
      accessKeySecret: options.credentials?.accessKeySecret ?? randomAlphanumeric(44),
      securityToken: options.credentials?.securityToken ?? `CAIS${randomBytes(96).toString('base64')}`,
    };
    const expiration = options.expiration ?? new Date(this.now() + MAX_TOKEN_TTL_SECONDS * 1000);
    this.expiration = typeof expiration === 'string' ? expiration : isoSeconds(expiration);
  }

  failRoute(route: EcsMetadataRoute, fault: EcsRouteFault): void {
    this.routeFaults.set(route, { ...fault });
  }

  override clearFaults(): void {
    super.clearFaults();
    this.routeFaults.clear();
  }

  override reset(): void {
    super.reset();
    this.routeFaults.clear();
    this.tokens.length = 0;
    this.tokenExpiry.clear();
  }

  protected answer(request: IncomingRequest, res: ServerResponse): void {
    const path = request.url.split('?')[0] ?? '/';
    const route = routeOf(path);
    const record: RecordedMetadataRequest = { method: request.method, path, route };
    if (request.headers[TTL_HEADER] !== undefined) record.ttlSeconds = request.headers[TTL_HEADER];
    if (request.headers[TOKEN_HEADER] !== undefined) record.token = request.headers[TOKEN_HEADER];
    this.calls.push(record);

    const reply = (status: number, body: string, contentType = 'text/plain') => {
      record.status = status;
      send(res, status, body, contentType);
    };
    const refuse = (status: number, reason: string) => {
      this.rejections.push({ status, reason });
      reply(status, `${status} ${reason}`);
    };

    const fault = route === 'other' ? undefined : this.routeFaults.get(route);
    if (fault) {
      if (fault.kind === 'hang') return;
      if (fault.kind === 'raw') return reply(fault.status, fault.body, fault.contentType ?? 'application/json');
      return reply(fault.status ?? 200, JSON.stringify({ Code: fault.code, Message: 'emulated failure' }), 'application/json');
    }

    if (route === 'other') return refuse(404, 'Not Found');
    if (route === 'token') {
      if (request.method !== 'PUT') return refuse(405, 'Method Not Allowed');
      if (this.mode === 'v1-only') return refuse(this.tokenRefusalStatus, 'security hardening mode is not supported');
      const ttl = record.ttlSeconds;
      if (ttl === undefined || !/^\d{1,5}$/.test(ttl) || Number(ttl) < 1 || Number(ttl) > MAX_TOKEN_TTL_SECONDS) {
        return refuse(400, `${TTL_HEADER} must be 1..${MAX_TOKEN_TTL_SECONDS}`);
      }
      const token = randomBytes(32).toString('base64url');
      this.tokens.push(token);
      this.tokenExpiry.set(token, this.now() + Number(ttl) * 1000);
      return reply(200, token);
    }

    if (request.method !== 'GET') return refuse(405, 'Method Not Allowed');
    if (this.mode !== 'v1-only') {
      if (record.token !== undefined && !this.validToken(record.token)) return refuse(401, 'invalid or expired metadata token');
      if (record.token === undefined && this.mode === 'v2-required') return refuse(401, 'a metadata token is required');
    }
    if (route === 'role-list') {
      return this.roleName === undefined ? refuse(404, 'no RAM role attached') : reply(200, this.roleName);
    }
    if (this.roleName === undefined || path.slice(CREDENTIALS_PATH.length) !== this.roleName) return refuse(404, 'Not Found');
    reply(
      200,
      JSON.stringify({
        AccessKeyId: this.credentials.accessKeyId,
        AccessKeySecret: this.credentials.accessKeySecret,
        Expiration: this.expiration,
        SecurityToken: this.credentials.securityToken,
        LastUpdated: isoSeconds(new Date(this.now())),
        Code: 'Success',
      }),
      'application/json',
    );
  }

  protected answerErrorFault(fault: EcsErrorFault, res: ServerResponse): void {
    this.sendJson(res, fault.status ?? 200, { Code: fault.code, Message: 'emulated failure' });
  }

  protected answerInternalError(_error: unknown, res: ServerResponse): void {
    send(res, 500, '500 Internal Server Error', 'text/plain');
  }

  private validToken(token: string): boolean {
    const expiry = this.tokenExpiry.get(token);
    return expiry !== undefined && this.now() < expiry;
  }
}

function routeOf(path: string): EcsMetadataRoute | 'other' {
  if (path === TOKEN_PATH) return 'token';
  if (path === CREDENTIALS_PATH) return 'role-list';
  if (path.startsWith(CREDENTIALS_PATH) && !path.slice(CREDENTIALS_PATH.length).includes('/')) return 'role-credentials';
  return 'other';
}

function send(res: ServerResponse, status: number, body: string, contentType: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
