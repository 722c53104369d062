/**
 * A record of the CORS preflights the local token service's functions have answered. Browsers do not
 * show preflights to page scripts, and automation (CDP) does not reliably report them either, so the
 * service itself notes each one: who asked (the `Origin`), for what, and whether the function allowed it.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';

export interface PreflightRecord {
  /** The function's route, e.g. `/aliyun`. */
  readonly path: string;
  /** The page that asked (its `Origin` header). */
  readonly origin: string | undefined;
  /** `Access-Control-Request-Method`: what the page wants to send. */
  readonly requestMethod: string | undefined;
  /** `Access-Control-Request-Headers`, as the browser listed them. */
  readonly requestHeaders: string | undefined;
  readonly status: number;
  /** `Access-Control-Allow-Origin` of the function's answer; undefined when the origin was refused. */
  readonly allowOrigin: string | undefined;
}

export interface PreflightLog {
  record(path: string, req: IncomingMessage, status: number, responseHeaders: Readonly<Record<string, string>>): void;
  /** The preflights so far, oldest first (the most recent {@link MAX_RECORDS} only). */
  entries(): readonly PreflightRecord[];
}

/** Bounded, so a long-running `npm start` does not grow without end. */
export const MAX_RECORDS = 100;

export function createPreflightLog(): PreflightLog {
  const records: PreflightRecord[] = [];
  return {
    record(path, req, status, responseHeaders) {
      records.push({
        path,
        origin: req.headers.origin,
        requestMethod: req.headers['access-control-request-method'],
        requestHeaders: req.headers['access-control-request-headers'],
        status,
        allowOrigin: headerValue(responseHeaders, 'access-control-allow-origin'),
      });
      if (records.length > MAX_RECORDS) records.splice(0, records.length - MAX_RECORDS);
    },
    entries: () => [...records],
  };
}

/** Platform responses spell header names as each adapter likes; HTTP names are case-insensitive. */
function headerValue(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  return Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
}
