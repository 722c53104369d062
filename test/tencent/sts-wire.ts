/**
 * What the Tencent STS wire looks like to the differential test against the official SDK: the AssumeRole success body
 * the capture server (test/helpers/capture-server.ts) answers with, and a strict reader for the SDK's Authorization.
 */

/**
 * Shape of a successful `AssumeRole` (API 1312/48197): `Response.{Credentials, ExpiredTime, Expiration, RequestId}`,
 * sent with `application/json`.
 */
export const FAKE_ASSUME_ROLE_RESPONSE = {
  Response: {
    Credentials: {
      Token: 'fake-session-token-0123456789abcdefghijklmnopqrstuvwxyz',
      TmpSecretId: 'AKIDfakeTmpSecretId0123456789abcdef',
      TmpSecretKey: 'fakeTmpSecretKey0123456789abcdef',
    },
    ExpiredTime: 1795329600,
    Expiration: '2026-11-22T08:00:00Z',
    RequestId: '4a4d8b4c-0e6f-4f7a-9c1e-2b3d4e5f6a7b',
  },
} as const;

/**
 * Splits `TC3-HMAC-SHA256 Credential=<id>/<date>/<service>/tc3_request, SignedHeaders=.., Signature=..`. The id is
 * matched greedily, so an id containing `/` still parses (the date and service that follow are unambiguous).
 */
export function parseTc3Authorization(value: string): {
  algorithm: string;
  secretId: string;
  date: string;
  service: string;
  signedHeaders: string;
  signature: string;
} {
  const match = /^(\S+) Credential=(.*)\/(\d{4}-\d{2}-\d{2})\/([^/]*)\/tc3_request, SignedHeaders=([^,]*), Signature=([0-9a-f]{64})$/.exec(value);
  if (!match) throw new Error(`unexpected Authorization header: ${value}`);
  return {
    algorithm: match[1]!,
    secretId: match[2]!,
    date: match[3]!,
    service: match[4]!,
    signedHeaders: match[5]!,
    signature: match[6]!,
  };
}
