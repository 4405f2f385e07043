// SOAP over HTTP for the vim25 API: the lowest layer of src/vsphere. It
// posts envelopes, keeps the session cookie, streams the response body into
// the decoder and turns HTTP 500 fault bodies into SoapFault. Nothing in
// src/vsphere imports from collect, store, drift, notify, report or cli.
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import axios, { type AxiosResponse } from 'axios';
import { StringDecoder } from 'node:string_decoder';
import { StreamingDecoder, DEFAULT_LIMITS, type DecoderLimits } from './xml/decoder.js';
import { FragmentReader, type FragmentCache } from './xml/fragment-reader.js';
import { object, type FieldSpec, type Spec } from './xml/spec.js';
import { XmlDecodeError } from './xml/xml-error.js';
import { envelope } from './envelope.js';
import { SoapFault } from './soap-fault.js';
import { TransportError } from './transport-error.js';
import { createAgent, type TlsOptions } from './agent.js';
import { DEFAULT_RETRY_POLICY, retryDelay, type RetryPolicy } from './retry.js';

export const SESSION_COOKIE = 'vmware_soap_session';

export interface TransportOptions {
  /** SDK endpoint, for example https://vcenter.example.com/sdk. */
  url: string;
  /** Name used in error messages, for example the vCenter's name in the config. */
  name: string;
  /** Limit for one whole request, from sending to the last byte of the response. */
  timeoutMs: number;
  /** Limit for opening a connection, TLS handshake included; defaults to 10 s. */
  connectTimeoutMs?: number;
  tls?: TlsOptions;
  limits?: DecoderLimits;
  retry?: RetryPolicy;
  /** Told before each retry, so the caller can log it; the transport itself never logs. */
  onRetry?: (retry: RetryNotice) => void;
  /** Waits between attempts; tests replace it to avoid real sleeps. */
  sleep?: (ms: number) => Promise<void>;
}

export interface RetryNotice {
  method: string;
  attempt: number;
  delayMs: number;
  error: TransportError;
}

/** Receives streamed values, with the key of the cacheable fragment they were decoded from, if any. */
export type StreamHandler = (stream: string, value: unknown, fragmentKey: string | null) => void;

/** The elements of a response that a cache may serve instead of the decoder. */
export interface FragmentOptions {
  cache: FragmentCache;
  /** Local name of the repeated element, for example `objects`. */
  element: string;
  /** Local names of the elements below the response element that contain it, for example `['returnval']`. */
  parentPath: readonly string[];
}

interface BodySink {
  write(chunk: Buffer): void;
  end(): Record<string, unknown>;
}

const FAULT_SPEC = object({
  faultcode: 'string',
  faultstring: 'string',
  detail: object({}, { other: object({}, { keepType: true }) }),
});

export class SoapTransport {
  /** vim25 version sent in SOAPAction; raised after RetrieveServiceContent. */
  version = '6.7';
  roundTrips = 0;
  private cookie: string | null = null;
  private readonly agent: http.Agent | https.Agent;
  readonly target: string;

  constructor(private readonly options: TransportOptions) {
    const url = new URL(options.url);
    url.username = '';
    url.password = '';
    this.target = `vCenter ${options.name} (${url.origin})`;
    this.agent = createAgent(url.protocol, options.tls ?? {}, options.connectTimeoutMs ?? 10_000);
  }

  get hasSession(): boolean {
    return this.cookie !== null;
  }

  clearSession(): void {
    this.cookie = null;
  }

  close(): void {
    this.agent.destroy();
  }

  /**
   * Calls one vim25 method and decodes `returnval` with `spec`. Fields of the
   * spec marked `stream` are handed to `onItem` as they complete instead of
   * being kept, so a caller can work on a page while it is still arriving.
   */
  async call<T>(method: string, body: string, spec: Spec | FieldSpec | null, onItem?: StreamHandler, fragments?: FragmentOptions): Promise<T> {
    const policy = this.options.retry ?? DEFAULT_RETRY_POLICY;
    for (let attempt = 1; ; attempt += 1) {
      let delivered = false;
      const track: StreamHandler = (stream, value, key) => {
        delivered = true;
        onItem?.(stream, value, key);
      };
      try {
        return await this.attempt<T>(method, body, spec, track, fragments);
      } catch (err) {
        // Once part of a page reached the caller, a retry would hand it over twice.
        const delayMs = delivered ? null : retryDelay(policy, attempt, err);
        if (delayMs === null) {
          throw err;
        }
        this.options.onRetry?.({ method, attempt, delayMs, error: err as TransportError });
        await (this.options.sleep ?? sleep)(delayMs);
      }
    }
  }

  /**
   * Calls one vim25 method once, with its own time limit and no retry. It
   * serves calls with a time budget of their own, such as the esxcli probe,
   * whose request must not outlive the probe or be repeated after it.
   */
  callOnce<T>(method: string, body: string, spec: Spec | FieldSpec | null, timeoutMs: number): Promise<T> {
    return this.attempt<T>(method, body, spec, () => {}, undefined, Math.min(timeoutMs, this.options.timeoutMs));
  }

  private async attempt<T>(method: string, body: string, spec: Spec | FieldSpec | null, onItem: StreamHandler, fragments?: FragmentOptions, timeoutMs = this.options.timeoutMs): Promise<T> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    this.roundTrips += 1;
    try {
      const response = await this.post(body, controller.signal);
      this.keepCookie(response);
      return await this.decode<T>(method, response, spec, onItem, fragments);
    } catch (err) {
      throw this.explain(method, err, controller.signal.aborted ? timeoutMs : null);
    } finally {
      clearTimeout(timer);
    }
  }

  private async post(body: string, signal: AbortSignal): Promise<AxiosResponse<IncomingMessage>> {
    const headers: Record<string, string> = {
      'Content-Type': 'text/xml; charset=utf-8',
      SOAPAction: `urn:vim25/${this.version}`,
    };
    if (this.cookie) {
      headers.Cookie = this.cookie;
    }
    return axios.post<IncomingMessage>(this.options.url, envelope(body), {
      headers,
      signal,
      responseType: 'stream',
      validateStatus: () => true,
      maxRedirects: 0,
      proxy: false,
      httpAgent: this.agent,
      httpsAgent: this.agent,
    });
  }

  private keepCookie(response: AxiosResponse): void {
    const cookies = response.headers['set-cookie'];
    for (const cookie of cookies ?? []) {
      const pair = cookie.split(';', 1)[0]!.trim();
      if (pair.startsWith(`${SESSION_COOKIE}=`)) {
        this.cookie = pair;
      }
    }
  }

  private async decode<T>(
    method: string,
    response: AxiosResponse<IncomingMessage>,
    spec: Spec | FieldSpec | null,
    onItem?: StreamHandler,
    fragments?: FragmentOptions,
  ): Promise<T> {
    const status = response.status;
    const contentType = String(response.headers['content-type'] ?? '');
    if ((status !== 200 && status !== 500) || !/xml/i.test(contentType)) {
      throw await this.unexpectedResponse(method, response, contentType);
    }

    const responseName = `${method}Response`;
    const rootSpec = object({
      Envelope: object({
        Body: object({
          // A FieldSpec lets a method return an array, such as ReadNextEvents.
          [responseName]: object({ returnval: spec ?? object({}) }),
          Fault: FAULT_SPEC,
        }),
      }),
    });
    const limits = this.options.limits ?? DEFAULT_LIMITS;
    let reader: FragmentReader | null = null;
    const decoder = new StreamingDecoder(rootSpec, (stream, value) => onItem?.(stream, value, reader?.currentKey ?? null), limits);
    const sink: BodySink = fragments
      ? (reader = new FragmentReader(decoder, fragments.cache, fragments.element, ['Envelope', 'Body', responseName, ...fragments.parentPath]))
      : plainSink(decoder);
    const received = await feed(response.data, sink, limits.maxBytes);
    const head = received.head;
    const root = endDocument(sink, received.bytes, () => this.describe(status, contentType, head));
    const body = (root.Envelope as { Body?: Record<string, unknown> } | undefined)?.Body;

    if (body?.Fault) {
      throw faultFrom(method, body.Fault as FaultBody, this.target);
    }
    if (!body || !(responseName in body)) {
      throw new TransportError(`${method} on ${this.target}: the response contains no <${responseName}> (${this.describe(status, contentType, head)})`, {
        target: this.target,
        method,
        retryable: false,
        status,
        contentType,
      });
    }
    return (body[responseName] as { returnval?: T }).returnval as T;
  }

  private async unexpectedResponse(method: string, response: AxiosResponse<IncomingMessage>, contentType: string): Promise<TransportError> {
    const head = await readHead(response.data, 512);
    const status = response.status;
    const retryAfter = parseRetryAfter(response.headers['retry-after']);
    const retryable = status >= 500 || status === 429;
    const what = status === 200 || status === 500 ? 'a body that is not XML' : `HTTP ${status}`;
    return new TransportError(`${method} on ${this.target} returned ${what} (${this.describe(status, contentType, head)})`, {
      target: this.target,
      method,
      retryable,
      status,
      contentType,
      ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }),
    });
  }

  private describe(status: number, contentType: string, head: string): string {
    const type = contentType || 'no content type';
    return `status ${status}, ${type}, first bytes ${JSON.stringify(head.slice(0, 120))}`;
  }

  private explain(method: string, err: unknown, timedOutAfterMs: number | null): unknown {
    if (err instanceof SoapFault || err instanceof TransportError) {
      return err;
    }
    if (err instanceof XmlDecodeError) {
      return new TransportError(`${method} on ${this.target}: ${err.message}`, { target: this.target, method, retryable: false }, { cause: err });
    }
    if (timedOutAfterMs !== null) {
      return new TransportError(`${method} on ${this.target} timed out after ${timedOutAfterMs} ms`, { target: this.target, method, retryable: true }, { cause: err });
    }
    const code = (err as { code?: string }).code;
    const reason = (err as Error).message ?? String(err);
    if (code !== undefined && TLS_TRUST_ERRORS.has(code)) {
      const hint = 'set tls.caFile to the CA that signed it, or tls.thumbprintSha256 to pin it';
      return new TransportError(`${method} on ${this.target} failed: the TLS certificate is not trusted (${code}: ${reason}); ${hint}`, { target: this.target, method, retryable: false }, { cause: err });
    }
    if (code === 'ERR_VDRIFT_PIN_MISMATCH') {
      return new TransportError(`${method} on ${this.target} failed: ${reason}`, { target: this.target, method, retryable: false }, { cause: err });
    }
    return new TransportError(`${method} on ${this.target} failed: ${code ? `${code} ` : ''}${reason}`, { target: this.target, method, retryable: isNetworkError(code) }, { cause: err });
  }
}

interface FaultBody {
  faultcode?: string;
  faultstring?: string;
  detail?: Record<string, unknown>;
}

function faultFrom(method: string, fault: FaultBody, target: string): SoapFault {
  const name = faultName(fault.detail) ?? fault.faultcode ?? 'UnknownFault';
  return new SoapFault(method, name, fault.faultstring ?? '', target);
}

/** Returns the fault type: the xsi:type of the detail's child, or its element name minus "Fault". */
function faultName(detail: Record<string, unknown> | undefined): string | undefined {
  for (const [element, value] of Object.entries(detail ?? {})) {
    const type = (value as { $type?: string }).$type;
    return type ?? element.replace(/Fault$/, '');
  }
  return undefined;
}

function plainSink(decoder: StreamingDecoder): BodySink {
  const text = new StringDecoder('utf8');
  return {
    write: (chunk) => decoder.write(text.write(chunk)),
    end: () => {
      decoder.write(text.end());
      return decoder.end();
    },
  };
}

/** Streams the body into the sink, enforcing the size limit on raw bytes; returns the size and the first bytes. */
async function feed(stream: IncomingMessage, sink: BodySink, maxBytes: number): Promise<{ bytes: number; head: string }> {
  let bytes = 0;
  let head = '';
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > maxBytes) {
      stream.destroy();
      throw new XmlDecodeError(`response body exceeds the limit of ${maxBytes} bytes`);
    }
    if (head.length < 512) {
      head += chunk.toString('utf8', 0, Math.min(chunk.length, 512 - head.length));
    }
    sink.write(chunk);
  }
  return { bytes, head };
}

function endDocument(sink: BodySink, bytes: number, describe: () => string): Record<string, unknown> {
  try {
    return sink.end();
  } catch (err) {
    if (err instanceof XmlDecodeError) {
      throw new XmlDecodeError(`the body is incomplete or malformed after ${bytes} bytes: ${err.message} (${describe()})`, { cause: err });
    }
    throw err;
  }
}

async function readHead(stream: IncomingMessage, limit: number): Promise<string> {
  stream.setEncoding('utf8');
  let head = '';
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      head += chunk;
      if (head.length >= limit) {
        break;
      }
    }
  } catch {
    // The head is only for the error message; a broken stream leaves what arrived.
  }
  stream.destroy();
  return head.slice(0, limit);
}

function parseRetryAfter(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') {
    return undefined;
  }
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) {
    return seconds;
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Node's codes for a certificate chain or name it does not trust. */
const TLS_TRUST_ERRORS = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const NETWORK_ERRORS = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED', 'ERR_SOCKET_CONNECTION_TIMEOUT']);

function isNetworkError(code: string | undefined): boolean {
  return code !== undefined && NETWORK_ERRORS.has(code);
}
