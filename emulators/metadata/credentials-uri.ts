/**
 * Local emulator of a credentials URI (`ALIBABA_CLOUD_CREDENTIALS_URI`): an HTTP endpoint that answers a GET with
 * `{"Code": "Success", "AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration"}`, the shape the official Aliyun
 * credential chain reads from it. Nothing here comes from lib/.
 *
 * Only `GET <path>` is served (other paths 404, other methods 405). Faults are the shared ones through `injectFault`;
 * an `error` fault answers `{"Code": code, "Message": …}` with `status` (default 200). Requests stopped by a fault are
 * counted by `requestCount()` but not recorded in `calls`.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { EmulatorServer, listening, randomAlphanumeric } from '../shared/emulator-server.js';
import type { EmulatorHandle, IncomingRequest, TransportFault } from '../shared/emulator-server.js';

export interface CredentialsUriErrorFault {
  kind: 'error';
  code: string;
  /** Default 200: the failure reported in the body only. */
  status?: number;
}
export type CredentialsUriFault = CredentialsUriErrorFault | TransportFault;

export interface UriCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
}

export interface CredentialsUriEmulatorOptions {
  /** The path served, default `/credentials`. */
  path?: string;
  /** Random unless given. */
  credentials?: Partial<UriCredentials>;
  /** A Date (sent as `YYYY-MM-DDTHH:MM:SSZ`) or a string sent verbatim; default one hour from now. */
  expiration?: Date | string;
  /** The `Code` field: default `Success`; `null` leaves the field out. */
  code?: string | null;
  port?: number;
}

export interface RecordedCredentialsUriRequest {
  method: string;
  /** Request target as received, query included. */
  target: string;
  accept?: string;
  status: number;
}

export interface CredentialsUriRejection {
  status: number;
  reason: string;
}

export interface CredentialsUriEmulator extends EmulatorHandle<RecordedCredentialsUriRequest, CredentialsUriFault, CredentialsUriRejection> {
  /** The full URI to configure: `url` + `path`. */
  readonly uri: string;
  readonly credentials: Readonly<UriCredentials>;
  readonly expiration: string;
}

export async function startCredentialsUriEmulator(options: CredentialsUriEmulatorOptions = {}): Promise<CredentialsUriEmulator> {
  return listening(new CredentialsUriServer(options), options.port);
}

class CredentialsUriServer
  extends EmulatorServer<CredentialsUriErrorFault, RecordedCredentialsUriRequest, CredentialsUriRejection>
  implements CredentialsUriEmulator
{
  readonly credentials: Readonly<UriCredentials>;
  readonly expiration: string;
  private readonly path: string;
  private readonly code: string | null;

  constructor(options: CredentialsUriEmulatorOptions) {
    super('application/json');
    this.path = options.path ?? '/credentials';
    if (!this.path.startsWith('/')) throw new RangeError(`path must start with "/", got ${this.path}`);
    this.code = options.code === undefined ? 'Success' : options.code;
    this.credentials = {
      accessKeyId: options.credentials?.accessKeyId ?? `STS.${randomAlphanumeric(25)}`,
      accessKeySecret: options.credentials?.accessKeySecret ?? randomAlphanumeric(44),
      securityToken: options.credentials?.securityToken ?? `CAIS${randomBytes(96).toString('base64')}`,
    };
    const expiration = options.expiration ?? new Date(Date.now() + 3_600_000);
    this.expiration = typeof expiration === 'string' ? expiration : `${expiration.toISOString().slice(0, 19)}Z`;
  }

  get uri(): string {
    return `${this.url}${this.path}`;
  }

  protected answer(request: IncomingRequest, res: ServerResponse): void {
    const record: RecordedCredentialsUriRequest = { method: request.method, target: request.url, status: 0 };
    if (request.headers['accept'] !== undefined) record.accept = request.headers['accept'];
    this.calls.push(record);
    const refuse = (status: number, reason: string) => {
      record.status = status;
      this.rejections.push({ status, reason });
      this.sendJson(res, status, { Code: status === 404 ? 'NotFound' : 'MethodNotAllowed', Message: reason });
    };
    if ((request.url.split('?')[0] ?? '') !== this.path) return refuse(404, 'no such path');
    if (request.method !== 'GET') return refuse(405, 'only GET is served');
    record.status = 200;
    this.sendJson(res, 200, {
      ...(this.code === null ? {} : { Code: this.code }),
      AccessKeyId: this.credentials.accessKeyId,
      AccessKeySecret: this.credentials.accessKeySecret,
      SecurityToken: this.credentials.securityToken,
      Expiration: this.expiration,
    });
  }

  protected answerErrorFault(fault: CredentialsUriErrorFault, res: ServerResponse): void {
    this.sendJson(res, fault.status ?? 200, { Code: fault.code, Message: 'emulated failure' });
  }

  protected answerInternalError(_error: unknown, res: ServerResponse): void {
    this.sendJson(res, 500, { Code: 'InternalError', Message: 'internal error' });
  }
}
