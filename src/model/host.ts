import type { FirewallState } from './firewall.js';

/** A host's normalized firewall state with its canonical JSON and the SHA-256 of that JSON. */
export interface Snapshot {
  readonly state: FirewallState;
  readonly body: string;
  readonly hash: string;
}

/** HostSystemConnectionState values as vCenter reports them. */
export type ConnectionState = 'connected' | 'disconnected' | 'notResponding';

/** Reason a host's firewall could not be judged in a poll. */
export type NotCheckedReason =
  | 'disconnected'
  | 'not-responding'
  | 'no-firewall'
  | 'no-permission'
  | 'no-rulesets'
  | 'no-baseline'
  | 'baseline-conflict';

/** Inventory facts about one host, read in the same pass as its firewall. */
export interface HostIdentity {
  /** Managed object id, for example `host-42`; stable for the life of the host in its vCenter. */
  moid: string;
  name: string;
  /** Cluster name, or null for a standalone host. */
  cluster: string | null;
  connectionState: ConnectionState | string;
  inMaintenanceMode: boolean;
  productVersion: string | null;
  apiVersion: string | null;
}

/** The firewall's on/off state from `esxcli network firewall get`, or why it is unknown. */
export type ServiceProbe =
  | { status: 'ok'; enabled: boolean; defaultAction: string; loaded: boolean }
  | { status: 'unknown'; error: string };

/** Observation of one host in one poll. */
export interface HostObservation extends HostIdentity {
  /** Null when the host's firewall could not be read; `notChecked` then gives the reason. */
  snapshot: Snapshot | null;
  /** Set when the host cannot be judged in this poll, even if a snapshot was read. */
  notChecked?: { reason: NotCheckedReason; detail: string };
  /** Absent when no probe ran (probes off, or the host was not judged). */
  firewallService?: ServiceProbe;
}
