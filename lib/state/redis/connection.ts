/**
 * One Redis connection per function instance: opened at cold start, reused by every invocation, and never
 * allowed to hold up or fail a request.
 *
 * - Every operation has a deadline (`timeoutMs` from its start, waiting for the connection included) and
 *   settles by then with the answer or `undefined`; nothing is queued while Redis is away.
 * - A failed operation drops the connection. While Redis is away, operations answer `undefined` at once
 *   and the next one after a backoff (doubling, with jitter, capped) tries a new connection, which must
 *   answer PING before anything else is sent on it. No timers run between invocations.
 * - A late answer alone is not a failure: a busy instance (its event loop held by other requests) sees
 *   those too. Only when no operation has been answered in time for `silenceLimitMs` is Redis taken to
 *   be hung or too slow, and the connection dropped.
 * - A connection that dies while the instance is frozen (the platform pauses instances between
 *   invocations; NATs and servers drop idle connections meanwhile) is replaced at once and without a
 *   warning; only if the new one fails too is it an outage.
 * - One warning when an outage starts, one info line when an operation succeeds again (`OutageLog`).
 *   Commands Redis answers with an error (full memory, a read-only replica) keep the connection and have
 *   their own warning, ended by the next success of the same operation.
 *
 * @module
 */
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { isIP } from 'node:net';
import { Redis } from 'ioredis';
import type { Logger } from '../../log.js';
import type { RedisEndpoint } from '../config.js';
import { OutageLog } from './outage-log.js';

export type Operation = 'lookup' | 'store' | 'lock' | 'release' | 'take';

/** Thrown by a command's reply check: Redis (or whatever answers in its place) sent something impossible. */
export class UnexpectedReply extends Error {
  override readonly name = 'UnexpectedReply';
}

export interface ConnectionOptions {
  readonly endpoint: RedisEndpoint;
  readonly location: string;
  readonly timeoutMs: number;
  readonly logger: Logger;
  /** How long one connection attempt (TCP, TLS, AUTH, PING) may take; default max(1 s, 4 × timeoutMs). */
  readonly connectTimeoutMs?: number;
  /** Waits between failed attempts: `baseMs`, doubling to `maxMs` (default 100 ms to 5 s). */
  readonly backoff?: { readonly baseMs: number; readonly maxMs: number };
  /** A connection unused this long may have died while frozen (default 30 s). */
  readonly staleAfterMs?: number;
  /** How long operations may go unanswered in time before Redis counts as hung or too slow (default max(1 s, 4 × timeoutMs)). */
  readonly silenceLimitMs?: number;
  readonly now?: () => number;
  readonly random?: () => number;
}

type Settled<T> = { kind: 'value'; value: T } | { kind: 'error'; error: unknown } | { kind: 'timeout' };

export class RedisConnection {
  #client: Redis | undefined;
  #state: 'connecting' | 'up' | 'down' = 'down';
  #attempt: Promise<void> = Promise.resolve();
  #nextAttemptAt = 0;
  #failures = 0;
  /** Whether the current connection has answered an operation: only such a one can have gone stale. */
  #answered = false;
  /** The last answer in time on the current connection, or when it came up. */
  #lastAnswerAt = 0;
  #closed = false;
  readonly #unreachable: OutageLog;
  readonly #refusals: OutageLog;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #connectTimeoutMs: number;
  readonly #backoff: { readonly baseMs: number; readonly maxMs: number };
  readonly #staleAfterMs: number;
  readonly #silenceLimitMs: number;

  constructor(private readonly options: ConnectionOptions) {
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? Math.max(1000, 4 * options.timeoutMs);
    this.#backoff = options.backoff ?? { baseMs: 100, maxMs: 5000 };
    this.#staleAfterMs = options.staleAfterMs ?? 30_000;
    this.#silenceLimitMs = options.silenceLimitMs ?? Math.max(1000, 4 * options.timeoutMs);
    const fields = { redis: options.location };
    this.#unreachable = new OutageLog(
      options.logger,
      { started: 'Redis unavailable: serving without shared state until it is back', ended: 'Redis available again: shared state restored' },
      fields,
      this.#now,
    );
    this.#refusals = new OutageLog(
      options.logger,
      { started: 'Redis refuses an operation: serving it without shared state', ended: 'Redis accepts the operation again' },
      fields,
      this.#now,
    );
    this.#startAttempt();
  }

  /** Runs `command` on the connection; its value, or `undefined` if Redis is away, slow, refusing or confused. */
  async run<T>(operation: Operation, command: (client: Redis) => Promise<T>): Promise<T | undefined> {
    const deadline = this.#now() + this.options.timeoutMs;
    const client = await this.#usable(deadline);
    if (!client) return undefined;
    const settled = await settleBy(
      Promise.resolve().then(() => command(client)),
      deadline - this.#now(),
    );
    if (settled.kind === 'value') {
      this.#onAnswer(client, operation);
      return settled.value;
    }
    this.#onFailure(client, operation, settled.kind === 'timeout' ? 'timeout' : settled.error);
    return undefined;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#client) this.#drop(this.#client);
  }

  /** The connection if it is up, waiting for one being opened at most until `deadline`. */
  async #usable(deadline: number): Promise<Redis | undefined> {
    if (this.#closed) return undefined;
    if (this.#state === 'down') {
      if (this.#now() < this.#nextAttemptAt) return undefined;
      this.#startAttempt();
    }
    if (this.#state === 'connecting') await settleBy(this.#attempt, deadline - this.#now());
    return this.#state === 'up' ? this.#client : undefined;
  }

  #startAttempt(): void {
    const client = this.#createClient();
    this.#client = client;
    this.#state = 'connecting';
    this.#answered = false;
    this.#attempt = (async () => {
      let lastError: unknown;
      client.on('error', (error: unknown) => (lastError = error));
      const settled = await settleBy(
        client.connect().then(() => client.ping()),
        this.#connectTimeoutMs,
      );
      if (this.#client !== client) return; // closed meanwhile
      if (settled.kind === 'value' && settled.value === 'PONG') {
        this.#state = 'up';
        this.#lastAnswerAt = this.#now();
        return;
      }
      const reason =
        settled.kind === 'timeout' ? 'timeout' : settled.kind === 'value' ? 'protocol' : failureReason(lastError ?? settled.error);
      this.#drop(client);
      this.#unreachable.failed(reason);
      this.#scheduleRetry();
    })();
  }

  #createClient(): Redis {
    const { endpoint } = this.options;
    const tls: TlsOptions | undefined = endpoint.tls
      ? {
          // SNI takes a host name only; certificates for an IP address are matched against the IP anyway.
          ...(isIP(endpoint.host) ? {} : { servername: endpoint.host }),
          ...(endpoint.ca ? { ca: endpoint.ca } : {}),
        }
      : undefined;
    const client = new Redis({
      host: endpoint.host,
      port: endpoint.port,
      family: 0,
      ...(endpoint.username ? { username: endpoint.username } : {}),
      ...(endpoint.password ? { password: endpoint.password } : {}),
      db: endpoint.db,
      ...(tls ? { tls } : {}),
      lazyConnect: true,
      connectTimeout: this.#connectTimeoutMs,
      // Reconnection, queueing and the ready check are this class's job: a command is sent only on a
      // connection that answered PING, or answered `undefined` at once.
      retryStrategy: () => null,
      enableOfflineQueue: false,
      enableReadyCheck: false,
      maxRetriesPerRequest: 0,
      autoResubscribe: false,
      autoResendUnfulfilledCommands: false,
      // No CLIENT SETINFO round trips, and no reading ioredis's package.json from disk (it is bundled).
      disableClientInfo: true,
      keepAlive: 10_000,
    });
    // Every failure surfaces through an operation or the attempt; an `error` event without a listener
    // would be printed by ioredis instead.
    client.on('error', () => {});
    client.on('close', () => {
      if (this.#client === client && this.#state === 'up') this.#onFailure(client, undefined, new Error('Connection is closed.'));
    });
    return client;
  }

  #onAnswer(client: Redis, operation: Operation): void {
    if (client !== this.#client) return;
    this.#answered = true;
    this.#lastAnswerAt = this.#now();
    this.#failures = 0;
    this.#unreachable.succeeded(operation);
    this.#refusals.succeeded(operation);
  }

  #onFailure(client: Redis, operation: Operation | undefined, error: unknown): void {
    if (client !== this.#client) return; // a connection already replaced
    const refusal = operation && refusalCode(error);
    if (refusal) {
      this.#refusals.failed(refusal, operation);
      return;
    }
    const reason = error === 'timeout' ? 'timeout' : failureReason(error);
    const idleMs = this.#now() - this.#lastAnswerAt;
    const maybeStale = this.#answered && (reason === 'closed' || idleMs > this.#staleAfterMs);
    if (reason === 'timeout' && !maybeStale && idleMs < this.#silenceLimitMs) return;
    this.#drop(client);
    if (maybeStale && !this.#unreachable.active) {
      this.#nextAttemptAt = this.#now();
      return;
    }
    this.#unreachable.failed(reason);
    this.#scheduleRetry();
  }

  #drop(client: Redis): void {
    if (this.#client === client) {
      this.#client = undefined;
      this.#state = 'down';
    }
    client.disconnect();
  }

  #scheduleRetry(): void {
    this.#failures += 1;
    const ceiling = Math.min(this.#backoff.maxMs, this.#backoff.baseMs * 2 ** (this.#failures - 1));
    // Half fixed, half random: instances that lost Redis together do not all come back in the same millisecond.
    this.#nextAttemptAt = this.#now() + ceiling / 2 + (this.#random() * ceiling) / 2;
  }
}

/** Settles with the promise's outcome, or `timeout` after `ms`; the promise's later outcome is ignored. */
async function settleBy<T>(promise: Promise<T>, ms: number): Promise<Settled<T>> {
  let timer: NodeJS.Timeout | undefined;
  const outcome = promise.then(
    (value): Settled<T> => ({ kind: 'value', value }),
    (error: unknown): Settled<T> => ({ kind: 'error', error }),
  );
  if (ms <= 0) return { kind: 'timeout' };
  const timeout = new Promise<Settled<T>>((resolve) => (timer = setTimeout(() => resolve({ kind: 'timeout' }), ms)));
  try {
    return await Promise.race([outcome, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A safe, stable word for why Redis could not be used: never an error message (it may quote a host or a reply). */
function failureReason(error: unknown): string {
  if (error instanceof UnexpectedReply) return 'protocol';
  const { code, name, message } = describe(error);
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns';
  if (/^(ERR_TLS|ERR_SSL|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_|ERR_OSSL)/.test(code)) return 'tls';
  if (name === 'ParserError') return 'protocol';
  if (isAuthError(message)) return 'auth';
  if (name === 'ReplyError') return 'protocol';
  return 'closed';
}

/** Redis answered the command with an error of its own (other than about authentication): its code word. */
function refusalCode(error: unknown): string | undefined {
  const { name, message } = describe(error);
  if (name !== 'ReplyError' || isAuthError(message)) return undefined;
  const word = message.split(' ', 1)[0] ?? '';
  return /^[A-Z]{2,20}$/.test(word) ? word : 'ERR';
}

const isAuthError = (message: string): boolean => /^(NOAUTH|WRONGPASS|NOPERM)\b/.test(message) || /invalid (username-)?password/i.test(message);

function describe(error: unknown): { code: string; name: string; message: string } {
  if (!(error instanceof Error)) return { code: '', name: '', message: '' };
  const code = (error as { code?: unknown }).code;
  return { code: typeof code === 'string' ? code : '', name: error.name, message: error.message };
}
