/**
 * What the functions that take a client (`signUpload`, `upload`, `downloadUrl`) need from it that the
 * public `StsClient` does not show: its resolved options and its login-token handling, so a signing call
 * asks `getToken` and follows the signed-in user exactly as `getCredentials` does. Kept in a WeakMap
 * rather than on the object: nothing new on the public type, and nothing an app could call by mistake.
 *
 * @module
 */
import type { StsClient } from '../types.js';
import type { TokenForAttempt } from './fetch-credentials.js';
import type { ResolvedOptions } from './options.js';

export interface ClientInternals {
  readonly options: ResolvedOptions;
  /**
   * The login token for the attempts of one exchange: asks `getToken` now (a new identity drops the
   * previous user's keys; no token is an UnauthorizedError), and again before each retry, refusing with
   * `identity_changed` if the user changed in between.
   */
  tokensForExchange(): Promise<TokenForAttempt>;
}

const internals = new WeakMap<StsClient, ClientInternals>();

export function exposeInternals(client: StsClient, value: ClientInternals): void {
  internals.set(client, value);
}

/** Throws a TypeError naming `caller` when `client` did not come from `createStsClient`. */
export function internalsOf(client: StsClient, caller: string): ClientInternals {
  const found = typeof client === 'object' && client !== null ? internals.get(client) : undefined;
  if (!found) throw new TypeError(`${caller}: client must be a client made by createStsClient`);
  return found;
}
