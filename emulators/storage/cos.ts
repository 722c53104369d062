/**
 * A stand-in for Tencent COS on loopback: one bucket, temporary keys only, the q-sign signature in
 * `Authorization`, token in `x-cos-security-token`.
 *
 * The signature check follows COS's published algorithm ("请求签名", https://cloud.tencent.com/document/product/436/7778):
 * `SignKey = HMAC-SHA1(SecretKey, KeyTime)` (hex), `HttpString = method \n UriPathname \n HttpParameters \n
 * HttpHeaders \n` with the method lowercase, the path unencoded, and the parameters and headers named in
 * `q-url-param-list` and `q-header-list` as `name=UrlEncode(value)` joined by `&`;
 * `StringToSign = sha1 \n SignTime \n SHA1(HttpString) \n`; `Signature = HMAC-SHA1(SignKey, StringToSign)`
 * (hex). A request outside its `q-sign-time` is refused as COS refuses it, "Request has expired".
 *
 * The tests reach it through COS's `Domain` option (`127.0.0.1:<port>`), so the bucket is not in the host.
 *
 * @module
 */
import { createHash, createHmac } from 'node:crypto';
import { listening } from '../shared/emulator-server.js';
import type { IncomingRequest } from '../shared/emulator-server.js';
import { constantTimeEqual, rfc3986Encode, splitTarget } from '../shared/signing.js';
import { type SignatureCheck, type StorageStandIn, StorageStandInServer } from './storage-stand-in.js';

export interface CosStandInOptions {
  /** `<name>-<appid>`, as COS names buckets. */
  readonly bucket: string;
  readonly port?: number;
  readonly now?: () => number;
}

export async function startCosStandIn(options: CosStandInOptions): Promise<StorageStandIn> {
  return listening(new CosStandIn(options), options.port);
}

class CosStandIn extends StorageStandInServer {
  constructor(options: CosStandInOptions) {
    super({
      bucket: options.bucket,
      tokenHeader: 'x-cos-security-token',
      exposeHeaders: ['ETag', 'x-cos-request-id', 'Content-Length', 'Date'],
      requestIdHeader: 'x-cos-request-id',
      ...(options.now ? { now: options.now } : {}),
    });
  }

  protected checkSignature(request: IncomingRequest, secretOf: (accessKeyId: string) => string | undefined): SignatureCheck {
    const fields = parseQSign(request.headers.authorization ?? '');
    if (!fields) return { ok: false, code: 'AccessDenied', message: 'Authorization must be a q-sign-algorithm=sha1 signature.' };
    const accessKeyId = fields['q-ak']!;
    const secret = secretOf(accessKeyId);
    if (secret === undefined) return { ok: false, code: 'InvalidAccessKeyId', message: 'The access key id does not exist.', accessKeyId };

    const [start, end] = fields['q-sign-time']!.split(';').map(Number) as [number, number];
    const nowSeconds = this.now() / 1000;
    if (!(start <= nowSeconds && nowSeconds <= end)) return { ok: false, code: 'AccessDenied', message: 'Request has expired', accessKeyId };

    const headerList = splitList(fields['q-header-list']!);
    if (!headerList.includes('host')) return { ok: false, code: 'AccessDenied', message: 'The host header must be signed.', accessKeyId };
    const missing = headerList.find((name) => request.headers[name] === undefined);
    if (missing !== undefined) return { ok: false, code: 'SignatureDoesNotMatch', message: `Signed header ${missing} is absent.`, accessKeyId };

    const { path, query } = splitTarget(request.url);
    const queryValues = new Map(
      query
        .split('&')
        .filter(Boolean)
        .map((pair) => {
          const [name = '', value = ''] = pair.split('=');
          return [decodeURIComponent(name).toLowerCase(), decodeURIComponent(value)] as const;
        }),
    );
    const httpParameters = splitList(fields['q-url-param-list']!)
      .map((name) => `${name}=${rfc3986Encode(queryValues.get(decodeURIComponent(name)) ?? '')}`)
      .join('&');
    const httpHeaders = headerList.map((name) => `${name}=${rfc3986Encode(request.headers[name]!)}`).join('&');
    const httpString = `${request.method.toLowerCase()}\n${decodeURIComponent(path)}\n${httpParameters}\n${httpHeaders}\n`;
    const stringToSign = `sha1\n${fields['q-sign-time']}\n${createHash('sha1').update(httpString, 'utf8').digest('hex')}\n`;
    const signKey = createHmac('sha1', secret).update(fields['q-key-time']!, 'utf8').digest('hex');
    const expected = createHmac('sha1', signKey).update(stringToSign, 'utf8').digest('hex');
    if (!constantTimeEqual(expected, fields['q-signature']!)) {
      return { ok: false, code: 'SignatureDoesNotMatch', message: 'The Signature you specified is invalid.', accessKeyId };
    }
    return { ok: true, accessKeyId };
  }

  protected objectKeyOf(_request: IncomingRequest, path: string): string | undefined {
    const key = decodeURIComponent(path.slice(1));
    return key === '' ? undefined : key;
  }
}

const REQUIRED_FIELDS = ['q-sign-algorithm', 'q-ak', 'q-sign-time', 'q-key-time', 'q-header-list', 'q-url-param-list', 'q-signature'];

function parseQSign(authorization: string): Record<string, string> | undefined {
  const fields: Record<string, string> = {};
  for (const pair of authorization.split('&')) {
    const mark = pair.indexOf('=');
    if (mark > 0) fields[pair.slice(0, mark)] = pair.slice(mark + 1);
  }
  if (!REQUIRED_FIELDS.every((name) => fields[name] !== undefined)) return undefined;
  if (fields['q-sign-algorithm'] !== 'sha1' || !/^\d{10};\d{10}$/.test(fields['q-sign-time']!) || !/^\d{10};\d{10}$/.test(fields['q-key-time']!)) return undefined;
  return fields;
}

function splitList(list: string): string[] {
  return list === '' ? [] : list.split(';');
}
