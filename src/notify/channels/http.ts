// One JSON POST with axios, and the classification of its response as a
// delivery result. Error messages name the receiver in words the caller chooses,
// never by its URL.
import axios, { type AxiosResponse } from 'axios';
import type { Deadline } from './deadline.js';
import { describeNetworkError } from './network-error.js';
import { DELIVERED, failed, isRetryableStatus, parseRetryAfter, type DeliveryResult } from './result.js';

/** Response bodies are read only for error messages, so a larger one is an error in itself. */
const MAX_RESPONSE_BYTES = 1024 * 1024;
const MAX_SNIPPET_CHARS = 200;

export interface PostRequest {
  url: string;
  /** The exact bytes to send, so that a signature over them stays valid. */
  body: Buffer;
  headers?: Record<string, string>;
  deadline: Deadline;
  /** The receiver in words safe for an error message, for example "the Slack webhook". */
  target: string;
}

export interface HttpReply {
  status: number;
  retryAfter: string | undefined;
  body: string;
}

export type PostOutcome = { reply: HttpReply } | { failure: DeliveryResult };

/** Advice for the statuses that need a channel-specific fix. */
export interface StatusAdvice {
  unauthorized: string;
  notFound: string;
  /** Advice derived from the response body, for receivers that name the problem there. */
  fromBody?: (body: string) => string | undefined;
}

/**
 * Sends `body` as application/json. Redirects are not followed, because a
 * webhook that moved should be reconfigured.
 * NOTE: HTTPS_PROXY and the other proxy variables are ignored, so a host
 * that reaches Slack, Teams or PagerDuty only through a proxy cannot deliver.
 */
export async function postJson(request: PostRequest): Promise<PostOutcome> {
  try {
    const response = await axios.post<string>(request.url, request.body, {
      headers: { 'Content-Type': 'application/json', 'User-Agent': 'vdrift', ...request.headers },
      signal: request.deadline.signal,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      maxRedirects: 0,
      maxContentLength: MAX_RESPONSE_BYTES,
      proxy: false,
    });
    return { reply: toReply(response) };
  } catch (err) {
    const { retryable, problem } = describeNetworkError(err, request.target, request.deadline.signal.aborted, request.deadline.seconds);
    return { failure: failed(problem, retryable) };
  }
}

function toReply(response: AxiosResponse<string>): HttpReply {
  const retryAfter = response.headers['retry-after'];
  return {
    status: response.status,
    retryAfter: retryAfter === undefined || retryAfter === null ? undefined : String(retryAfter),
    body: typeof response.data === 'string' ? response.data : '',
  };
}

/** Classifies a reply by status: 2xx delivered, 408, 429 and 5xx retryable, anything else not. */
export function classifyReply(reply: HttpReply, target: string, advice: StatusAdvice): DeliveryResult {
  const { status } = reply;
  if (status >= 200 && status < 300) {
    return DELIVERED;
  }
  const retryable = isRetryableStatus(status);
  const retryAfterSeconds = retryable ? parseRetryAfter(reply.retryAfter, Date.now()) : undefined;
  const snippet = bodySnippet(reply.body);
  const response = snippet ? ` with response "${snippet}"` : '';
  const hint = advice.fromBody?.(reply.body) ?? adviseStatus(status, advice);
  const problem = `HTTP ${status}${response} from ${target}${hint ? `. ${hint}` : ''}`;
  return failed(problem, retryable, retryAfterSeconds === undefined ? { status } : { status, retryAfterSeconds });
}

function adviseStatus(status: number, advice: StatusAdvice): string | undefined {
  if (status >= 300 && status < 400) {
    return 'The URL redirects, and vdrift does not follow redirects. Configure the final URL';
  }
  if (status === 401 || status === 403) {
    return advice.unauthorized;
  }
  if (status === 404 || status === 410) {
    return advice.notFound;
  }
  if (status === 413) {
    return 'The message is larger than the receiver accepts';
  }
  if (status === 429) {
    return 'The receiver is limiting the request rate';
  }
  return status >= 400 && status < 500 ? 'The receiver rejected the message' : undefined;
}

/** Returns the start of a response body on one line, without control characters. */
export function bodySnippet(body: string): string {
  const line = body.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return line.length > MAX_SNIPPET_CHARS ? `${line.slice(0, MAX_SNIPPET_CHARS)}…` : line;
}
