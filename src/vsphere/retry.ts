// When to try a vCenter call again. Only failures that another try may cure
// are retried: connection errors, connect timeouts, HTTP 5xx without a SOAP
// fault, 429 and 503, each honouring Retry-After up to a cap. A SOAP fault
// is an answer, not a transient failure, and is never retried here.
import { TransportError } from './transport-error.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this ends the retries instead of waiting. */
  maxRetryAfterSeconds: number;
  /** Returns a number in [0, 1); tests inject a fixed one. */
  random: () => number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 3,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterSeconds: 60,
  random: Math.random,
};

/**
 * Returns how long to wait before attempt `attempt + 1`, or null when the
 * error must not be retried. Waits grow exponentially from baseDelayMs and
 * are spread over the upper half of that value so that many pollers do not
 * retry in step.
 */
export function retryDelay(policy: RetryPolicy, attempt: number, err: unknown): number | null {
  if (!(err instanceof TransportError) || !err.retryable || attempt >= policy.maxAttempts) {
    return null;
  }
  const retryAfter = err.details.retryAfterSeconds;
  if (retryAfter !== undefined) {
    return retryAfter <= policy.maxRetryAfterSeconds ? retryAfter * 1000 : null;
  }
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(exponential * (0.5 + policy.random() / 2));
}
