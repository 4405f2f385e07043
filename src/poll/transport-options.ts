import { readFile } from 'node:fs/promises';
import type { VcenterConfig } from '../config/config-types.js';
import type { Logger } from '../model/logger.js';
import type { TlsOptions } from '../vsphere/agent.js';
import type { TransportOptions } from '../vsphere/transport.js';
import { DEFAULT_LIMITS } from '../vsphere/xml/decoder.js';

const MIB = 1024 * 1024;

/** Builds the transport settings of one vCenter from its config; retries are logged as warnings. */
export async function transportOptions(vcenter: VcenterConfig, logger: Logger): Promise<TransportOptions> {
  return {
    url: vcenter.url,
    name: vcenter.name,
    timeoutMs: vcenter.timeoutSeconds * 1000,
    connectTimeoutMs: vcenter.connectTimeoutSeconds * 1000,
    tls: await tlsOptions(vcenter),
    limits: { ...DEFAULT_LIMITS, maxBytes: vcenter.maxResponseMegabytes * MIB },
    onRetry: ({ method, attempt, delayMs, error }) => {
      logger.warn('retrying a failed vCenter call', { method, attempt, delayMs, error: error.message });
    },
  };
}

async function tlsOptions(vcenter: VcenterConfig): Promise<TlsOptions> {
  const options: TlsOptions = { insecure: vcenter.tls.insecure };
  if (vcenter.tls.caFile) {
    options.ca = await readFile(vcenter.tls.caFile);
  }
  if (vcenter.tls.thumbprintSha256) {
    options.thumbprintSha256 = vcenter.tls.thumbprintSha256;
  }
  return options;
}
