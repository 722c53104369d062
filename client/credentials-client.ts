// Placeholder until the client lands (helper A replaces this file).
import type { StsClient, StsClientOptions } from './types.js';
export function createStsClient(_options: StsClientOptions): StsClient {
  throw new Error('createStsClient: not implemented yet');
}
