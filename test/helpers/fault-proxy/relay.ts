// HTTP plumbing of the fault proxy: the upstream request, header copies and
// the body copy that can stop after a number of bytes.
import { request as httpRequest, type Agent, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** The server that the proxy forwards to. */
export interface Upstream {
  /** Base URL, for example http://127.0.0.1:PORT/sdk. Only its origin is used. */
  url: URL;
  agent: Agent;
  /** PEM certificates to trust for an https upstream. */
  ca?: string;
}

/** Parses the upstream base URL. Throws a TypeError unless it is an http or https URL on a loopback host. */
export function parseUpstream(upstream: string): URL {
  let url: URL;
  try {
    url = new URL(upstream);
  } catch {
    throw new TypeError(`fault proxy upstream is not a valid URL: ${upstream}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`fault proxy upstream must be an http or https URL, got ${upstream}`);
  }
  if (!isLoopbackHost(url.hostname)) {
    throw new TypeError(`fault proxy upstream must be on a loopback host (127.0.0.0/8, [::1] or localhost), got ${upstream}`);
  }
  return url;
}

function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** Headers that apply only to one connection, so a proxy does not copy them. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Copies headers without the hop-by-hop ones, those that Connection names, and those in drop (lower case). */
export function endToEndHeaders(headers: IncomingHttpHeaders, drop: string[] = []): OutgoingHttpHeaders {
  const connectionTokens = String(headers.connection ?? '')
    .split(',')
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token !== '');
  const skip = new Set([...HOP_BY_HOP, ...connectionTokens, ...drop]);

  const copy: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !skip.has(name)) copy[name] = value;
  }
  return copy;
}

/**
 * Sends the client's request, with body, to the upstream at the same path.
 * The Host header names the upstream. With identity set, it requests an
 * uncompressed response (Accept-Encoding: identity), so that the proxy can
 * rewrite the body.
 */
export function sendUpstream(upstream: Upstream, req: IncomingMessage, body: Buffer, identity: boolean): ClientRequest {
  const target = new URL(upstream.url.origin);
  const path = new URL(req.url ?? '/', upstream.url.origin);
  target.pathname = path.pathname;
  target.search = path.search;

  const headers = endToEndHeaders(req.headers, ['host', 'content-length']);
  headers['content-length'] = String(body.length);
  if (identity) headers['accept-encoding'] = 'identity';

  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const upstreamReq = send(target, { method: req.method, headers, agent: upstream.agent, ca: upstream.ca });
  upstreamReq.end(body);
  return upstreamReq;
}

/** Reads the whole body of a request or response. */
export function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** What relayBody does once it has copied `boundary` bytes. */
export interface BoundaryControl {
  /** Copies the rest of the body, then calls onEnd. */
  resume(): void;
  /** Reads and drops the rest of the upstream body without calling onEnd. */
  discard(): void;
}

export interface RelayHooks {
  /** Bytes to copy before atBoundary runs. */
  boundary: number;
  /** Runs once the first boundary bytes are flushed to the client socket. */
  atBoundary(control: BoundaryControl): void;
  /** Runs when the upstream body ended and all of it was copied, including when it is shorter than boundary. */
  onEnd(): void;
}

/**
 * Copies the upstream body to res, and pauses after hooks.boundary bytes for
 * hooks.atBoundary. The response head must already be set with writeHead.
 * Honours backpressure from the client socket.
 */
export function relayBody(upstream: IncomingMessage, res: ServerResponse, hooks: RelayHooks): void {
  let copied = 0;
  let boundaryPending = true;
  let waitingAtBoundary = false;
  let ended = false;
  let discarded = false;
  // Reasons the upstream is paused: a full client socket, or the boundary.
  let pauseReasons = 0;

  const hold = (): void => {
    pauseReasons += 1;
    upstream.pause();
  };
  const release = (): void => {
    pauseReasons -= 1;
    if (pauseReasons === 0) upstream.resume();
  };
  const write = (chunk: Buffer): void => {
    if (chunk.length === 0 || res.destroyed) return;
    if (!res.write(chunk)) {
      hold();
      res.once('drain', release);
    }
  };
  const control = (rest: Buffer): BoundaryControl => ({
    resume: () => {
      waitingAtBoundary = false;
      write(rest);
      release();
      if (ended) hooks.onEnd();
    },
    discard: () => {
      discarded = true;
      upstream.off('data', onData);
      upstream.resume();
    },
  });

  const onData = (chunk: Buffer): void => {
    if (!boundaryPending || copied + chunk.length < hooks.boundary) {
      copied += chunk.length;
      write(chunk);
      return;
    }

    const split = hooks.boundary - copied;
    boundaryPending = false;
    waitingAtBoundary = true;
    copied += chunk.length;
    hold();
    res.write(chunk.subarray(0, split), () => hooks.atBoundary(control(chunk.subarray(split))));
  };

  // A paused stream still emits 'end' once its last chunk was read, so the
  // end waits here while the copy is stopped at the boundary.
  upstream.on('end', () => {
    ended = true;
    if (!waitingAtBoundary && !discarded) hooks.onEnd();
  });

  if (hooks.boundary > 0) {
    upstream.on('data', onData);
    return;
  }

  // With a boundary of 0 the head alone goes out before atBoundary.
  boundaryPending = false;
  waitingAtBoundary = true;
  hold();
  upstream.on('data', onData);
  res.flushHeaders();
  setImmediate(() => hooks.atBoundary(control(Buffer.alloc(0))));
}
