/**
 * A stand-in for Huawei OBS on loopback: one bucket addressed as `<bucket>.<host>` (virtual-hosted, as
 * esdk-obs-browserjs addresses a named server), temporary keys only, signed in the Authorization header
 * (`OBS <AccessKeyId>:<Signature>`, token in `x-obs-security-token`), in a presigned URL (`AccessKeyId`,
 * `Expires`, `Signature`, token in the `x-obs-security-token` parameter), or a POST form (see
 * obs-post-object.ts).
 *
 * The signature check follows OBS's published algorithm ("Header中携带签名" and "URL中携带签名",
 * https://support.huaweicloud.com/api-obs/obs_04_0010.html, …/obs_04_0011.html): `Signature =
 * base64(HMAC-SHA1(SK, HTTP-Verb \n Content-MD5 \n Content-Type \n Date \n CanonicalizedHeaders
 * CanonicalizedResource))`, where Date is empty when `x-obs-date` is sent (browsers may not set `Date`) and
 * is the Expires value in a URL, CanonicalizedHeaders are the `x-obs-*` headers, lowercase, sorted, one
 * `name:value\n` each, and CanonicalizedResource is `/<bucket>/<object>` as sent on the wire, plus signed
 * sub-resources: among them the `response-*` overrides and, in a URL, `x-obs-security-token` (a URL that
 * leaves the token out of the signature is refused, as OBS refuses it).
 *
 * `x-obs-forbid-overwrite: true` (the header esdk-obs-browserjs sends for `ForbidOverwrite`) refuses an
 * existing key with 409; the code, ObjectAlreadyExists, is the one public OBS clients test for (not
 * confirmed from a stored OBS page).
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
import { checkHmacSha1HeaderSignature, checkHmacSha1QuerySignature, signedSubResources } from './hmac-sha1-signature.js';
import type { QuerySignatureRules } from './hmac-sha1-signature.js';
import { OBS_POST_OBJECT_RULES } from './obs-post-object.js';
import { decodedQuery, safeDecode } from './query-params.js';
import { RESPONSE_OVERRIDE_PARAMETERS, type SignatureCheck, type StorageStandIn, StorageRefusal, StorageStandInServer } from './storage-stand-in.js';

export interface ObsStandInOptions {
  readonly bucket: string;
  readonly port?: number;
  readonly now?: () => number;
  /** Largest file a POST form may carry here, default 64 MiB. */
  readonly maxUploadBytes?: number;
}

/** Sub-resources OBS signs (lowercase); every `x-obs-*` query parameter is signed too. */
const SUB_RESOURCES = new Set([
  'acl',
  'uploads',
  'uploadid',
  'partnumber',
  'versionid',
  'append',
  'position',
  'tagging',
  'restore',
  ...RESPONSE_OVERRIDE_PARAMETERS,
]);

export async function startObsStandIn(options: ObsStandInOptions): Promise<StorageStandIn> {
  return listening(new ObsStandIn(options), options.port);
}

class ObsStandIn extends StorageStandInServer {
  private readonly signing: QuerySignatureRules;

  constructor(options: ObsStandInOptions) {
    super({
      bucket: options.bucket,
      exposeHeaders: ['ETag', 'x-obs-request-id', 'x-obs-api', 'Content-Type', 'Content-Length', 'Content-Disposition', 'x-obs-id-2'],
      requestIdHeader: 'x-obs-request-id',
      noOverwrite: { header: 'x-obs-forbid-overwrite', status: 409, code: 'ObjectAlreadyExists', message: 'The object already exists and x-obs-forbid-overwrite forbids replacing it.' },
      postObject: OBS_POST_OBJECT_RULES,
      ...(options.now ? { now: options.now } : {}),
      ...(options.maxUploadBytes !== undefined ? { maxUploadBytes: options.maxUploadBytes } : {}),
    });
    this.signing = {
      scheme: 'OBS',
      dateHeader: 'x-obs-date',
      tokenHeader: 'x-obs-security-token',
      accessKeyIdParam: 'AccessKeyId',
      tokenParam: 'x-obs-security-token',
      unknownKeyMessage: 'The AWS Access Key Id you provided does not exist in our records.',
      skewMessage: 'The difference between the request time and the server time is too large.',
      stringToSign: (signed, dateLine) => this.stringToSign(signed, dateLine),
    };
  }

  protected checkSignature(request: IncomingRequest, secretOf: (accessKeyId: string) => string | undefined): SignatureCheck {
    if (request.headers.authorization !== undefined) return checkHmacSha1HeaderSignature(request, secretOf, this.now(), this.signing);
    const params = new Map(decodedQuery(splitTarget(request.url).query));
    if (params.has('AccessKeyId')) return checkHmacSha1QuerySignature(request, params, secretOf, this.now(), this.signing);
    return { ok: false, code: 'AccessDenied', message: 'The bucket is private: sign the request in the Authorization header or the URL.' };
  }

  /** `dateLine` is the request's Date for a header signature; empty when the time travels in x-obs-date. */
  private stringToSign(request: IncomingRequest, dateLine: string): string {
    const obsHeaders = Object.keys(request.headers)
      .filter((name) => name.startsWith('x-obs-'))
      .sort()
      .map((name) => `${name}:${request.headers[name]}\n`)
      .join('');
    const { path, query } = splitTarget(request.url);
    const date = request.headers.authorization !== undefined && request.headers['x-obs-date'] !== undefined ? '' : dateLine;
    const isSigned = (name: string) => SUB_RESOURCES.has(name.toLowerCase()) || name.toLowerCase().startsWith('x-obs-');
    const resource = `/${this.bucket}${path}${signedSubResources(query, isSigned)}`;
    return [request.method, request.headers['content-md5'] ?? '', request.headers['content-type'] ?? '', date, ''].join('\n') + obsHeaders + resource;
  }

  protected objectKeyOf(request: IncomingRequest, path: string): string | undefined {
    if (!(request.headers.host ?? '').startsWith(`${this.bucket}.`)) {
      throw new StorageRefusal(400, 'InvalidRequest', 'The stand-in serves its bucket as <bucket>.<host> only.');
    }
    const key = safeDecode(path.slice(1));
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
