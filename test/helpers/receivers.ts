// Local receivers for the notification channel tests, all on 127.0.0.1 with
// a free port: an HTTP server that records requests and sends configured
// responses, and syslog listeners for UDP datagrams and octet-counted TCP
// frames.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { EventEmitter, once } from 'node:events';
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';

const LOOPBACK = '127.0.0.1';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as received. */
  body: Buffer;
}

export interface ReplySpec {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Delay before the response, in milliseconds. */
  delayMs?: number;
}

/** An HTTP server that records every request and responds from a queue, then with a default response. */
export class HttpReceiver {
  readonly requests: RecordedRequest[] = [];
  private readonly queued: ReplySpec[] = [];
  private fallback: ReplySpec = { status: 200, body: 'ok' };

  private constructor(private readonly server: HttpServer) {}

  static async start(): Promise<HttpReceiver> {
    let receiver: HttpReceiver | undefined;
    const server = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        receiver!.requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
        const spec = receiver!.queued.shift() ?? receiver!.fallback;
        const respond = (): void => {
          res.writeHead(spec.status ?? 200, spec.headers ?? {});
          res.end(spec.body ?? '');
        };
        if (spec.delayMs) {
          setTimeout(respond, spec.delayMs);
        } else {
          respond();
        }
      });
    });
    receiver = new HttpReceiver(server);
    server.listen(0, LOOPBACK);
    await once(server, 'listening');
    return receiver;
  }

  /** Returns the receiver's URL for path, which should start with "/". */
  url(path = '/'): string {
    return `http://${LOOPBACK}:${(this.server.address() as AddressInfo).port}${path}`;
  }

  /** Sets the response to every request that finds the queue empty. */
  replyWith(spec: ReplySpec): void {
    this.fallback = spec;
  }

  /** Queues responses for the next requests, in order. */
  queue(...specs: ReplySpec[]): void {
    this.queued.push(...specs);
  }

  /** Returns the body of request index parsed as JSON, failing when there is no such request. */
  json(index = 0): unknown {
    const request = this.requests[index];
    if (!request) {
      throw new Error(`the receiver got ${this.requests.length} requests, none at index ${index}`);
    }
    return JSON.parse(request.body.toString('utf8'));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Base of the syslog listeners: the messages received and a wait for a number of them. */
abstract class SyslogListener {
  readonly messages: Buffer[] = [];
  private readonly events = new EventEmitter();

  abstract get port(): number;

  protected record(message: Buffer): void {
    this.messages.push(message);
    this.events.emit('message');
  }

  /** Waits until count messages have arrived, failing after timeoutMs. */
  async waitFor(count: number, timeoutMs = 5000): Promise<Buffer[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`expected ${count} syslog messages, got ${this.messages.length} within ${timeoutMs} ms`);
      }
      await Promise.race([once(this.events, 'message'), new Promise((resolve) => setTimeout(resolve, left))]);
    }
    return this.messages.slice(0, count);
  }
}

/** A UDP listener that keeps each datagram as one message. */
export class UdpSyslogListener extends SyslogListener {
  private constructor(private readonly socket: UdpSocket) {
    super();
  }

  static async start(): Promise<UdpSyslogListener> {
    const socket = createSocket('udp4');
    const listener = new UdpSyslogListener(socket);
    socket.on('message', (datagram) => listener.record(datagram));
    socket.bind(0, LOOPBACK);
    await once(socket, 'listening');
    return listener;
  }

  get port(): number {
    return this.socket.address().port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}

/** A TCP listener that splits the stream into RFC 6587 octet-counted frames and records framing errors. */
export class TcpSyslogListener extends SyslogListener {
  readonly framingErrors: string[] = [];
  connections = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: TcpServer) {
    super();
  }

  static async start(): Promise<TcpSyslogListener> {
    let listener: TcpSyslogListener | undefined;
    const server = createTcpServer((socket) => listener!.accept(socket));
    listener = new TcpSyslogListener(server);
    server.listen(0, LOOPBACK);
    await once(server, 'listening');
    return listener;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  private accept(socket: Socket): void {
    this.connections += 1;
    this.sockets.add(socket);
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = this.readFrames(Buffer.concat([pending, chunk]));
    });
    socket.on('end', () => {
      if (pending.length > 0) {
        this.framingErrors.push(`${pending.length} bytes left after the last complete frame`);
      }
      socket.end();
    });
    socket.on('close', () => this.sockets.delete(socket));
  }

  /** Records every complete frame in data and returns the incomplete rest. */
  private readFrames(data: Buffer): Buffer {
    let rest = data;
    for (;;) {
      const space = rest.indexOf(0x20);
      if (space < 0) {
        return rest;
      }
      const lengthText = rest.subarray(0, space).toString('ascii');
      if (!/^[1-9]\d*$/.test(lengthText)) {
        this.framingErrors.push(`invalid MSG-LEN ${JSON.stringify(lengthText)}`);
        return Buffer.alloc(0);
      }
      const end = space + 1 + Number(lengthText);
      if (rest.length < end) {
        return rest;
      }
      this.record(rest.subarray(space + 1, end));
      rest = rest.subarray(end);
    }
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Returns a loopback port with nothing listening on it, so that connecting is refused. */
export async function closedPort(): Promise<number> {
  const server = createTcpServer();
  server.listen(0, LOOPBACK);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
