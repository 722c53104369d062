/**
 * What a platform adapter tells the core about one invocation, in platform-neutral terms, and what each
 * route's service is handed for one request.
 *
 * @module
 */
import type { SharedOutcome } from './state/issue-once.js';
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

/**
 * What the function does for a request, chosen by the last segment of its path (`.../uploads`,
 * `.../downloads`; anything else asks for keys).
 */
export type Route = 'keys' | 'uploads' | 'downloads';

/** One request as a route's service sees it: free of HTTP beyond the Authorization header and the body. */
export interface ServiceRequest {
  readonly authorization: string | undefined;
  readonly body: string | undefined;
  readonly invocation: Invocation;
  readonly trace: RequestTrace;
}

/** Facts about one request, filled in as it runs and written as its single log line. */
export interface RequestTrace {
  route?: Route;
  subject?: string;
  /** Keys route: the issued keys' cache. Signing routes: the signing role's keys (hit: no STS call). */
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
