import type { StoredAttribution } from './attribution.js';

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type RuleId =
  | 'firewall-disabled'
  | 'default-policy-open'
  | 'management-ruleset-disabled'
  | 'management-ruleset-allow-all'
  | 'allowed-ips-outside-baseline'
  | 'allowed-ips-missing'
  | 'allowed-hosts-unknown'
  | 'ruleset-enabled-unexpectedly'
  | 'ruleset-disabled-unexpectedly'
  | 'ruleset-added'
  | 'ruleset-removed'
  | 'broad-change'
  | 'change-between-polls'
  | 'host-not-checked'
  | 'vcenter-unreachable'
  | 'vcenter-permission-missing';

/** The baseline version that judged a finding. */
export interface BaselineRef {
  id: string;
  version: number;
  hash: string;
}

/** One rule violated by one host (and ruleset, where it applies), as evaluated in one poll. */
export interface Finding {
  /** Hash over rule, vCenter, host moid and ruleset: the finding's identity across polls. */
  fingerprint: string;
  rule: RuleId;
  severity: Severity;
  vcenter: string;
  host: string | null;
  hostMoid: string | null;
  cluster: string | null;
  ruleset: string | null;
  expected: unknown;
  actual: unknown;
  message: string;
  baseline: BaselineRef | null;
}

export type FindingStatus = 'open' | 'resolved';

/** The reason an open finding is not notified: planned work, maintenance mode or an accepted risk. */
export interface FindingHold {
  kind: 'window' | 'maintenance' | 'exception';
  /** Window id, host moid, or exception id. */
  ref: string;
}

/** A finding as the store keeps it, with its lifecycle. */
export interface StoredFinding extends Finding {
  id: number;
  status: FindingStatus;
  firstSeen: string;
  lastSeen: string;
  resolvedAt: string | null;
  resolution: string | null;
  /** Null when no hold applies. An `exception` hold shows the finding as accepted. */
  hold: FindingHold | null;
  /** Change ticket of the window the finding opened in, kept after the window ends. */
  windowTicket: string | null;
  notifiedAt: string | null;
  /** The account that made the change behind the finding, from vCenter events, when known. */
  attribution: StoredAttribution | null;
}

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}
