/**
 * What the local metadata-service emulators (the instance-credential endpoints of the clouds' VMs) have in common: a
 * log of every request in arrival order, plain-text answers, session tokens for the IMDSv2-style "PUT a token, then
 * send it on the GET" flow, and paths split from their query.
 *
 * Nothing here knows a cloud's routes, header names or document shapes; those stay in each emulator.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { EmulatorServer } from '../shared/emulator-server.js';
import type { IncomingRequest } from '../shared/emulator-server.js';

/** One request as the emulator received it: what tests assert the exact sequence of calls with. */
export interface MetadataRequest {
  method: string;
  /** The path of the request target, without the query string. */
  path: string;
  /** Lowercase name -> value, as received (repeats joined with `,`). */
  headers: Record<string, string>;
}

/**
 * Base of a metadata emulator. `calls` is the request log: every request that reached the emulator, whatever it was
 * answered, in arrival order. Requests stopped by an injected fault (hang, raw, error) never reach it, so they show in
 * `requestCount()` only.
 */
export abstract class MetadataEmulatorServer<ErrorFault extends { kind: 'error' }, Rejection> extends EmulatorServer<
  ErrorFault,
  MetadataRequest,
  Rejection
> {
  protected constructor() {
    super('application/json');
  }

  protected answer(request: IncomingRequest, res: ServerResponse): void {
    this.calls.push({ method: request.method, path: pathOf(request.url), headers: { ...request.headers } });
    this.route(request, res);
  }

  /** Answers one logged request. */
  protected abstract route(request: IncomingRequest, res: ServerResponse): void;

  protected sendText(res: ServerResponse, status: number, text: string): void {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  protected answerInternalError(_error: unknown, res: ServerResponse): void {
    this.sendText(res, 500, 'Internal Server Error');
  }
}

/** The path of a request target, without its query string. */
export function pathOf(target: string): string {
  const query = target.indexOf('?');
  return query === -1 ? target : target.slice(0, query);
}

/** Session tokens handed out by a `PUT …/token` and checked on later requests until their TTL runs out. */
export class SessionTokens {
  private readonly expiries = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  issue(ttlSeconds: number): string {
    const token = randomBytes(32).toString('base64url');
    this.expiries.set(token, this.now() + ttlSeconds * 1000);
    return token;
  }

  isValid(token: string | undefined): boolean {
    if (token === undefined) return false;
    const expiry = this.expiries.get(token);
    return expiry !== undefined && this.now() < expiry;
  }

  clear(): void {
    this.expiries.clear();
  }
}

/** A TTL header value: decimal digits only, within `min..max`; `undefined` when absent or anything else. */
export function ttlSeconds(value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined || !/^\d{1,9}$/.test(value.trim())) return undefined;
  const seconds = Number(value.trim());
  return seconds >= min && seconds <= max ? seconds : undefined;
}
