/**
 * What the ali-oss and COS adapters do to keep an SDK instance with the user it was built for: note the
 * client's identity generation when the instance is set up, and refuse it keys once the client has moved
 * on to another user (or a sign-out). The client itself never hands out an old user's keys; this also
 * stops it handing the NEW user's keys to an instance the app set up for the old one.
 *
 * @module
 */
import { identityChanged } from '../../errors.js';
import type { StsClient } from '../../types.js';

/** Returns a check that throws StsClientError `identity_changed` once `client` has seen another identity. */
export function sameIdentityAs(client: StsClient, adapter: string): () => void {
  const noted = client.identityGeneration;
  return () => {
    if (client.identityGeneration !== noted) throw identityChanged(`since ${adapter} set up this SDK instance: create a new one`);
  };
}
