/**
 * Local emulator of the Tencent Cloud CVM metadata service's instance-role credentials (reference tencent.md §2.4):
 *
 * - `GET /latest/meta-data/cam/security-credentials/` → the name of the CAM role attached to the instance, as plain
 *   text; without a role: 404 (or, with `noRole: 'empty'`, an empty 200, the other answer clients must expect);
 * - `GET /latest/meta-data/cam/security-credentials/<role>` → the role's temporary keys as JSON
 *   `{"TmpSecretId","TmpSecretKey","ExpiredTime","Expiration","Token","Code":"Success"}` (`ExpiredTime` in unix
 *   seconds, `Expiration` the same instant in ISO 8601); an unknown role name: 404.
 *
 * The 404 bodies and the error-fault body (`{"Code": code}`) are this emulator's choice: the service's error bodies are
 * not documented. Credentials are random unless given, stay the same until `rotate()` (the real service also hands out
 * the same keys until it renews them), and `setDocumentOverrides` bends the JSON document for tests of broken answers.
 */
import type { ServerResponse } from 'node:http';
import { listening, randomAlphanumeric } from '../shared/emulator-server.js';
import type { EmulatorHandle, IncomingRequest, TransportFault } from '../shared/emulator-server.js';
import { MetadataEmulatorServer, pathOf } from './shared.js';
import type { MetadataRequest } from './shared.js';

export type { MetadataRequest } from './shared.js';

export const CVM_ROLE_LIST_PATH = '/latest/meta-data/cam/security-credentials/';

export interface TencentCvmCredentials {
  tmpSecretId: string;
  tmpSecretKey: string;
  token: string;
  /** Unix seconds. */
  expiredTime: number;
}

export interface TencentCvmMetadataEmulatorOptions {
  port?: number;
  /** The CAM role attached to the instance; `null`: none. Default `stsgate-cvm-role`. */
  roleName?: string | null;
  /** How the role listing says "no role": `404` (default) or an `empty` 200. */
  noRole?: 404 | 'empty';
  /** Fixed keys (the expiry still follows `lifetimeSeconds`); random ones by default. */
  credentials?: Omit<TencentCvmCredentials, 'expiredTime'>;
  /** How long handed-out keys live, default 7200 (an emulator choice: the lifetime is not documented). */
  lifetimeSeconds?: number;
  /** Millisecond clock, default Date.now. */
  now?: () => number;
}

export type TencentCvmMetadataFault =
  /** Answers `{"Code": code}` with `status` (default 200), as a failing credentials document would. */
  | { kind: 'error'; code: string; status?: number }
  | TransportFault;

/** A request the emulator refused: the path it asked for and why. */
export interface TencentCvmMetadataRejection {
  path: string;
  reason: 'no-role' | 'unknown-role' | 'unknown-path' | 'method-not-allowed';
}

export interface TencentCvmMetadataEmulator
  extends EmulatorHandle<MetadataRequest, TencentCvmMetadataFault, TencentCvmMetadataRejection> {
  /** The keys the credentials document currently hands out. */
  current(): TencentCvmCredentials;
  /** New keys (random unless fixed ones were given), expiring `lifetimeSeconds` from now. */
  rotate(): TencentCvmCredentials;
  /** Attaches another role, or detaches it (`null`). */
  setRole(roleName: string | null): void;
  /**
   * Changes fields of every credentials document from now on: a value replaces the field, `undefined` removes it.
   * Replaces earlier overrides; `{}` restores the normal document.
   */
  setDocumentOverrides(overrides: Record<string, unknown>): void;
}

export async function startTencentCvmMetadataEmulator(
  options: TencentCvmMetadataEmulatorOptions = {},
): Promise<TencentCvmMetadataEmulator> {
  return listening(new CvmMetadataServer(options), options.port);
}

class CvmMetadataServer
  extends MetadataEmulatorServer<Extract<TencentCvmMetadataFault, { kind: 'error' }>, TencentCvmMetadataRejection>
  implements TencentCvmMetadataEmulator
{
  private roleName: string | null;
  private readonly noRole: 404 | 'empty';
  private readonly lifetimeSeconds: number;
  private readonly now: () => number;
  private credentials: TencentCvmCredentials;
  private overrides: Record<string, unknown> = {};

  constructor(private readonly options: TencentCvmMetadataEmulatorOptions) {
    super();
    this.roleName = options.roleName === undefined ? 'stsgate-cvm-role' : options.roleName;
    this.noRole = options.noRole ?? 404;
    this.lifetimeSeconds = options.lifetimeSeconds ?? 7200;
    if (!Number.isInteger(this.lifetimeSeconds) || this.lifetimeSeconds <= 0) {
      throw new RangeError(`lifetimeSeconds must be a positive integer, got ${this.lifetimeSeconds}`);
    }
    this.now = options.now ?? Date.now;
    this.credentials = this.mint();
  }

  current(): TencentCvmCredentials {
    return { ...this.credentials };
  }

  rotate(): TencentCvmCredentials {
    this.credentials = this.mint();
    return this.current();
  }

  setRole(roleName: string | null): void {
    this.roleName = roleName;
  }

  setDocumentOverrides(overrides: Record<string, unknown>): void {
    this.overrides = { ...overrides };
  }

  protected route(request: IncomingRequest, res: ServerResponse): void {
    const path = pathOf(request.url);
    if (!path.startsWith(CVM_ROLE_LIST_PATH)) return this.refuse(res, path, 404, 'unknown-path');
    if (request.method !== 'GET') return this.refuse(res, path, 405, 'method-not-allowed');
    const name = path.slice(CVM_ROLE_LIST_PATH.length);
    if (name === '') {
      if (this.roleName !== null) return this.sendText(res, 200, this.roleName);
      if (this.noRole === 'empty') return this.sendText(res, 200, '');
      return this.refuse(res, path, 404, 'no-role');
    }
    if (this.roleName === null || safeDecode(name) !== this.roleName) {
      return this.refuse(res, path, 404, this.roleName === null ? 'no-role' : 'unknown-role');
    }
    this.sendJson(res, 200, this.document());
  }

  protected answerErrorFault(fault: Extract<TencentCvmMetadataFault, { kind: 'error' }>, res: ServerResponse): void {
    this.sendJson(res, fault.status ?? 200, { Code: fault.code });
  }

  private document(): Record<string, unknown> {
    const { tmpSecretId, tmpSecretKey, token, expiredTime } = this.credentials;
    const document: Record<string, unknown> = {
      TmpSecretId: tmpSecretId,
      TmpSecretKey: tmpSecretKey,
      ExpiredTime: expiredTime,
      Expiration: new Date(expiredTime * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      Token: token,
      Code: 'Success',
    };
    for (const [field, value] of Object.entries(this.overrides)) {
      if (value === undefined) delete document[field];
      else document[field] = value;
    }
    return document;
  }

  private mint(): TencentCvmCredentials {
    const fixed = this.options.credentials;
    return {
      tmpSecretId: fixed?.tmpSecretId ?? `AKID${randomAlphanumeric(32)}`,
      tmpSecretKey: fixed?.tmpSecretKey ?? randomAlphanumeric(32),
      token: fixed?.token ?? randomAlphanumeric(180),
      expiredTime: Math.floor(this.now() / 1000) + this.lifetimeSeconds,
    };
  }

  private refuse(res: ServerResponse, path: string, status: number, reason: TencentCvmMetadataRejection['reason']): void {
    this.rejections.push({ path, reason });
    this.sendText(res, status, status === 405 ? 'Method Not Allowed' : 'Not Found');
  }
}

/** A percent-decoded path segment; a malformed escape is compared as received (and so matches no role). */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
