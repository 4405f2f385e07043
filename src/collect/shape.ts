// Shaping of property-collector results into host observations. Pure: no
// I/O, so parser fixtures can drive it directly.
import type { HostObservation, NotCheckedReason } from '../model/host.js';
import type { HostFirewallInfoValue, ManagedObjectReference, MissingProperty, ObjectContent } from '../vsphere/types.js';
import { snapshotOf } from './normalize.js';

/** HostSystem property paths vdrift reads; nothing else is requested. */
export const HOST_PATHS = [
  'name',
  'parent',
  'runtime.connectionState',
  'runtime.inMaintenanceMode',
  'config.product.version',
  'config.product.apiVersion',
  'config.firewall',
] as const;

/** ComputeResource paths, read to name each host's cluster. */
export const PARENT_PATHS = ['name'] as const;

export interface ParentInfo {
  type: string;
  name: string;
}

/** A host observation before its parent's name is known. */
export interface PendingHost {
  observation: HostObservation;
  parent: ManagedObjectReference | null;
}

export function propertyMap(content: ObjectContent): Map<string, unknown> {
  const map = new Map<string, unknown>();
  for (const prop of content.propSet ?? []) {
    map.set(prop.name, prop.val);
  }
  return map;
}

/** Returns the fault type of a missing property, for example NoPermission or NotAuthenticated. */
export function missingFault(content: ObjectContent, path: string): string | null {
  const entry = (content.missingSet ?? []).find((missing: MissingProperty) => missing.path === path);
  if (!entry) {
    return null;
  }
  return entry.fault?.fault?.$type ?? 'unknown fault';
}

export function shapeHost(content: ObjectContent): PendingHost {
  const props = propertyMap(content);
  const connectionState = stringOr(props.get('runtime.connectionState'), 'unknown');
  const firewall = props.get('config.firewall') as HostFirewallInfoValue | undefined;
  const observation: HostObservation = {
    moid: detached(content.obj.value),
    name: detached(stringOr(props.get('name'), content.obj.value)),
    cluster: null,
    connectionState: detached(connectionState),
    inMaintenanceMode: props.get('runtime.inMaintenanceMode') === true,
    productVersion: detachedOrNull(stringOr(props.get('config.product.version'), null)),
    apiVersion: detachedOrNull(stringOr(props.get('config.product.apiVersion'), null)),
    snapshot: null,
  };

  const reason = notCheckedReason(connectionState, firewall, missingFault(content, 'config.firewall'));
  if (reason) {
    observation.notChecked = reason;
  }
  if (firewall && connectionState === 'connected') {
    observation.snapshot = snapshotOf(firewall);
  }
  const parent = props.get('parent') as ManagedObjectReference | undefined;
  return { observation, parent: parent ? { type: detached(parent.type), value: detached(parent.value) } : null };
}

/**
 * Returns a copy of a string decoded from a response. V8 may represent a
 * substring as a slice that keeps its whole source text alive, which would
 * keep every host's XML in memory for as long as its observation lives.
 */
export function detached(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

function detachedOrNull(text: string | null): string | null {
  return text === null ? null : detached(text);
}

function notCheckedReason(
  connectionState: string,
  firewall: HostFirewallInfoValue | undefined,
  fault: string | null,
): { reason: NotCheckedReason; detail: string } | null {
  if (connectionState === 'disconnected') {
    return { reason: 'disconnected', detail: 'vCenter reports the host disconnected; its configuration may be stale' };
  }
  if (connectionState === 'notResponding') {
    return { reason: 'not-responding', detail: 'vCenter reports the host not responding; its configuration may be stale' };
  }
  if (connectionState !== 'connected') {
    return { reason: 'not-responding', detail: `vCenter reports connection state ${JSON.stringify(connectionState)}` };
  }
  if (fault === 'NoPermission') {
    return { reason: 'no-permission', detail: 'the vCenter account lacks permission to read config.firewall' };
  }
  if (!firewall) {
    const why = fault ? `vCenter returned ${fault} for config.firewall` : 'vCenter returned no config.firewall';
    return { reason: 'no-firewall', detail: why };
  }
  if ((firewall.ruleset ?? []).length === 0) {
    return { reason: 'no-rulesets', detail: 'the host reports a firewall with no rulesets, which cannot be judged' };
  }
  return null;
}

/** Fills in cluster names once every ComputeResource has been read. */
export function resolveParents(pending: PendingHost[], parents: Map<string, ParentInfo>): HostObservation[] {
  return pending.map(({ observation, parent }) => {
    const info = parent ? parents.get(parent.value) : undefined;
    if (info && info.type === 'ClusterComputeResource') {
      observation.cluster = info.name;
    }
    return observation;
  });
}

function stringOr<T>(value: unknown, fallback: T): string | T {
  return typeof value === 'string' ? value : fallback;
}
