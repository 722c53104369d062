/**
 * Plumbing shared by the local cloud emulators: a loopback HTTP server with a request counter, the record of calls and
 * rejections, fault injection (one-shot and persistent) and a `close()` that also ends hung requests, plus the public
 * handle they all hand out, and the option checks and random ids they need.
 *
 * Nothing here knows a cloud's protocol. Routing, authentication and above all signature verification stay in each
 * emulator, written from that cloud's published algorithm; this is also why the request target is handed over as
 * received and each emulator splits it itself.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** The faults every emulator supports next to its own `error` fault, whose shape follows the cloud's error format. */
export type TransportFault =
  | { kind: 'hang' }
  | { kind: 'raw'; status: number; body: string; contentType?: string }
  | { kind: 'delay'; ms: number };

/**
 * What every emulator's start function hands out. `Call` is what a successful call records, `Fault` the faults the
 * emulator can be told to simulate (its cloud's `error` fault and the {@link TransportFault}s), `Rejection` what a
 * refused request records.
 */
export interface EmulatorHandle<Call, Fault, Rejection> {
  readonly url: string;
  readonly host: string;
  readonly calls: Call[];
  readonly rejections: Rejection[];
  requestCount(): number;
  /** Faults applied to the next requests, in order (each consumed once); `persistent` applies to all until cleared. */
  injectFault(fault: Fault, opts?: { persistent?: boolean }): void;
  clearFaults(): void;
  /** Forgets requests, calls, rejections and faults; `calls` and `rejections` are emptied in place. */
  reset(): void;
  close(): Promise<void>;
}

/** What the checks need from an HTTP request; built once so they stay free of node:http details. */
export interface IncomingRequest {
  method: string;
  /** Request target exactly as received. */
  url: string;
  /** Lowercase name -> value; repeated headers joined with `,` (see `repeatedHeaders`). */
  headers: Record<string, string>;
  repeatedHeaders: ReadonlySet<string>;
  body: Buffer;
}

/** One-shot faults are served first, in injection order; the persistent fault covers every request after them. */
class FaultPlan<Fault extends object> {
  private queue: Fault[] = [];
  private persistent: Fault | undefined;

  add(fault: Fault, persistent: boolean): void {
    // Copied so that a caller mutating its object later cannot change a fault already scheduled.
    if (persistent) this.persistent = { ...fault };
    else this.queue.push({ ...fault });
  }

  next(): Fault | undefined {
    return this.queue.shift() ?? this.persistent;
  }

  clear(): void {
    this.queue = [];
    this.persistent = undefined;
  }
}

/**
 * Base of an emulator's server. A subclass answers requests that no fault stopped ({@link answer}), recording them in
 * `calls` and `rejections`, and renders its cloud's error body for `error` faults and for unexpected failures.
 */
export abstract class EmulatorServer<ErrorFault extends { kind: 'error' }, Call, Rejection>
  implements EmulatorHandle<Call, ErrorFault | TransportFault, Rejection>
{
  readonly calls: Call[] = [];
  readonly rejections: Rejection[] = [];
  private requests = 0;
  private readonly faults = new FaultPlan<ErrorFault | TransportFault>();
  /** Aborts pending `delay` faults on close so their timers do not outlive the server. */
  private readonly shutdown = new AbortController();
  private readonly server: Server;
  private address: AddressInfo | undefined;
  private closing: Promise<void> | undefined;

  /** `jsonContentType` is sent with JSON bodies, and with `raw` faults that name no content type. */
  protected constructor(private readonly jsonContentType: string) {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  get host(): string {
    if (!this.address) throw new Error('the emulator is not listening');
    return `${this.address.address}:${this.address.port}`;
  }

  get url(): string {
    return `http://${this.host}`;
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.address = this.server.address() as AddressInfo;
  }

  requestCount(): number {
    return this.requests;
  }

  injectFault(fault: ErrorFault | TransportFault, opts?: { persistent?: boolean }): void {
    this.faults.add(fault, opts?.persistent ?? false);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Subclasses that remember more (a nonce ledger, say) extend this. */
  reset(): void {
    this.requests = 0;
    this.faults.clear();
    // Emptied in place so that references a test already holds see the reset.
    this.calls.length = 0;
    this.rejections.length = 0;
  }

  close(): Promise<void> {
    if (!this.closing) {
      this.shutdown.abort();
      this.closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
      // server.close() alone waits for open connections, and a hung request never ends by itself.
      this.server.closeAllConnections();
    }
    return this.closing;
  }

  /** Answers a request that no fault stopped; anything it throws is answered by {@link answerInternalError}. */
  protected abstract answer(request: IncomingRequest, res: ServerResponse): void;

  protected abstract answerErrorFault(fault: ErrorFault, res: ServerResponse): void;

  protected abstract answerInternalError(error: unknown, res: ServerResponse): void;

  protected sendJson(res: ServerResponse, status: number, body: object): void {
    send(res, status, JSON.stringify(body), this.jsonContentType);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests += 1;
    try {
      const body = await readBody(req);
      const fault = this.faults.next();
      if (fault && !(await this.applyFault(fault, res))) return;
      this.answer(toIncomingRequest(req, body), res);
    } catch (error) {
      // A client that went away or a close() during a delay leaves nobody to answer. (Not req.destroyed:
      // Node sets it as soon as the request body has been read, which would swallow every error.)
      if (this.shutdown.signal.aborted || res.destroyed || req.socket.destroyed) return;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      this.answerInternalError(error, res);
    }
  }

  /** Returns whether the request should still be answered normally. */
  private async applyFault(fault: ErrorFault | TransportFault, res: ServerResponse): Promise<boolean> {
    switch (fault.kind) {
      case 'error':
        this.answerErrorFault(fault, res);
        return false;
      case 'raw':
        send(res, fault.status, fault.body, fault.contentType ?? this.jsonContentType);
        return false;
      case 'hang':
        return false;
      case 'delay':
        await sleep(fault.ms, undefined, { signal: this.shutdown.signal });
        return true;
    }
  }
}

/** Starts `server` on loopback (`port` 0 or absent: a free one) and hands it back once it listens. */
export async function listening<Server extends { listen(port: number): Promise<void> }>(server: Server, port = 0): Promise<Server> {
  await server.listen(port);
  return server;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Uses rawHeaders because node's parsed headers silently drop repeats of some names (host among them). */
function toIncomingRequest(req: IncomingMessage, body: Buffer): IncomingRequest {
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  const repeatedHeaders = new Set<string>();
  for (let index = 0; index + 1 < req.rawHeaders.length; index += 2) {
    const name = (req.rawHeaders[index] ?? '').toLowerCase();
    const value = req.rawHeaders[index + 1] ?? '';
    const previous = headers[name];
    if (previous !== undefined) repeatedHeaders.add(name);
    headers[name] = previous === undefined ? value : `${previous},${value}`;
  }
  return { method: req.method ?? 'GET', url: req.url ?? '/', headers, repeatedHeaders, body };
}

function send(res: ServerResponse, status: number, body: string, contentType: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export interface LimitOptions {
  maxSessionDuration?: number;
  allowedSkewSeconds?: number;
}

export interface LimitDefaults {
  maxSessionDuration: number;
  /** The MaxSessionDuration values the cloud lets a role have. */
  maxSessionRange: { readonly min: number; readonly max: number };
  allowedSkewSeconds: number;
}

/** Applies the defaults to the options every emulator takes and refuses values the cloud itself would not allow. */
export function resolveLimits(
  options: LimitOptions,
  defaults: LimitDefaults,
): { maxSessionDuration: number; allowedSkewSeconds: number } {
  return {
    maxSessionDuration: resolveMaxSessionDuration(options.maxSessionDuration, defaults),
    allowedSkewSeconds: resolveAllowedSkew(options.allowedSkewSeconds, defaults.allowedSkewSeconds),
  };
}

/** A role's (or agency's) maximum session duration, default `maxSessionDuration`; RangeError outside the cloud's range. */
export function resolveMaxSessionDuration(
  value: number | undefined,
  defaults: Pick<LimitDefaults, 'maxSessionDuration' | 'maxSessionRange'>,
): number {
  const maxSessionDuration = value ?? defaults.maxSessionDuration;
  const { min, max } = defaults.maxSessionRange;
  if (!Number.isInteger(maxSessionDuration) || maxSessionDuration < min || maxSessionDuration > max) {
    throw new RangeError(`maxSessionDuration must be an integer in ${min}..${max}, got ${maxSessionDuration}`);
  }
  return maxSessionDuration;
}

/** The accepted clock distance in seconds, default `defaultSeconds`; RangeError unless a non-negative number. */
export function resolveAllowedSkew(value: number | undefined, defaultSeconds: number): number {
  const allowedSkewSeconds = value ?? defaultSeconds;
  if (!Number.isFinite(allowedSkewSeconds) || allowedSkewSeconds < 0) {
    throw new RangeError(`allowedSkewSeconds must be a non-negative number, got ${allowedSkewSeconds}`);
  }
  return allowedSkewSeconds;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * For ids in the shape of real credentials. Rejection sampling keeps the characters uniformly distributed (256 is not a
 * multiple of 62).
 */
export function randomAlphanumeric(length: number): string {
  let result = '';
  while (result.length < length) {
    for (const byte of randomBytes(length)) {
      if (byte < 248 && result.length < length) result += ALPHANUMERIC[byte % 62];
    }
  }
  return result;
}
