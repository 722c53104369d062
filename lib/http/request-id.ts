/**
 * The id that ties a response to its log line: every response carries it as `X-Request-Id`, and the
 * request's log line as `requestId`, so a user's report can be found in the log. It is the platform's
 * own id when the platform gave a usable one (so the platform's console finds the invocation too), and
 * a fresh one otherwise.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** What may go into a response header and a log line as is: no spaces, no control characters. */
const USABLE_ID = /^[A-Za-z0-9._:@+=/-]{1,128}$/;

export const requestIdFor = (platformId: unknown): string =>
  typeof platformId === 'string' && USABLE_ID.test(platformId) ? platformId : randomUUID();
