import http from 'node:http';
import https from 'node:https';
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

/** Creates a keep-alive agent that applies the TLS policy to every connection. */
export function createAgent(protocol: string, options: TlsOptions): http.Agent | https.Agent {
  if (protocol !== 'https:') {
    return new http.Agent({ keepAlive: true });
  }
  if (options.thumbprintSha256) {
    return new PinningAgent(options.thumbprintSha256, options.ca);
  }
  return new https.Agent({
    keepAlive: true,
    ...(options.ca ? { ca: options.ca } : {}),
    rejectUnauthorized: !options.insecure,
  });
}

/**
 * Accepts exactly one certificate, by its SHA-256 fingerprint, whoever
 * signed it: vCenters often use certificates from their own VMCA, and a pin
 * is the stronger check. Node calls checkServerIdentity only after chain
 * verification succeeds, so the pin is checked on every new TLS connection
 * instead, and session resumption is off so that every connection presents
 * its certificate.
 */
class PinningAgent extends https.Agent {
  constructor(
    private readonly pin: string,
    ca: Buffer | undefined,
  ) {
    super({ keepAlive: true, rejectUnauthorized: false, maxCachedSessions: 0, ...(ca ? { ca } : {}) });
  }

  override createConnection(options: tls.ConnectionOptions): Duplex {
    const socket = tls.connect({ ...options, rejectUnauthorized: false });
    socket.once('secureConnect', () => {
      const presented = socket.getPeerCertificate().fingerprint256;
      if (presented !== this.pin) {
        socket.destroy(
          new Error(`certificate fingerprint mismatch: expected SHA-256 ${this.pin}, the server presented ${presented ?? 'no certificate'}`),
        );
      }
    });
    return socket;
  }
}
