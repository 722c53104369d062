/**
 * When STS says it is throttling, the whole instance stops calling it for a moment. Throttling is an
 * account-wide quota (Aliyun: 100 AssumeRole a second for the account), so every further call made
 * while it lasts only deepens it, for every user, and retrying each request would multiply the load.
 *
 * - closed: calls go through;
 * - one throttled answer opens the breaker for `initialOpenMs` (1 s): calls that would reach STS are
 *   refused at once with 503 and `Retry-After`, without a call; cached keys are still served (the
 *   breaker only guards calls);
 * - when that time has passed, one call goes through as a probe (the others are still refused): if STS
 *   throttles it again the breaker opens for twice as long, up to `maxOpenMs` (30 s); any other
 *   outcome closes it, and the next throttling starts again from `initialOpenMs`.
 *
 * Per instance, like the cache: instances do not share what they have seen.
 *
 * @module
 */
import { isThrottling, type StsgateError, temporarilyUnavailable, withRetryAfter } from '../errors.js';

export interface ThrottlingBreakerOptions {
  readonly initialOpenMs?: number;
  readonly maxOpenMs?: number;
  readonly now?: () => number;
}

interface Permit {
  readonly probe: boolean;
}

export class ThrottlingBreaker {
  readonly #initialOpenMs: number;
  readonly #maxOpenMs: number;
  readonly #now: () => number;
  #open = false;
  #openMs: number;
  #openUntil = 0;
  #probing = false;

  constructor(options: ThrottlingBreakerOptions = {}) {
    this.#initialOpenMs = options.initialOpenMs ?? 1000;
    this.#maxOpenMs = options.maxOpenMs ?? 30_000;
    this.#openMs = this.#initialOpenMs;
    this.#now = options.now ?? Date.now;
  }

  /** Throws the 503 a caller gets while calls are paused; lets a caller refuse before any work is spent on a call. */
  throwIfPaused(): void {
    const seconds = this.#pausedForSeconds();
    if (seconds > 0) {
      throw temporarilyUnavailable('STS is throttling token requests: this instance pauses new keys for a moment', seconds, { reason: 'sts_paused' });
    }
  }

  /** Seconds until a call may be made, 0 for now; while a probe is out, 1. */
  #pausedForSeconds(): number {
    if (!this.#open) return 0;
    const left = this.#openUntil - this.#now();
    if (left > 0) return Math.ceil(left / 1000);
    return this.#probing ? 1 : 0;
  }

  /** Runs `call` unless the breaker is open; a throttled answer opens it, and the caller learns for how long. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    const permit = this.#admit();
    let result: T;
    try {
      result = await call();
    } catch (error) {
      if (isThrottling(error)) throw this.#throttled(permit, error);
      this.#settled(permit);
      throw error;
    }
    this.#settled(permit);
    return result;
  }

  #admit(): Permit {
    this.throwIfPaused();
    if (!this.#open) return { probe: false };
    this.#probing = true;
    return { probe: true };
  }

  /** Any outcome but throttling: a probe's closes the breaker; a call that started before it opened says nothing. */
  #settled(permit: Permit): void {
    if (!permit.probe) return;
    this.#open = false;
    this.#probing = false;
    this.#openMs = this.#initialOpenMs;
  }

  #throttled(permit: Permit, error: StsgateError): StsgateError {
    if (permit.probe) {
      this.#probing = false;
      this.#openMs = Math.min(this.#openMs * 2, this.#maxOpenMs);
      this.#openUntil = this.#now() + this.#openMs;
    } else if (!this.#open) {
      this.#open = true;
      this.#openMs = this.#initialOpenMs;
      this.#openUntil = this.#now() + this.#openMs;
    }
    // The caller that met the throttling is told the same wait as everyone the breaker now refuses.
    return withRetryAfter(error, (this.#openUntil - this.#now()) / 1000);
  }
}
