// The outcome of one delivery attempt and the rules that decide whether a
// failed attempt is worth repeating.

/** Outcome of one delivery attempt. deliver() removes channel URLs and keys from `error`. */
export interface DeliveryResult {
  ok: boolean;
  /** Whether the same delivery may succeed later without a change to the config. */
  retryable: boolean;
  /** Wait the receiver requested through Retry-After, in seconds. */
  retryAfterSeconds?: number;
  /** HTTP status of the failed response, when there was one. */
  status?: number;
  error?: string;
}

/** Failures quoted in a combined error message. The rest are only counted. */
const MAX_ERRORS_SHOWN = 3;

export const DELIVERED: Readonly<DeliveryResult> = Object.freeze({ ok: true, retryable: false });

/** Builds a failed result. deliver() prefixes `problem` with the channel name. */
export function failed(problem: string, retryable: boolean, extra: Pick<DeliveryResult, 'status' | 'retryAfterSeconds'> = {}): DeliveryResult {
  return { ok: false, retryable, error: problem, ...extra };
}

/** Returns true for the statuses of failures that may pass: request timeout, rate limit and server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Parses a Retry-After header, either delay-seconds or an HTTP date
 * (RFC 9110 section 10.2.3), into whole seconds from `nowMs`. Returns
 * undefined for a missing or invalid value, and 0 for a date in the past.
 */
export function parseRetryAfter(header: string | undefined, nowMs: number): number | undefined {
  const value = header?.trim();
  if (!value) {
    return undefined;
  }
  if (/^\d+$/.test(value)) {
    return Number(value);
  }
  const at = Date.parse(value);
  if (Number.isNaN(at)) {
    return undefined;
  }
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}

/**
 * Merges the failures of a delivery sent as several requests or messages,
 * `total` naming them with their count, for example "3 events". The result
 * is retryable only when every failure was, because a retry cannot fix the
 * others, and it carries the longest Retry-After.
 */
export function combineFailures(failures: readonly DeliveryResult[], total: string, unsent: number): DeliveryResult {
  const first = failures[0];
  if (!first) {
    return DELIVERED;
  }
  const waits = failures.map((failure) => failure.retryAfterSeconds).filter((wait): wait is number => wait !== undefined);
  const shown = failures.slice(0, MAX_ERRORS_SHOWN).map((failure) => failure.error);
  const hidden = failures.length - shown.length;
  const notSent = unsent > 0 ? `, ${unsent} not sent` : '';
  const more = hidden > 0 ? ` | and ${hidden} more failures` : '';
  return {
    ok: false,
    retryable: failures.every((failure) => failure.retryable),
    ...(waits.length > 0 ? { retryAfterSeconds: Math.max(...waits) } : {}),
    ...(first.status !== undefined ? { status: first.status } : {}),
    error: `${failures.length} of ${total} failed${notSent}: ${shown.join(' | ')}${more}`,
  };
}
