// HTTP agents for one vCenter: keep-alive, the TLS policy, and a limit on
// how long a connection (including the TLS handshake) may take to open.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';

export interface TlsOptions {
  /** PEM bundle of the CA that signed the vCenter certificate. */
  ca?: Buffer;
  /** Skip certificate verification; honoured only when written in the config. */
  insecure?: boolean;
  /** Expected SHA-256 fingerprint of the vCenter certificate, `AA:BB:…` uppercase. */
  thumbprintSha256?: string;
}

/** Creates a keep-alive agent that applies the TLS policy and the connect timeout to every connection. */
export function createAgent(protocol: string, options: TlsOptions, connectTimeoutMs: number): http.Agent | https.Agent {
  if (protocol !== 'https:') {
    return new TimedHttpAgent(connectTimeoutMs);
  }
  return new VcenterHttpsAgent(options, connectTimeoutMs);
}

class TimedHttpAgent extends http.Agent {
  constructor(private readonly connectTimeoutMs: number) {
    super({ keepAlive: true });
  }

  override createConnection(options: net.NetConnectOpts): Duplex {
    const socket = net.createConnection(options);
    return limitConnect(socket, 'connect', this.connectTimeoutMs);
  }
}

/**
 * With a pinned fingerprint it accepts exactly that certificate, whoever
 * signed it: vCenters often use certificates from their own VMCA, and a pin
 * is the stronger check. Node calls checkServerIdentity only after chain
 * verification succeeds, so the pin is checked on every new TLS connection
 * instead, and session resumption is off so that every connection presents
 * its certificate. Data is written only after this check passes.
 */
class VcenterHttpsAgent extends https.Agent {
  constructor(
    private readonly tlsOptions: TlsOptions,
    private readonly connectTimeoutMs: number,
  ) {
    const pinned = tlsOptions.thumbprintSha256 !== undefined;
    super({
      keepAlive: true,
      ...(tlsOptions.ca ? { ca: tlsOptions.ca } : {}),
      rejectUnauthorized: !tlsOptions.insecure && !pinned,
      ...(pinned ? { maxCachedSessions: 0 } : {}),
    });
  }

  override createConnection(options: tls.ConnectionOptions): Duplex {
    const pin = this.tlsOptions.thumbprintSha256;
    const socket = tls.connect(pin ? { ...options, rejectUnauthorized: false } : options);
    if (pin) {
      socket.once('secureConnect', () => {
        const presented = socket.getPeerCertificate().fingerprint256;
        if (presented !== pin) {
          socket.destroy(
            Object.assign(new Error(`certificate fingerprint mismatch: expected SHA-256 ${pin}, the server presented ${presented ?? 'no certificate'}`), {
              code: 'ERR_VDRIFT_PIN_MISMATCH',
            }),
          );
        }
      });
    }
    return limitConnect(socket, 'secureConnect', this.connectTimeoutMs);
  }
}

/** Destroys the socket with an ETIMEDOUT error if `event` does not come within `ms`. */
function limitConnect<T extends net.Socket>(socket: T, event: 'connect' | 'secureConnect', ms: number): T {
  const timer = setTimeout(() => {
    socket.destroy(Object.assign(new Error(`connecting took longer than ${ms} ms`), { code: 'ETIMEDOUT' }));
  }, ms);
  timer.unref();
  const clear = (): void => clearTimeout(timer);
  socket.once(event, clear);
  socket.once('close', clear);
  return socket;
}
