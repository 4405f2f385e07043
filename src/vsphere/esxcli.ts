// esxcli over the vSphere API, the only way vCenter exposes whether a host's
// firewall is switched on: RetrieveManagedMethodExecuter on the host, then
// ExecuteSoap on ha-cli-handler-network-firewall. The response is an XML
// document inside a string, decoded with the same safe decoder.
import type { VimClient } from './client.js';
import { methodCall, text } from './envelope.js';
import { StreamingDecoder } from './xml/decoder.js';
import { object } from './xml/spec.js';
import type { ManagedObjectReference } from './types.js';
import { VdriftError } from '../model/vdrift-error.js';

export interface FirewallServiceState {
  enabled: boolean;
  /** DROP or PASS. */
  defaultAction: string;
  loaded: boolean;
}

/** The esxcli command ran but reported a fault, or its response could not be read. */
export class EsxcliError extends VdriftError {}

const EXECUTE_RESULT = object({ response: 'string', fault: object({ faultMsg: 'string' }) });
const FIREWALL_GET = object({ obj: object({ DefaultAction: 'string', Enabled: 'boolean', Loaded: 'boolean' }) });

/** Finds the host's method executer in one attempt within `timeoutMs`, the probe's time budget rather than the vCenter's. */
export async function retrieveMethodExecuter(client: VimClient, host: ManagedObjectReference, timeoutMs: number): Promise<ManagedObjectReference> {
  return client.transport.callOnce<ManagedObjectReference>('RetrieveManagedMethodExecuter', methodCall('RetrieveManagedMethodExecuter', host), 'moref', timeoutMs);
}

/** Runs `esxcli network firewall get` on the host behind `executer`. */
export async function firewallGet(client: VimClient, executer: ManagedObjectReference, hostName: string, timeoutMs: number): Promise<FirewallServiceState> {
  const params = text('moid', 'ha-cli-handler-network-firewall') + text('version', 'urn:vim25/5.0') + text('method', 'vim.EsxCLI.network.firewall.get');
  const result = await client.transport.callOnce<{ response?: string; fault?: { faultMsg?: string } }>('ExecuteSoap', methodCall('ExecuteSoap', executer, params), EXECUTE_RESULT, timeoutMs);
  if (result?.fault || result?.response === undefined) {
    throw new EsxcliError(`esxcli network firewall get on ${hostName} failed: ${result?.fault?.faultMsg ?? 'no response'}`);
  }
  const decoder = new StreamingDecoder(FIREWALL_GET, undefined, { maxDepth: 8, maxBytes: 64 * 1024 });
  decoder.write(result.response);
  const obj = (decoder.end().obj ?? {}) as { DefaultAction?: string; Enabled?: boolean; Loaded?: boolean };
  if (obj.Enabled === undefined || obj.DefaultAction === undefined) {
    throw new EsxcliError(`esxcli network firewall get on ${hostName} returned no Enabled or DefaultAction field`);
  }
  return { enabled: obj.Enabled, defaultAction: obj.DefaultAction, loaded: obj.Loaded ?? true };
}

