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
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the esxcli firewall probe of ${host.name} timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
  });
  try {
    const state = await Promise.race([run(client, host, options.executers), timeout]);
    return { status: 'ok', ...state };
  } catch (err) {
    options.executers.delete(host.moid);
    return { status: 'unknown', error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

async function run(client: VimClient, host: HostObservation, executers: Map<string, ManagedObjectReference>) {
  let executer = executers.get(host.moid);
  if (!executer) {
    executer = await retrieveMethodExecuter(client, { type: 'HostSystem', value: host.moid });
    executers.set(host.moid, executer);
  }
  return firewallGet(client, executer, host.name);
}
