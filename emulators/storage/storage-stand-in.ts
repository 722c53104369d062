/**
 * What the three object-storage stand-ins (OSS, COS, OBS) share: a loopback server that browsers may call
 * cross-origin, a table of temporary keys it accepts, an in-memory bucket, and the record of every request.
 *
 * A stand-in serves one bucket. It answers the object calls the storage SDKs make in the tests (PUT, GET,
 * HEAD of an object) after the checks the real service makes of temporary keys: the access key id is one
 * it issued, the request carries that key's own security token in the service's header, the key has not
 * expired, and the signature is right. The signature check lives in each stand-in, written from its
 * service's published algorithm; nothing here or there is imported from lib/ or client/, so a stand-in
 * accepting a request says something about the SDK and the adapter that produced it.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { EmulatorServer } from '../shared/emulator-server.js';
import type { EmulatorHandle, IncomingRequest, TransportFault } from '../shared/emulator-server.js';
import { splitTarget } from '../shared/signing.js';

/** One set of temporary keys the stand-in accepts, as its STS would have issued them. */
export interface TemporaryKey {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken: string;
  /** ms since the epoch; requests at or after it are refused as expired. */
  readonly expiresAt: number;
}

/** A request that passed every check and was answered. */
export interface StorageRequest {
  readonly method: string;
  /** The path as received, without the query. */
  readonly path: string;
  /** The raw query, without `?`. */
  readonly query: string;
  readonly host: string;
  /** The access key id the signature was made with. */
  readonly accessKeyId: string;
  /** The value of the service's security-token header. */
  readonly securityToken: string;
  /** Lowercase names. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface StorageRejection {
  readonly method: string;
  readonly path: string;
  /** The service's error code, e.g. `SignatureDoesNotMatch`. */
  readonly code: string;
  readonly accessKeyId: string | undefined;
}

export type StorageFault = { kind: 'error'; status: number; code: string } | TransportFault;

export interface StorageStandIn extends EmulatorHandle<StorageRequest, StorageFault, StorageRejection> {
  readonly bucket: string;
  /** Accept these keys from now on (what the service's STS does when it issues them). */
  issueKey(key: TemporaryKey): void;
  /** CORS preflights answered (kept apart from `calls`, which are the storage requests). */
  readonly preflights: number;
  /** The stored object, if any. */
  object(key: string): Buffer | undefined;
}

/** Who signed a request, as the service's Authorization header says, and whether the signature is right. */
export type SignatureCheck =
  | { readonly ok: true; readonly accessKeyId: string }
  | { readonly ok: false; readonly code: string; readonly message: string; readonly accessKeyId?: string };

/** What a subclass tells the base about its service. */
export interface ServiceRules {
  readonly bucket: string;
  /** The header that carries the security token, lowercase. */
  readonly tokenHeader: string;
  /** Response headers a browser app must be able to read (CORS `Access-Control-Expose-Headers`). */
  readonly exposeHeaders: readonly string[];
  /** The response header that carries the request id. */
  readonly requestIdHeader: string;
  /** Millisecond clock, default Date.now. */
  readonly now?: () => number;
}

/** Thrown inside a stand-in to refuse a request with the service's error code. */
export class StorageRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly accessKeyId?: string,
  ) {
    super(message);
  }
}

export abstract class StorageStandInServer
  extends EmulatorServer<{ kind: 'error'; status: number; code: string }, StorageRequest, StorageRejection>
  implements StorageStandIn
{
  readonly bucket: string;
  private readonly keys = new Map<string, TemporaryKey>();
  private readonly objects = new Map<string, Buffer>();
  private preflightCount = 0;
  protected readonly now: () => number;
  private requestCounter = 0;

  protected constructor(protected readonly rules: ServiceRules) {
    super('application/xml');
    this.bucket = rules.bucket;
    this.now = rules.now ?? Date.now;
  }

  get preflights(): number {
    return this.preflightCount;
  }

  issueKey(key: TemporaryKey): void {
    this.keys.set(key.accessKeyId, { ...key });
  }

  object(key: string): Buffer | undefined {
    return this.objects.get(key);
  }

  override reset(): void {
    super.reset();
    this.objects.clear();
    this.preflightCount = 0;
  }

  /**
   * Reads the signer's access key id from the Authorization header and checks the signature with
   * `secretOf` (undefined for an unknown key).
   */
  protected abstract checkSignature(request: IncomingRequest, secretOf: (accessKeyId: string) => string | undefined): SignatureCheck;

  /** The object key a request addresses, or undefined for a bucket-level request; refuses a wrong bucket. */
  protected abstract objectKeyOf(request: IncomingRequest, path: string): string | undefined;

  /**
   * A request answered before any authentication (OBS's API-version probe), or false if not one. Such
   * requests are recorded in neither `calls` nor `rejections`.
   */
  protected answerProbe(_request: IncomingRequest, _path: string, _query: string, _res: ServerResponse): boolean {
    return false;
  }

  protected answer(request: IncomingRequest, res: ServerResponse): void {
    const origin = request.headers.origin;
    if (request.method === 'OPTIONS') {
      this.preflightCount += 1;
      this.answerPreflight(request, res);
      return;
    }
    const { path, query } = splitTarget(request.url);
    if (this.answerProbe(request, path, query, res)) return;
    let accessKeyId: string | undefined;
    try {
      const check = this.checkSignature(request, (id) => this.keys.get(id)?.accessKeySecret);
      accessKeyId = check.accessKeyId;
      if (!check.ok) throw new StorageRefusal(403, check.code, check.message, check.accessKeyId);
      const key = this.keys.get(check.accessKeyId);
      if (!key) throw new StorageRefusal(403, 'InvalidAccessKeyId', 'The access key id you provided does not exist in our records.');
      const token = request.headers[this.rules.tokenHeader];
      if (token === undefined) throw new StorageRefusal(403, 'InvalidSecurityToken', `Temporary keys need the ${this.rules.tokenHeader} header.`);
      if (token !== key.securityToken) throw new StorageRefusal(403, 'InvalidSecurityToken', 'The security token does not belong to this access key id.');
      if (this.now() >= key.expiresAt) throw new StorageRefusal(403, 'SecurityTokenExpired', 'The security token has expired.');

      this.calls.push({ method: request.method, path, query, host: request.headers.host ?? '', accessKeyId: key.accessKeyId, securityToken: token, headers: { ...request.headers } });
      const objectKey = this.objectKeyOf(request, path);
      if (objectKey === undefined) throw new StorageRefusal(405, 'MethodNotAllowed', 'The stand-in answers object requests only.');
      this.answerObject(request, objectKey, res);
    } catch (error) {
      if (!(error instanceof StorageRefusal)) throw error;
      this.rejections.push({ method: request.method, path, code: error.code, accessKeyId: error.accessKeyId ?? accessKeyId });
      this.sendError(res, error.status, error.code, error.message, origin);
    }
  }

  private answerObject(request: IncomingRequest, objectKey: string, res: ServerResponse): void {
    const headers = this.responseHeaders(request.headers.origin);
    switch (request.method) {
      case 'PUT': {
        this.objects.set(objectKey, request.body);
        res.writeHead(200, { ...headers, etag: etagOf(request.body), 'content-length': 0 });
        res.end();
        return;
      }
      case 'GET':
      case 'HEAD': {
        const body = this.objects.get(objectKey);
        if (!body) throw new StorageRefusal(404, 'NoSuchKey', 'The specified key does not exist.');
        res.writeHead(200, { ...headers, etag: etagOf(body), 'content-type': 'application/octet-stream', 'content-length': body.length });
        res.end(request.method === 'GET' ? body : undefined);
        return;
      }
      default:
        throw new StorageRefusal(405, 'MethodNotAllowed', 'The stand-in answers PUT, GET and HEAD.');
    }
  }

  /** Any origin may call, with any header, as a bucket CORS rule `AllowedOrigin *`, `AllowedHeader *` allows. */
  private answerPreflight(request: IncomingRequest, res: ServerResponse): void {
    res.writeHead(200, {
      'access-control-allow-origin': request.headers.origin ?? '*',
      'access-control-allow-methods': 'GET, PUT, POST, DELETE, HEAD',
      'access-control-allow-headers': request.headers['access-control-request-headers'] ?? '',
      'access-control-expose-headers': this.rules.exposeHeaders.join(', '),
      'access-control-max-age': '0',
      vary: 'Origin',
      'content-length': 0,
    });
    res.end();
  }

  protected responseHeaders(origin: string | undefined): Record<string, string> {
    this.requestCounter += 1;
    return {
      'access-control-allow-origin': origin ?? '*',
      'access-control-expose-headers': this.rules.exposeHeaders.join(', '),
      vary: 'Origin',
      date: new Date(this.now()).toUTCString(),
      [this.rules.requestIdHeader]: `standin-${this.requestCounter}`,
    };
  }

  private sendError(res: ServerResponse, status: number, code: string, message: string, origin: string | undefined): void {
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message><RequestId>standin-${this.requestCounter + 1}</RequestId></Error>`;
    res.writeHead(status, { ...this.responseHeaders(origin), 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  protected answerErrorFault(fault: { kind: 'error'; status: number; code: string }, res: ServerResponse): void {
    this.sendError(res, fault.status, fault.code, 'Injected fault.', undefined);
  }

  protected answerInternalError(error: unknown, res: ServerResponse): void {
    this.sendError(res, 500, 'InternalError', error instanceof Error ? error.name : 'internal error', undefined);
  }
}

/** The MD5 of the body in hex, quoted: what the services send for a single-part upload. */
function etagOf(body: Buffer): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
