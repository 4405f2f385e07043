// The health and metrics listener of vdrift run: /healthz for load
// balancers and supervisors, /metrics for Prometheus.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { VdriftError } from '../model/vdrift-error.js';

export interface HealthSources {
  /** Returns the health body and whether the service is healthy. */
  health(): { healthy: boolean; body: unknown };
  metrics(): string;
}

/** The health listener could not bind, for example because the port is taken. */
export class ListenError extends VdriftError {}

export class HealthServer {
  private readonly server: http.Server;

  constructor(sources: HealthSources) {
    this.server = http.createServer((request, response) => {
      const path = (request.url ?? '/').split('?', 1)[0];
      if (request.method !== 'GET') {
        response.writeHead(405, { Allow: 'GET' }).end();
      } else if (path === '/healthz') {
        let health: { healthy: boolean; body: unknown };
        try {
          health = sources.health();
        } catch (err) {
          health = { healthy: false, body: { status: 'unhealthy', error: (err as Error).message } };
        }
        response.writeHead(health.healthy ? 200 : 503, { 'Content-Type': 'application/json' }).end(`${JSON.stringify(health.body, null, 2)}\n`);
      } else if (path === '/metrics') {
        response.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }).end(sources.metrics());
      } else {
        response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found: try /healthz or /metrics\n');
      }
    });
  }

  /** Listens and returns the bound address; port 0 picks a free port. */
  async listen(host: string, port: number): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error): void => reject(new ListenError(`cannot listen on ${host}:${port} for /healthz and /metrics: ${err.message}`));
      this.server.once('error', fail);
      this.server.listen(port, host, () => {
        this.server.off('error', fail);
        resolve();
      });
    });
    return this.server.address() as AddressInfo;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
