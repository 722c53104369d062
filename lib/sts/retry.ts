/**
 * Retrying an STS (or IAM) call where that is safe, and only while the invocation has time for it.
 *
 * Safe means the failure says "try again later": the service could not be reached or answered 5xx
 * (`temporarily_unavailable`). Throttling is not retried here: it is an account-wide quota, so an
 * immediate retry only adds to it; the instance's `ThrottlingBreaker` backs off for everyone
 * instead. A refusal (an authorization error, a bad parameter) is never retried: it would fail the same
 * way and spend quota. A timeout is not retried either: the attempt already used the time it was given,
 * and a second one would push the caller past its own.
 *
 * The delay before attempt n is drawn uniformly from 0 to min(maxDelay, base × 2ⁿ) ("full jitter"), so
 * instances that failed together do not retry together.
 *
 * @module
 */
import { isStsgateError } from '../errors.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 };

export interface RetryContext {
  /** Milliseconds this call may still use in all (already net of what the response needs). */
  readonly budgetMs: () => number;
  /** The most one attempt may take. */
  readonly attemptTimeoutMs: number;
  /** The shortest attempt worth starting; below it the last failure stands. */
  readonly minAttemptMs?: number;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export const isRetryable = (error: unknown): boolean =>
  isStsgateError(error) && error.code === 'temporarily_unavailable' && error.reason !== 'sts_throttled' && error.reason !== 'sts_paused';

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `attempt(timeoutMs)` until it succeeds, fails for good, or the attempts or the time run out. */
export async function withRetries<T>(attempt: (timeoutMs: number) => Promise<T>, context: RetryContext, policy: RetryPolicy = DEFAULT_RETRY_POLICY): Promise<T> {
  const random = context.random ?? Math.random;
  const sleep = context.sleep ?? defaultSleep;
  const minAttemptMs = context.minAttemptMs ?? 250;
  for (let n = 1; ; n++) {
    try {
      return await attempt(Math.min(context.attemptTimeoutMs, context.budgetMs()));
    } catch (error) {
      if (!isRetryable(error) || n >= policy.maxAttempts) throw error;
      const delay = Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1)));
      if (context.budgetMs() - delay < minAttemptMs) throw error;
      await sleep(delay);
    }
  }
}
