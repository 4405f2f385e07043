// Turns socket and HTTP client errors into delivery problems. Messages are
// built here from the error code alone, because the messages of Node and
// axios errors contain the address or the whole URL, and a channel URL may
// carry its secret token.

/** A failure to reach the receiver, described without the error's own message. */
export interface NetworkProblem {
  retryable: boolean;
  problem: string;
}

/** Error codes of failures that may pass: refused or reset connections, unreachable networks, DNS outages. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENETRESET',
  'EADDRNOTAVAIL',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

/** Returns the Node error code of err or of its cause, for example `ECONNREFUSED`. */
export function errorCode(err: unknown): string | undefined {
  for (let current: unknown = err, depth = 0; current && depth < 3; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'ERR_CANCELED') {
      return code;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Describes a failed connection or request. `target` names what was
 * contacted in words that are safe to show, for example "the webhook URL"
 * or "127.0.0.1:514".
 */
export function describeNetworkError(err: unknown, target: string, timedOut: boolean, seconds: number): NetworkProblem {
  if (timedOut) {
    return { retryable: true, problem: `timed out after ${seconds} s waiting for ${target}` };
  }
  const code = errorCode(err);
  switch (code) {
    case 'ECONNREFUSED':
      return { retryable: true, problem: `connection to ${target} refused (ECONNREFUSED). Check that the receiver is running on that host and port` };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { retryable: true, problem: `host name of ${target} not found (${code}). Check the host name and DNS` };
    case 'ERR_INVALID_URL':
      return { retryable: false, problem: `${target} is not a valid URL (ERR_INVALID_URL). Check the channel config` };
    case undefined:
      return { retryable: false, problem: `request to ${target} failed with an unexpected error (${errorName(err)})` };
  }
  if (TRANSIENT_CODES.has(code)) {
    return { retryable: true, problem: `network error ${code} on ${target}` };
  }
  if (isTlsCode(code)) {
    return { retryable: false, problem: `TLS certificate of ${target} rejected (${code}). Check the receiver's certificate and the system CAs` };
  }
  return { retryable: false, problem: `request to ${target} failed (${code})` };
}

function isTlsCode(code: string): boolean {
  return /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_SSL|ERR_TLS/.test(code);
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}
