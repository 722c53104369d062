/**
 * A stand-in for Tencent COS on loopback: one bucket, temporary keys only, signed with COS's `q-sign`
 * (see cos-signature.ts) in the Authorization header (token in `x-cos-security-token`) or in a presigned
 * URL's query string (token in the `x-cos-security-token` parameter), or a POST Object form (see
 * cos-post-object.ts).
 *
 * `x-cos-forbid-overwrite: true` (header, or form field) refuses an existing key with 409
 * FileAlreadyExists: the header is COS's; the code is COS's as public projects quote its documentation
 * (not confirmed from a stored COS page; OSS uses the same code).
 *
 * The tests reach it through COS's `Domain` option (`127.0.0.1:<port>`), so the bucket is not in the host.
 *
 * @module
 */
import { listening } from '../shared/emulator-server.js';
import type { IncomingRequest } from '../shared/emulator-server.js';
import { splitTarget } from '../shared/signing.js';
import { cosPostObjectRules } from './cos-post-object.js';
import { checkCosRequestSignature, qSignFromHeader, qSignFromQuery } from './cos-signature.js';
import { decodedQuery, safeDecode } from './query-params.js';
import { type SignatureCheck, type StorageStandIn, StorageStandInServer } from './storage-stand-in.js';

export interface CosStandInOptions {
  /** `<name>-<appid>`, as COS names buckets. */
  readonly bucket: string;
  readonly port?: number;
  readonly now?: () => number;
  /** Largest file a POST Object form may carry here, default 64 MiB. */
  readonly maxUploadBytes?: number;
}

export async function startCosStandIn(options: CosStandInOptions): Promise<StorageStandIn> {
  return listening(new CosStandIn(options), options.port);
}

const TOKEN = 'x-cos-security-token';

class CosStandIn extends StorageStandInServer {
  constructor(options: CosStandInOptions) {
    const now = options.now ?? Date.now;
    super({
      bucket: options.bucket,
      exposeHeaders: ['ETag', 'x-cos-request-id', 'Content-Length', 'Content-Disposition', 'Date'],
      requestIdHeader: 'x-cos-request-id',
      noOverwrite: { header: 'x-cos-forbid-overwrite', status: 409, code: 'FileAlreadyExists', message: 'The object already exists and x-cos-forbid-overwrite forbids replacing it.' },
      postObject: cosPostObjectRules({ now }),
      now,
      ...(options.maxUploadBytes !== undefined ? { maxUploadBytes: options.maxUploadBytes } : {}),
    });
  }

  protected checkSignature(request: IncomingRequest, secretOf: (accessKeyId: string) => string | undefined): SignatureCheck {
    if (request.headers.authorization !== undefined) {
      const fields = qSignFromHeader(request.headers.authorization);
      if (!fields) return { ok: false, code: 'AccessDenied', message: 'Authorization must be a q-sign-algorithm=sha1 signature.' };
      return checkCosRequestSignature(request, fields, 'header', request.headers[TOKEN], secretOf, this.now());
    }
    const params = new Map(decodedQuery(splitTarget(request.url).query));
    const fields = qSignFromQuery(params);
    if (!fields) return { ok: false, code: 'AccessDenied', message: 'The bucket is private: sign the request in the Authorization header or the URL.' };
    return checkCosRequestSignature(request, fields, 'query', params.get(TOKEN), secretOf, this.now());
  }

  protected objectKeyOf(_request: IncomingRequest, path: string): string | undefined {
    const key = safeDecode(path.slice(1));
    return key === '' ? undefined : key;
  }
}
