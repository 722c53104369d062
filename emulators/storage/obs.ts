/**
 * A stand-in for Huawei OBS on loopback: one bucket addressed as `<bucket>.<host>` (virtual-hosted, as
 * esdk-obs-browserjs addresses a named server), temporary keys only, the OBS header signature
 * (`Authorization: OBS <AccessKeyId>:<Signature>`), token in `x-obs-security-token`.
 *
 * The signature check follows OBS's published algorithm ("Header中携带签名",
 * https://support.huaweicloud.com/api-obs/obs_04_0010.html): `Signature = base64(HMAC-SHA1(SK,
 * HTTP-Verb \n Content-MD5 \n Content-Type \n Date \n CanonicalizedHeaders CanonicalizedResource))`,
 * where Date is empty when `x-obs-date` is sent (browsers may not set `Date`), CanonicalizedHeaders are the
 * `x-obs-*` headers, lowercase, sorted, one `name:value\n` each, and CanonicalizedResource is
 * `/<bucket>/<object>` as sent on the wire, plus signed sub-resources.
 *
 * It also answers the SDK's signature negotiation (`HEAD /?apiversion` on the bucket) with `x-obs-api:
 * 3.0`, which is what makes the SDK sign the OBS way rather than the S3-compatible (`AWS`) way; without
 * that answer the SDK falls back to `AWS` signatures and `x-amz-security-token`.
 *
 * @module
 */
import type { ServerResponse } from 'node:http';
import { listening } from '../shared/emulator-server.js';
import type { IncomingRequest } from '../shared/emulator-server.js';
import { splitTarget } from '../shared/signing.js';
import { checkHmacSha1HeaderSignature, signedSubResources } from './hmac-sha1-header-signature.js';
import { type SignatureCheck, type StorageStandIn, StorageRefusal, StorageStandInServer } from './storage-stand-in.js';

export interface ObsStandInOptions {
  readonly bucket: string;
  readonly port?: number;
  readonly now?: () => number;
}

const SUB_RESOURCES = new Set(['acl', 'uploads', 'uploadId', 'partNumber', 'versionId', 'append', 'position', 'tagging', 'restore']);

export async function startObsStandIn(options: ObsStandInOptions): Promise<StorageStandIn> {
  return listening(new ObsStandIn(options), options.port);
}

class ObsStandIn extends StorageStandInServer {
  constructor(options: ObsStandInOptions) {
    super({
      bucket: options.bucket,
      tokenHeader: 'x-obs-security-token',
      exposeHeaders: ['ETag', 'x-obs-request-id', 'x-obs-api', 'Content-Type', 'Content-Length', 'x-obs-id-2'],
      requestIdHeader: 'x-obs-request-id',
      ...(options.now ? { now: options.now } : {}),
    });
  }

  protected checkSignature(request: IncomingRequest, secretOf: (accessKeyId: string) => string | undefined): SignatureCheck {
    return checkHmacSha1HeaderSignature(request, secretOf, this.now(), {
      scheme: 'OBS',
      dateHeader: 'x-obs-date',
      unknownKeyMessage: 'The AWS Access Key Id you provided does not exist in our records.',
      skewMessage: 'The difference between the request time and the server time is too large.',
      stringToSign: (signed) => this.stringToSign(signed),
    });
  }

  private stringToSign(request: IncomingRequest): string {
    const obsHeaders = Object.keys(request.headers)
      .filter((name) => name.startsWith('x-obs-'))
      .sort()
      .map((name) => `${name}:${request.headers[name]}\n`)
      .join('');
    const { path, query } = splitTarget(request.url);
    // The Date line is empty when the time travels in x-obs-date.
    const date = request.headers['x-obs-date'] === undefined ? (request.headers.date ?? '') : '';
    const resource = `/${this.bucket}${path}${signedSubResources(query, SUB_RESOURCES)}`;
    return [request.method, request.headers['content-md5'] ?? '', request.headers['content-type'] ?? '', date, ''].join('\n') + obsHeaders + resource;
  }

  protected objectKeyOf(request: IncomingRequest, path: string): string | undefined {
    if (!(request.headers.host ?? '').startsWith(`${this.bucket}.`)) {
      throw new StorageRefusal(400, 'InvalidRequest', 'The stand-in serves its bucket as <bucket>.<host> only.');
    }
    const key = decodeURIComponent(path.slice(1));
    return key === '' ? undefined : key;
  }

  /**
   * The SDK's signature negotiation, answered without checking its signature: the SDK signs it before it
   * knows which form the service speaks, and the stand-in only checks the OBS form, which the SDK uses for
   * everything after a `3.0` answer.
   */
  protected override answerProbe(request: IncomingRequest, path: string, query: string, res: ServerResponse): boolean {
    if (request.method !== 'HEAD' || path !== '/' || query !== 'apiversion') return false;
    res.writeHead(200, { ...this.responseHeaders(request.headers.origin), 'x-obs-api': '3.0', 'content-length': 0 });
    res.end();
    return true;
  }
}
