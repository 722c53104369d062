/**
 * A guard every adapter runs on the credentials it hands to an SDK: keys issued for one cloud are useless
 * to another's SDK, and the SDK's own error for them ("access key id does not exist") would point the
 * developer at the wrong place. The usual cause is an adapter wired to another cloud's token endpoint.
 *
 * @module
 */
import type { StsCredentials } from '../../types.js';

export function expectProvider(credentials: StsCredentials, provider: StsCredentials['provider'], adapter: string): StsCredentials {
  if (credentials.provider !== provider) {
    // Names only the provider fields, never a key: this message may end up in an app's error log.
    throw new Error(`${adapter}: the token endpoint issued keys for "${String(credentials.provider)}", but this adapter needs "${provider}" keys; check the endpoint URL`);
  }
  return credentials;
}
