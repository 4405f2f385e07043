// A fault-injection HTTP proxy for tests. Placed between a vSphere client and
// the simulator (or any loopback server), it forwards every request and
// breaks the calls that a rule matches. It reads each request body whole to
// find the SOAP method, and streams responses unless an action rewrites them.
//
//   const proxy = await startFaultProxy(sim.url);
//   proxy.addRule({ method: 'RetrievePropertiesEx', nth: 2, action: { kind: 'fault', faultName: 'NotAuthenticated' } });
//   ... point the client at proxy.url ...
//   await proxy.stop();
import { Agent as HttpAgent, createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { pipeline } from 'node:stream';
import { endToEndHeaders, parseUpstream, readBody, relayBody, sendUpstream, type Upstream } from './fault-proxy/relay.js';
import { RuleBook, type FaultAction, type FaultRule } from './fault-proxy/rules.js';
import {
  emptyResultEnvelope,
  htmlErrorPage,
  replacePropSetsWithNotAuthenticated,
  soapFaultEnvelope,
  soapMethodOf,
} from './fault-proxy/soap-bodies.js';

export { hostileBodies } from './fault-proxy/hostile-bodies.js';
export type { FaultAction, FaultActionKind, FaultRule } from './fault-proxy/rules.js';

export interface FaultProxyOptions {
  /** PEM certificates to trust for an https upstream, in place of the system CAs. */
  ca?: string;
}

/** One request that reached the proxy, logged when its body was read. */
export interface ProxyCall {
  /** SOAP method from the first child of the SOAP Body, or "" when the request has none. */
  method: string;
  /** HTTP status sent to the client, or 0 while none is sent or when the client left first. */
  status: number;
  /** Whether a rule fired on this call. */
  faulted: boolean;
  /** Id of the rule that fired. */
  ruleId?: string;
  /** Reason the proxy itself sent HTTP 502, or closed the connection after the head: the upstream request or the action failed. */
  error?: string;
}

export interface FaultProxy {
  /** The proxy's SOAP URL: http://127.0.0.1:PORT with the path of the upstream URL. */
  readonly url: string;
  /** Copies of the logged calls, in the order their request bodies arrived. */
  readonly calls: ProxyCall[];
  /** Client connections accepted since start, which stays low while clients reuse keep-alive connections. */
  readonly connectionCount: number;
  /** Counts logged calls of SOAP method. */
  count(method: string): number;
  /** Empties the call log. Rule counters keep running. */
  clearCalls(): void;
  /** Validates rule and adds it after the existing rules. Returns its id. Throws on an invalid rule. */
  addRule(rule: FaultRule): string;
  /** Removes a rule. Returns false when no rule has this id. */
  removeRule(id: string): boolean;
  clearRules(): void;
  /** Closes the server and every open client and upstream socket. Calling it again does nothing. */
  stop(): Promise<void>;
}

/**
 * Starts a proxy on a free port of 127.0.0.1 that forwards to upstream, a
 * base URL such as the simulator's http://127.0.0.1:PORT/sdk. Throws when
 * upstream is not an http or https URL on a loopback host.
 */
export async function startFaultProxy(upstream: string, options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const proxy = new FaultProxyServer(parseUpstream(upstream), options.ca);
  await proxy.listen();
  return proxy;
}

/** One request, its response and its log entry. */
interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  body: Buffer;
  entry: ProxyCall;
}

class FaultProxyServer implements FaultProxy {
  url = '';
  private readonly server: Server;
  private readonly upstream: Upstream;
  private readonly rules = new RuleBook();
  private readonly log: ProxyCall[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private accepted = 0;
  private stopping: Promise<void> | undefined;

  constructor(upstreamUrl: URL, ca: string | undefined) {
    const agent = upstreamUrl.protocol === 'https:' ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
    this.upstream = { url: upstreamUrl, agent, ca };

    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket: Socket) => {
      this.accepted += 1;
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', reject);
        const { port } = this.server.address() as AddressInfo;
        this.url = `http://127.0.0.1:${port}${this.upstream.url.pathname}`;
        resolve();
      });
    });
  }

  get calls(): ProxyCall[] {
    return this.log.map((entry) => ({ ...entry }));
  }

  get connectionCount(): number {
    return this.accepted;
  }

  count(method: string): number {
    return this.log.filter((entry) => entry.method === method).length;
  }

  clearCalls(): void {
    this.log.length = 0;
  }

  addRule(rule: FaultRule): string {
    return this.rules.add(rule);
  }

  removeRule(id: string): boolean {
    return this.rules.remove(id);
  }

  clearRules(): void {
    this.rules.clear();
  }

  stop(): Promise<void> {
    this.stopping ??= new Promise((resolve) => {
      for (const timer of this.timers) clearTimeout(timer);
      this.timers.clear();
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
      this.upstream.agent.destroy();
    });
    return this.stopping;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A write after the client left fails with an error that is ignored,
    // because the client has already seen the broken connection.
    res.on('error', () => {});

    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      res.destroy();
      return;
    }

    const method = soapMethodOf(body.toString('utf8'));
    const fired = this.rules.match(method);
    const entry: ProxyCall = { method, status: 0, faulted: fired !== undefined };
    if (fired) entry.ruleId = fired.id;
    this.log.push(entry);

    const exchange = { req, res, body, entry };
    if (!req.url?.startsWith('/')) {
      this.respond(exchange, 400, { 'content-type': 'text/plain' }, `fault proxy: request target must be a path, got ${req.url}`);
      return;
    }
    try {
      this.apply(exchange, fired?.action);
    } catch (err) {
      // For example a header value of a 'status' rule that Node rejects.
      this.respondWithProxyError(exchange, `applying ${fired?.id ?? 'no rule'} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Responds to or forwards the exchange as action sets, or forwards it unchanged without an action. */
  private apply(exchange: Exchange, action: FaultAction | undefined): void {
    const { res, entry } = exchange;
    const xml = { 'content-type': 'text/xml; charset=utf-8' };

    switch (action?.kind) {
      case undefined:
        this.forward(exchange, false, (upstreamRes) => this.pipeResponse(exchange, upstreamRes));
        return;

      case 'delay':
        this.forward(exchange, false, (upstreamRes) => {
          this.later(action.ms, () => this.pipeResponse(exchange, upstreamRes));
        });
        return;

      case 'delayBody':
        this.forward(exchange, false, (upstreamRes) => {
          this.writeHead(exchange, upstreamRes.statusCode ?? 502, endToEndHeaders(upstreamRes.headers));
          relayBody(upstreamRes, res, {
            boundary: action.afterBytes,
            atBoundary: (control) => this.later(action.ms, () => control.resume()),
            onEnd: () => res.end(),
          });
        });
        return;

      case 'cut':
        this.forward(exchange, false, (upstreamRes) => {
          this.writeHead(exchange, upstreamRes.statusCode ?? 502, endToEndHeaders(upstreamRes.headers));
          const cut = (): void => {
            res.destroy();
            upstreamRes.destroy();
          };
          // NOTE: when the whole body fits in afterBytes and the upstream sent
          // Content-Length, the client may read a complete response before the cut.
          relayBody(upstreamRes, res, { boundary: action.afterBytes, atBoundary: cut, onEnd: cut });
        });
        return;

      case 'truncate':
        this.forward(exchange, false, (upstreamRes) => {
          const headers = endToEndHeaders(upstreamRes.headers, ['content-length']);
          this.writeHead(exchange, upstreamRes.statusCode ?? 502, headers);
          relayBody(upstreamRes, res, {
            boundary: action.bytes,
            atBoundary: (control) => {
              control.discard();
              res.end();
            },
            onEnd: () => res.end(),
          });
        });
        return;

      case 'html':
        this.respond(exchange, action.status, { 'content-type': 'text/html' }, htmlErrorPage(action.status));
        return;

      case 'status': {
        const body = action.body ?? '';
        const headers: OutgoingHttpHeaders = { ...action.headers };
        const named = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
        if (body !== '' && !named) headers['content-type'] = 'text/plain';
        this.respond(exchange, action.status, headers, body);
        return;
      }

      case 'body':
        this.respond(exchange, action.status ?? 200, { 'content-type': action.contentType ?? xml['content-type'] }, action.body);
        return;

      case 'fault':
        this.respond(exchange, 500, xml, soapFaultEnvelope(action.faultName, action.message ?? `injected ${action.faultName} fault`));
        return;

      case 'emptyResult':
        this.respond(exchange, 200, xml, emptyResultEnvelope(entry.method));
        return;

      case 'missingNotAuthenticated':
        this.forwardRewritten(exchange, replacePropSetsWithNotAuthenticated);
        return;

      case 'rewrite':
        this.forwardRewritten(exchange, action.transform);
        return;
    }
  }

  /**
   * Sends the exchange upstream and calls onResponse with the response head.
   * Responds with HTTP 502 when the upstream request fails before a response,
   * and destroys the client socket when it fails later.
   */
  private forward(exchange: Exchange, identity: boolean, onResponse: (upstreamRes: IncomingMessage) => void): void {
    const { res } = exchange;
    const upstreamReq = sendUpstream(this.upstream, exchange.req, exchange.body, identity);

    upstreamReq.on('response', (upstreamRes) => {
      upstreamRes.on('error', () => res.destroy());
      onResponse(upstreamRes);
    });
    upstreamReq.on('error', (err) => {
      // The request is destroyed on purpose when the client leaves.
      if (res.destroyed) return;
      this.respondWithProxyError(exchange, `request to ${this.upstream.url.origin} failed: ${err.message}`);
    });
    res.on('close', () => {
      if (!res.writableFinished) upstreamReq.destroy();
    });
  }

  /** Forwards the exchange, reads the whole response body, and sends transform(body) with a new Content-Length. */
  private forwardRewritten(exchange: Exchange, transform: (body: string) => string): void {
    this.forward(exchange, true, async (upstreamRes) => {
      let body: Buffer;
      try {
        body = await readBody(upstreamRes);
      } catch {
        exchange.res.destroy();
        return;
      }

      const encoding = upstreamRes.headers['content-encoding'];
      if (encoding !== undefined && encoding !== 'identity') {
        this.respondWithProxyError(exchange, `cannot rewrite a body with Content-Encoding ${encoding}`);
        return;
      }

      let rewritten: string;
      try {
        rewritten = transform(body.toString('utf8'));
      } catch (err) {
        this.respondWithProxyError(exchange, `rewrite transform failed: ${err instanceof Error ? err.message : String(err)}`);
        return;
      }

      const headers = endToEndHeaders(upstreamRes.headers, ['content-length']);
      this.respond(exchange, upstreamRes.statusCode ?? 502, headers, rewritten);
    });
  }

  /** Copies the upstream response head and body to the client unchanged. */
  private pipeResponse(exchange: Exchange, upstreamRes: IncomingMessage): void {
    this.writeHead(exchange, upstreamRes.statusCode ?? 502, endToEndHeaders(upstreamRes.headers), upstreamRes.statusMessage);
    pipeline(upstreamRes, exchange.res, () => {});
  }

  /** Sends a whole response with its Content-Length, in place of any that headers contain. */
  private respond(exchange: Exchange, status: number, headers: OutgoingHttpHeaders, body: string | Buffer): void {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const sized: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(headers)) {
      if (name.toLowerCase() !== 'content-length') sized[name] = value;
    }
    sized['content-length'] = String(bytes.length);

    this.writeHead(exchange, status, sized);
    exchange.res.end(bytes);
  }

  /** Records message as the call's error and sends it with HTTP 502, or destroys the client socket once a head is sent. */
  private respondWithProxyError(exchange: Exchange, message: string): void {
    exchange.entry.error = message;
    if (exchange.res.headersSent || exchange.res.destroyed) {
      exchange.res.destroy();
      return;
    }
    this.respond(exchange, 502, { 'content-type': 'text/plain' }, `fault proxy: ${message}`);
  }

  private writeHead(exchange: Exchange, status: number, headers: OutgoingHttpHeaders, statusMessage?: string): void {
    if (exchange.res.destroyed) return;
    exchange.entry.status = status;
    if (statusMessage === undefined) exchange.res.writeHead(status, headers);
    else exchange.res.writeHead(status, statusMessage, headers);
  }

  /** Runs callback after ms unless the proxy stops first. */
  private later(ms: number, callback: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      callback();
    }, ms);
    this.timers.add(timer);
  }
}
