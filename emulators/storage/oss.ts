/**
 * A stand-in for Aliyun OSS on loopback: one bucket, temporary keys only, signed in any of the places OSS
 * reads a signature:
 *
 * - the Authorization header, V1 (`OSS <AccessKeyId>:<Signature>`), token in `x-oss-security-token`;
 * - a presigned URL, V4 (`x-oss-signature-version=OSS4-HMAC-SHA256`, see oss-v4-signature.ts) or V1
 *   (`OSSAccessKeyId`, `Expires`, `Signature`), token in `x-oss-security-token` or `security-token`;
 * - a PostObject form, V4 or V1 (see oss-post-object.ts).
 *
 * The V1 check follows OSS's published algorithm ("在Header中包含签名" and "在URL中包含签名",
 * https://help.aliyun.com/zh/oss/developer-reference/include-signatures-in-the-authorization-header):
 * `Signature = base64(HMAC-SHA1(AccessKeySecret, VERB \n Content-MD5 \n Content-Type \n Date \n
 * CanonicalizedOSSHeaders CanonicalizedResource))`, where a browser, which may not set `Date`, sends the
 * time as `x-oss-date` and that value stands in the Date line, and a URL puts its Expires there;
 * CanonicalizedOSSHeaders are the `x-oss-*` headers, lowercase, sorted, one `name:value\n` each;
 * CanonicalizedResource is `/<bucket>/<object>` with the object key unencoded, plus signed sub-resources
 * (among them the `response-*` overrides and a URL's `security-token`).
 *
 * `x-oss-forbid-overwrite: true` (header, or form field) refuses an existing key with 409 FileAlreadyExists.
 *
 * The bucket is addressed by path-less IP endpoints (`http://127.0.0.1:<port>/<object>`, which ali-oss
 * uses for an IP endpoint) or as `<bucket>.<host>`.
 *
 * @module
 */
import { listening } from '../shared/emulator-server.js';
import type { IncomingRequest } from '../shared/emulator-server.js';
import { splitTarget } from '../shared/signing.js';
import { checkHmacSha1HeaderSignature, checkHmacSha1QuerySignature, signedSubResources } from './hmac-sha1-signature.js';
import { decodedQuery, safeDecode } from './query-params.js';
import type { QuerySignatureRules } from './hmac-sha1-signature.js';
import { ossPostObjectRules } from './oss-post-object.js';
import { OSS_V4_ALGORITHM, checkOssV4QuerySignature } from './oss-v4-signature.js';
import { RESPONSE_OVERRIDE_PARAMETERS, type SignatureCheck, type StorageStandIn, StorageRefusal, StorageStandInServer } from './storage-stand-in.js';

export interface OssStandInOptions {
  readonly bucket: string;
  /** The bucket's region as V4 signatures scope it, default cn-hangzhou. */
  readonly region?: string;
  readonly port?: number;
  readonly now?: () => number;
  /** Largest file a PostObject form may carry here, default 64 MiB. */
  readonly maxUploadBytes?: number;
}

/** Query parameters that OSS signs as sub-resources in V1 (the ones an object request may carry). */
const SUB_RESOURCES = new Set([
  'acl',
  'uploads',
  'uploadId',
  'partNumber',
  'versionId',
  'append',
  'position',
  'tagging',
  'symlink',
  'restore',
  'x-oss-process',
  'security-token',
  ...RESPONSE_OVERRIDE_PARAMETERS,
]);

export async function startOssStandIn(options: OssStandInOptions): Promise<StorageStandIn> {
  return listening(new OssStandIn(options), options.port);
}

class OssStandIn extends StorageStandInServer {
  private readonly region: string;
  private readonly v1: QuerySignatureRules;

  constructor(options: OssStandInOptions) {
    const now = options.now ?? Date.now;
    const region = options.region ?? 'cn-hangzhou';
    super({
      bucket: options.bucket,
      exposeHeaders: ['ETag', 'x-oss-request-id', 'Content-Disposition'],
      requestIdHeader: 'x-oss-request-id',
      noOverwrite: { header: 'x-oss-forbid-overwrite', status: 409, code: 'FileAlreadyExists', message: 'The object you specified already exists and can not be overwritten.' },
      postObject: ossPostObjectRules({ region, now }),
      now,
      ...(options.maxUploadBytes !== undefined ? { maxUploadBytes: options.maxUploadBytes } : {}),
    });
    this.region = region;
    this.v1 = {
      scheme: 'OSS',
      dateHeader: 'x-oss-date',
      tokenHeader: 'x-oss-security-token',
      accessKeyIdParam: 'OSSAccessKeyId',
      tokenParam: 'security-token',
      unknownKeyMessage: 'The OSS Access Key Id you provided does not exist in our records.',
      skewMessage: 'The difference between the request time and the current time is too large.',
      stringToSign: (signed, dateLine) => this.stringToSign(signed, dateLine),
    };
  }

  protected checkSignature(request: IncomingRequest, secretOf: (accessKeyId: string) => string | undefined): SignatureCheck {
    if (request.headers.authorization !== undefined) return checkHmacSha1HeaderSignature(request, secretOf, this.now(), this.v1);
    const { path, query } = splitTarget(request.url);
    const params = new Map(decodedQuery(query));
    const version = params.get('x-oss-signature-version');
    if (version !== undefined) {
      if (version !== OSS_V4_ALGORITHM) return { ok: false, code: 'InvalidArgument', status: 400, message: `x-oss-signature-version must be ${OSS_V4_ALGORITHM}.` };
      const target = { bucket: this.bucket, objectKey: this.objectKeyOf(request, path) ?? '', region: this.region };
      return checkOssV4QuerySignature(request, params, target, secretOf, this.now());
    }
    if (params.has('OSSAccessKeyId')) return checkHmacSha1QuerySignature(request, params, secretOf, this.now(), this.v1);
    return { ok: false, code: 'AccessDenied', message: 'The bucket is private: sign the request in the Authorization header or the URL.' };
  }

  private stringToSign(request: IncomingRequest, dateLine: string): string {
    const ossHeaders = Object.keys(request.headers)
      .filter((name) => name.startsWith('x-oss-'))
      .sort()
      .map((name) => `${name}:${request.headers[name]!.trim()}\n`)
      .join('');
    const { path, query } = splitTarget(request.url);
    const objectKey = this.objectKeyOf(undefined, path) ?? '';
    const resource = `/${this.bucket}/${objectKey}${signedSubResources(query, (name) => SUB_RESOURCES.has(name))}`;
    return [request.method, request.headers['content-md5'] ?? '', request.headers['content-type'] ?? '', dateLine, ''].join('\n') + ossHeaders + resource;
  }

  protected objectKeyOf(request: IncomingRequest | undefined, path: string): string | undefined {
    const host = request?.headers.host ?? '';
    const bucketLabel = host.split('.')[0];
    if (host.includes('.') && !/^\d+\.\d+\.\d+\.\d+(:\d+)?$/.test(host) && bucketLabel !== this.bucket) {
      throw new StorageRefusal(403, 'AccessDenied', 'The bucket you access does not belong to you.');
    }
    const key = safeDecode(path.slice(1));
    return key === '' ? undefined : key;
  }
}
