/**
 * What the Aliyun STS wire looks like to the differential test against the official SDK: the AssumeRole success body
 * the capture server (test/helpers/capture-server.ts) answers with, and strict readers for what the SDK sent.
 */

/** A well-formed AssumeRole success, sent with `application/json;charset=utf-8` as STS does. */
export const FAKE_STS_RESPONSE = {
  RequestId: '6894B13B-6D71-4EF5-88FA-F32781734A7F',
  AssumedRoleUser: {
    Arn: 'acs:ram::123456789012****:role/oss-upload/user-42',
    AssumedRoleId: '34458433936495****:user-42',
  },
  Credentials: {
    AccessKeyId: 'STS.NUgYrLnoC37mZZCNnAbez****',
    AccessKeySecret: 'CVwjCkNzTMupZ8NbTCxCBRq3K16jtcWFTJAyBEv2****',
    SecurityToken: 'CAIShQJ1q6Ft5B2yfSjIr5****',
    Expiration: '2026-11-22T06:18:01Z',
  },
} as const;

/**
 * Decodes the query of a raw request target into a map, strictly: `decodeURIComponent` (not URLSearchParams,
 * which would turn a literal `+` into a space) and an error on repeated keys, which a map cannot represent.
 */
export function decodeQuery(rawUrl: string): { path: string; query: Record<string, string> } {
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query: Record<string, string> = {};
  if (q >= 0 && q < rawUrl.length - 1) {
    for (const pair of rawUrl.slice(q + 1).split('&')) {
      const eq = pair.indexOf('=');
      const key = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
      const value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1));
      if (Object.hasOwn(query, key)) throw new Error(`repeated query key ${JSON.stringify(key)} in ${rawUrl}`);
      query[key] = value;
    }
  }
  return { path, query };
}

/** Splits `ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..` into its parts. */
export function parseAuthorization(value: string): { algorithm: string; credential: string; signedHeaders: string; signature: string } {
  const match = /^(\S+) Credential=([^,]*),SignedHeaders=([^,]*),Signature=([0-9a-f]{64})$/.exec(value);
  if (!match) throw new Error(`unexpected Authorization header: ${value}`);
  return { algorithm: match[1]!, credential: match[2]!, signedHeaders: match[3]!, signature: match[4]! };
}
