/**
 * A stand-in for Aliyun OSS on loopback: one bucket, temporary keys only, header signature V1
 * (`Authorization: OSS <AccessKeyId>:<Signature>`), token in `x-oss-security-token`.
 *
 * The signature check follows OSS's published V1 algorithm ("在Header中包含签名",
 * https://help.aliyun.com/zh/oss/developer-reference/include-signatures-in-the-authorization-header):
 * `Signature = base64(HMAC-SHA1(AccessKeySecret, VERB \n Content-MD5 \n Content-Type \n Date \n
 * CanonicalizedOSSHeaders CanonicalizedResource))`, where a browser, which may not set `Date`, sends the
 * time as `x-oss-date` and that value stands in the Date line; CanonicalizedOSSHeaders are the `x-oss-*`
 * headers, lowercase, sorted, one `name:value\n` each; CanonicalizedResource is `/<bucket>/<object>`
 * with the object key unencoded, plus signed sub-resources.
 *
 * The bucket is addressed by path-less IP endpoints (`http://127.0.0.1:<port>/<object>`, which ali-oss
 * uses for an IP endpoint) or as `<bucket>.<host>`.
 *
 * @module
 */
import { listening } from '../shared/emulator-server.js';
import type { IncomingRequest } from '../shared/emulator-server.js';
import { splitTarget } from '../shared/signing.js';
import { checkHmacSha1HeaderSignature, signedSubResources } from './hmac-sha1-header-signature.js';
import { type SignatureCheck, type StorageStandIn, StorageRefusal, StorageStandInServer } from './storage-stand-in.js';

export interface OssStandInOptions {
  readonly bucket: string;
  readonly port?: number;
  readonly now?: () => number;
}

/** Query parameters that OSS signs as sub-resources (the ones an object request may carry). */
const SUB_RESOURCES = new Set(['acl', 'uploads', 'uploadId', 'partNumber', 'versionId', 'append', 'position', 'tagging', 'symlink', 'restore']);

export async function startOssStandIn(options: OssStandInOptions): Promise<StorageStandIn> {
  return listening(new OssStandIn(options), options.port);
}

class OssStandIn extends StorageStandInServer {
  constructor(options: OssStandInOptions) {
    super({
      bucket: options.bucket,
      tokenHeader: 'x-oss-security-token',
      exposeHeaders: ['ETag', 'x-oss-request-id'],
      requestIdHeader: 'x-oss-request-id',
      ...(options.now ? { now: options.now } : {}),
    });
  }

  protected checkSignature(request: IncomingRequest, secretOf: (accessKeyId: string) => string | undefined): SignatureCheck {
    return checkHmacSha1HeaderSignature(request, secretOf, this.now(), {
      scheme: 'OSS',
      dateHeader: 'x-oss-date',
      unknownKeyMessage: 'The OSS Access Key Id you provided does not exist in our records.',
      skewMessage: 'The difference between the request time and the current time is too large.',
      stringToSign: (signed) => this.stringToSign(signed),
    });
  }

  private stringToSign(request: IncomingRequest): string {
    const ossHeaders = Object.keys(request.headers)
      .filter((name) => name.startsWith('x-oss-'))
      .sort()
      .map((name) => `${name}:${request.headers[name]!.trim()}\n`)
      .join('');
    const { path, query } = splitTarget(request.url);
    const date = request.headers['x-oss-date'] ?? request.headers.date ?? '';
    const objectKey = this.objectKeyOf(undefined, path) ?? '';
    const resource = `/${this.bucket}/${objectKey}${signedSubResources(query, SUB_RESOURCES)}`;
    return [request.method, request.headers['content-md5'] ?? '', request.headers['content-type'] ?? '', date, ''].join('\n') + ossHeaders + resource;
  }

  protected objectKeyOf(request: IncomingRequest | undefined, path: string): string | undefined {
    const host = request?.headers.host ?? '';
    const bucketLabel = host.split('.')[0];
    if (host.includes('.') && !/^\d+\.\d+\.\d+\.\d+(:\d+)?$/.test(host) && bucketLabel !== this.bucket) {
      throw new StorageRefusal(403, 'AccessDenied', 'The bucket you access does not belong to you.');
    }
    const key = decodeURIComponent(path.slice(1));
    return key === '' ? undefined : key;
  }
}
