/**
 * Per-subject rate limit, per function instance: a token bucket per JWT subject holding up to
 * `perMinute` requests and refilled at `perMinute` a minute. It keeps one misbehaving client (a loop, a
 * leaked token) from spending the account-wide STS quota (Aliyun: 100 AssumeRole a second per account)
 * that every user shares. Requests over the limit are refused before any STS call. One instance counts
 * all requests (`TOKEN_RATE_LIMIT`), another only those that would call STS (`TOKEN_STS_RATE_LIMIT`).
 *
 * Bounded: the least recently seen subjects are forgotten first, which can only ever be lenient.
 *
 * @module
 */

export interface SubjectRateLimitOptions {
  readonly perMinute: number;
  readonly maxSubjects?: number;
  readonly now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class SubjectRateLimit {
  readonly perMinute: number;
  readonly #buckets = new Map<string, Bucket>();
  readonly #capacity: number;
  readonly #perMs: number;
  readonly #maxSubjects: number;
  readonly #now: () => number;

  constructor(options: SubjectRateLimitOptions) {
    this.perMinute = options.perMinute;
    this.#capacity = options.perMinute;
    this.#perMs = options.perMinute / 60_000;
    this.#maxSubjects = options.maxSubjects ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Takes one request from the subject's bucket: 0 when allowed, else the seconds until one is. */
  take(subject: string): number {
    const now = this.#now();
    const bucket = this.#buckets.get(subject) ?? { tokens: this.#capacity, at: now };
    this.#buckets.delete(subject);
    bucket.tokens = Math.min(this.#capacity, bucket.tokens + (now - bucket.at) * this.#perMs);
    bucket.at = now;
    this.#buckets.set(subject, bucket);
    while (this.#buckets.size > this.#maxSubjects) this.#buckets.delete(this.#buckets.keys().next().value as string);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / this.#perMs / 1000);
  }
}
