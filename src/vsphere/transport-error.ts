import { VdriftError } from '../model/vdrift-error.js';

/**
 * A request to vCenter that did not produce a SOAP answer: connection
 * failure, timeout, an HTTP status other than 200 or 500, a body that is not
 * XML, or one that ended early. `retryable` marks failures that another try
 * may cure (network errors, 5xx, 429 and 503).
 */
export class TransportError extends VdriftError {
  constructor(
    message: string,
    readonly details: {
      target: string;
      method: string;
      retryable: boolean;
      status?: number;
      contentType?: string;
      retryAfterSeconds?: number;
    },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get retryable(): boolean {
    return this.details.retryable;
  }
}
