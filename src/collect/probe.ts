// The esxcli firewall probe of every connected host, a few at a time. A
// probe that fails marks the host's firewall service state unknown; it
// never fails the poll or stops the host's rulesets from being judged.
import type { HostObservation, ServiceProbe } from '../model/host.js';
import type { VimClient } from '../vsphere/client.js';
import { firewallGet, retrieveMethodExecuter } from '../vsphere/esxcli.js';
import type { ManagedObjectReference } from '../vsphere/types.js';

export interface ProbeOptions {
  concurrency: number;
  timeoutMs: number;
  /** Method executers by host moid, kept across polls to save a round trip per host. */
  executers: Map<string, ManagedObjectReference>;
}

export async function probeHosts(client: VimClient, hosts: readonly HostObservation[], options: ProbeOptions): Promise<void> {
  const queue = hosts.filter((host) => host.connectionState === 'connected' && host.snapshot !== null);
  const worker = async (): Promise<void> => {
    for (let host = queue.shift(); host; host = queue.shift()) {
      host.firewallService = await probeHost(client, host, options);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, queue.length) }, worker));
}

async function probeHost(client: VimClient, host: HostObservation, options: ProbeOptions): Promise<ServiceProbe> {
  // The requests themselves time out, so none outlives the probe.
  const deadline = Date.now() + options.timeoutMs;
  const remaining = (): number => {
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new Error(`the esxcli firewall probe of ${host.name} timed out after ${options.timeoutMs} ms`);
    }
    return left;
  };
  try {
    let executer = options.executers.get(host.moid);
    if (!executer) {
      executer = await retrieveMethodExecuter(client, { type: 'HostSystem', value: host.moid }, remaining());
      options.executers.set(host.moid, executer);
    }
    return { status: 'ok', ...(await firewallGet(client, executer, host.name, remaining())) };
  } catch (err) {
    options.executers.delete(host.moid);
    return { status: 'unknown', error: (err as Error).message };
  }
}
