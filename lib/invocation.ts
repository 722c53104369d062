/**
 * What a platform adapter tells the core about one invocation, in platform-neutral terms.
 *
 * @module
 */import type { SharedOutcome } from './state/issue-once.js';

import type { RoleCredentials } from './credentials/types.js';
import type { Env } from './config/env.js';
import type { Reason } from './errors.js';

export interface Invocation {
  /** The platform's id for this invocation; may be empty (the HTTP layer then makes one up). */
  readonly requestId: string;
  /** Milliseconds left before the platform ends this invocation. */
  remainingMs(): number;
  /** Role credentials the platform handed to this invocation (FC `context.credentials`, …), if any. */
  readonly platformCredentials?: RoleCredentials | undefined;
  /** The environment of this invocation (process.env on the platforms). */
  readonly env: Env;
}

/** Facts about one request, filled in as it runs and written as its single log line. */
export interface RequestTrace {
  subject?: string;
  cache?: 'hit' | 'miss' | 'shared';
  /** After a memory miss with shared state configured: where the keys came from (see lib/state/issue-once.ts). */
  sharedState?: SharedOutcome;
  stsLatencyMs?: number;
  credentialSource?: string;
  upstreamCode?: string;
  errorCode?: string;
  /** Which check refused or failed the request (see {@link Reason}): never a token or claim value. */
  reason?: string;
}
