/**
 * What the three object-storage stand-ins (OSS, COS, OBS) share: a loopback server that browsers may call
 * cross-origin, a table of temporary keys it accepts, an in-memory bucket, and the record of every request.
 *
 * A stand-in serves one bucket. It answers the object calls the storage SDKs and signed requests make in
 * the tests (PUT, GET, HEAD of an object, signed in the Authorization header or in a presigned URL, and
 * POST Object browser forms) after the checks the real service makes of temporary keys: the access key id
 * is one it issued, the request carries that key's own security token where the service looks for it, the
 * key has not expired, and the signature is right. The signature checks live in each stand-in, written
 * from its service's published algorithm; nothing here or there is imported from lib/ or client/, so a
 * stand-in accepting a request says something about the SDK or the signer that produced it.
 *
 * Uploads honour the service's no-overwrite header; downloads honour the `response-*` overrides the
 * signature covers; `storedObjects()` lists what was stored. `trust(emulator)` makes a stand-in accept
 * every key its cloud's STS (or IAM) emulator issues, as the service accepts what its STS issued.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { EmulatorServer } from '../shared/emulator-server.js';
import type { EmulatorHandle, IncomingRequest, TransportFault } from '../shared/emulator-server.js';
import type { IssuedKey, KeyIssuer } from '../shared/issued-keys.js';
import { splitTarget } from '../shared/signing.js';
import { type PostObjectRules, type PostUpload, readPostObject } from './post-object.js';
import { decodedQuery } from './query-params.js';
import { type AuthenticatedBy, type SignatureCheck, StorageRefusal, refusalOf } from './refusal.js';

export { StorageRefusal, type SignatureCheck } from './refusal.js';

/** One set of temporary keys the stand-in accepts, as its STS would have issued them. */
export type TemporaryKey = IssuedKey;

/** A request whose signature, security token and key passed the checks (what the service then did with it aside). */
export interface StorageRequest {
  readonly method: string;
  /** The path as received, without the query. */
  readonly path: string;
  /** The raw query, without `?`. */
  readonly query: string;
  readonly host: string;
  /** The access key id the signature was made with. */
  readonly accessKeyId: string;
  /** The security token the request carried (header, query parameter or form field, as `by` says). */
  readonly securityToken: string;
  /** Lowercase names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Authorization header, presigned URL or POST form. */
  readonly by: AuthenticatedBy;
  /** The object the request addressed (for a POST form, the key the form uploaded to). */
  readonly objectKey: string | undefined;
}

export interface StorageRejection {
  readonly method: string;
  readonly path: string;
  /** The service's error code, e.g. `SignatureDoesNotMatch`. */
  readonly code: string;
  readonly accessKeyId: string | undefined;
}

/** An object in the stand-in's bucket. */
export interface StoredObject {
  readonly key: string;
  readonly body: Buffer;
  /** The Content-Type it was uploaded with (a PUT's header, a form's Content-Type field), else application/octet-stream. */
  readonly contentType: string;
  /** Quoted MD5 of the body in hex, as the services answer a single-part upload. */
  readonly etag: string;
}

export type StorageFault = { kind: 'error'; status: number; code: string } | TransportFault;

export interface StorageStandIn extends EmulatorHandle<StorageRequest, StorageFault, StorageRejection> {
  readonly bucket: string;
  /** Accept these keys from now on (what the service's STS does when it issues them). */
  issueKey(key: TemporaryKey): void;
  /** Accept, from now on, every key this emulator of the cloud's STS has issued or will issue. */
  trust(issuer: KeyIssuer): void;
  /** CORS preflights answered (kept apart from `calls`, which are the storage requests). */
  readonly preflights: number;
  /** The stored object's bytes, if any. */
  object(key: string): Buffer | undefined;
  /** Everything stored, by key: the test hook for listing what uploads produced. */
  storedObjects(): StoredObject[];
}

/** The request header (and, in a POST form, the field of the same name) that refuses to replace an existing key. */
export interface NoOverwriteRule {
  /** Lowercase; honoured when its value is `true` (case-insensitive). */
  readonly header: string;
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

/** What a subclass tells the base about its service. */
export interface ServiceRules {
  readonly bucket: string;
  /** Response headers a browser app must be able to read (CORS `Access-Control-Expose-Headers`). */
  readonly exposeHeaders: readonly string[];
  /** The response header that carries the request id. */
  readonly requestIdHeader: string;
  readonly noOverwrite: NoOverwriteRule;
  /** How the service runs POST Object. */
  readonly postObject: PostObjectRules;
  /** Millisecond clock, default Date.now. */
  readonly now?: () => number;
  /** Largest file a POST form may carry here (the services allow 5 GB; the stand-in keeps objects in memory). */
  readonly maxUploadBytes?: number;
}

const DEFAULT_MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

/** GET query parameters that override a response header, and the header each sets (the same names on all three services). */
const RESPONSE_OVERRIDES: Readonly<Record<string, string>> = {
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
};

/** The `response-*` query parameters, which each service's signature must cover (as sub-resources in V1 and OBS). */
export const RESPONSE_OVERRIDE_PARAMETERS: readonly string[] = Object.keys(RESPONSE_OVERRIDES);

export abstract class StorageStandInServer
  extends EmulatorServer<{ kind: 'error'; status: number; code: string }, StorageRequest, StorageRejection>
  implements StorageStandIn
{
  readonly bucket: string;
  private readonly keys = new Map<string, TemporaryKey>();
  private readonly issuers: KeyIssuer[] = [];
  private readonly objects = new Map<string, StoredObject>();
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

  trust(issuer: KeyIssuer): void {
    this.issuers.push(issuer);
  }

  private keyOf(accessKeyId: string): TemporaryKey | undefined {
    return this.keys.get(accessKeyId) ?? this.issuers.map((issuer) => issuer.issuedKey(accessKeyId)).find((key) => key !== undefined);
  }

  object(key: string): Buffer | undefined {
    return this.objects.get(key)?.body;
  }

  storedObjects(): StoredObject[] {
    return [...this.objects.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  override reset(): void {
    super.reset();
    this.objects.clear();
    this.preflightCount = 0;
  }

  /**
   * Reads the signer's access key id from the request (Authorization header or presigned query string) and
   * checks the signature with `secretOf` (undefined for an unknown key); on success, says where the
   * request carried its security token.
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
      if (request.method === 'POST' && this.objectKeyOf(request, path) === undefined) {
        this.answerPostObject(request, path, query, res);
        return;
      }
      const check = this.checkSignature(request, (id) => this.keyOf(id)?.accessKeySecret);
      accessKeyId = check.accessKeyId;
      if (!check.ok) throw refusalOf(check);
      const securityToken = this.verifyTemporaryKey(check.accessKeyId, check.securityToken);
      const objectKey = this.objectKeyOf(request, path);
      this.calls.push({ method: request.method, path, query, host: request.headers.host ?? '', accessKeyId: check.accessKeyId, securityToken, headers: { ...request.headers }, by: check.by, objectKey });
      if (objectKey === undefined) throw new StorageRefusal(405, 'MethodNotAllowed', 'The stand-in answers object requests and POST Object only.');
      this.answerObject(request, objectKey, query, res);
    } catch (error) {
      if (!(error instanceof StorageRefusal)) throw error;
      this.rejections.push({ method: request.method, path, code: error.code, accessKeyId: error.accessKeyId ?? accessKeyId });
      this.sendError(res, error.status, error.code, error.message, origin);
    }
  }

  /** The token, once it is the key's own and the key has not expired: what the services check of temporary keys. */
  private verifyTemporaryKey(accessKeyId: string, securityToken: string | undefined): string {
    const key = this.keyOf(accessKeyId);
    if (!key) throw new StorageRefusal(403, 'InvalidAccessKeyId', 'The access key id you provided does not exist in our records.', accessKeyId);
    if (securityToken === undefined) throw new StorageRefusal(403, 'InvalidSecurityToken', 'Temporary keys need their security token.', accessKeyId);
    if (securityToken !== key.securityToken) throw new StorageRefusal(403, 'InvalidSecurityToken', 'The security token does not belong to this access key id.', accessKeyId);
    if (this.now() >= key.expiresAt) throw new StorageRefusal(403, 'SecurityTokenExpired', 'The security token has expired.', accessKeyId);
    return securityToken;
  }

  private answerPostObject(request: IncomingRequest, path: string, query: string, res: ServerResponse): void {
    const upload = readPostObject(request.headers['content-type'], request.body, this.rules.postObject, {
      bucket: this.bucket,
      now: this.now(),
      maxFileBytes: this.rules.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
      secretOf: (id) => this.keyOf(id)?.accessKeySecret,
      verifyTemporaryKey: (id, token) => this.verifyTemporaryKey(id, token),
    });
    const { accessKeyId, securityToken, key } = upload;
    this.calls.push({ method: 'POST', path, query, host: request.headers.host ?? '', accessKeyId, securityToken, headers: { ...request.headers }, by: 'form', objectKey: key });
    this.refuseOverwrite(key, upload.fields.get(this.rules.noOverwrite.header), accessKeyId);
    const stored = this.store(key, upload.body, upload.contentType);
    this.sendPostResult(request, upload, stored, res);
  }

  private sendPostResult(request: IncomingRequest, upload: PostUpload, stored: StoredObject, res: ServerResponse): void {
    const location = `http://${request.headers.host ?? ''}/${upload.key.split('/').map(encodeURIComponent).join('/')}`;
    const headers = { ...this.responseHeaders(request.headers.origin), etag: stored.etag, location };
    if (upload.successStatus !== 201) {
      res.writeHead(upload.successStatus, { ...headers, 'content-length': 0 });
      res.end();
      return;
    }
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<PostResponse><Bucket>${escapeXml(this.bucket)}</Bucket><Location>${escapeXml(location)}</Location><Key>${escapeXml(upload.key)}</Key><ETag>${escapeXml(stored.etag)}</ETag></PostResponse>`;
    res.writeHead(201, { ...headers, 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  private refuseOverwrite(key: string, noOverwrite: string | undefined, accessKeyId?: string): void {
    if (noOverwrite?.toLowerCase() !== 'true' || !this.objects.has(key)) return;
    const { status, code, message } = this.rules.noOverwrite;
    throw new StorageRefusal(status, code, message, accessKeyId);
  }

  private store(key: string, body: Buffer, contentType: string): StoredObject {
    const stored = { key, body, contentType, etag: etagOf(body) };
    this.objects.set(key, stored);
    return stored;
  }

  private answerObject(request: IncomingRequest, objectKey: string, query: string, res: ServerResponse): void {
    const headers = this.responseHeaders(request.headers.origin);
    switch (request.method) {
      case 'PUT': {
        this.refuseOverwrite(objectKey, request.headers[this.rules.noOverwrite.header]);
        const stored = this.store(objectKey, request.body, request.headers['content-type'] ?? 'application/octet-stream');
        res.writeHead(200, { ...headers, etag: stored.etag, 'content-length': 0 });
        res.end();
        return;
      }
      case 'GET':
      case 'HEAD': {
        const stored = this.objects.get(objectKey);
        if (!stored) throw new StorageRefusal(404, 'NoSuchKey', 'The specified key does not exist.');
        const overrides = responseOverrides(query);
        res.writeHead(200, { ...headers, etag: stored.etag, 'content-type': stored.contentType, ...overrides, 'content-length': stored.body.length });
        res.end(request.method === 'GET' ? stored.body : undefined);
        return;
      }
      default:
        throw new StorageRefusal(405, 'MethodNotAllowed', 'The stand-in answers PUT, GET, HEAD and POST Object.');
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

/** The response headers a GET's `response-*` query parameters ask for (already covered by the request's signature). */
function responseOverrides(query: string): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const [name, value] of decodedQuery(query)) {
    const header = RESPONSE_OVERRIDES[name.toLowerCase()];
    if (header !== undefined) overrides[header] = value;
  }
  return overrides;
}

/** The MD5 of the body in hex, quoted: what the services send for a single-part upload. */
function etagOf(body: Buffer): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
