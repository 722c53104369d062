/**
 * Signs one outgoing Huawei API call (a JSON POST) with the current time.
 *
 * @module
 */
import type { RoleCredentials } from '../../credentials/types.js';
import { sdkDateOf, signSdkHmac } from './sdk-hmac-signature.js';

/** The headers to send: those given, all of them signed, plus `X-Sdk-Date` and `Authorization`. */
export function withSdkHmacSignature(url: URL, payload: string, headers: Record<string, string>, credentials: RoleCredentials): Record<string, string> {
  const sdkDate = sdkDateOf(new Date());
  const { authorization } = signSdkHmac({ method: 'POST', host: url.host, path: url.pathname, query: {}, headers, payload, sdkDate }, credentials);
  return { ...headers, 'X-Sdk-Date': sdkDate, Authorization: authorization };
}
