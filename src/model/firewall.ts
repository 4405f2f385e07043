// Normalized ESXi host firewall state, shaped after vim25's HostFirewallInfo.
// Field names follow the vSphere API so that a reader can map them back to
// the API reference without a glossary.

/** One allowed network of a ruleset, as in HostFirewallRulesetIpNetwork. */
export interface IpNetwork {
  network: string;
  prefixLength: number;
}

/**
 * The allowed-hosts list of a ruleset. `allIp` true admits every address;
 * `allIp` false with both lists empty admits no one.
 */
export interface AllowedHosts {
  allIp: boolean;
  ipAddress: string[];
  ipNetwork: IpNetwork[];
}

export type RuleDirection = 'inbound' | 'outbound';

/** One port rule of a ruleset, as in HostFirewallRule. */
export interface FirewallRule {
  port: number;
  endPort?: number;
  direction: RuleDirection;
  portType?: 'src' | 'dst';
  protocol: string;
}

/** One ruleset, as in HostFirewallRuleset. */
export interface Ruleset {
  key: string;
  label: string;
  required: boolean;
  enabled: boolean;
  service?: string;
  rules: FirewallRule[];
  /** Absent when the host reports no allowedHosts element: exposure unknown. */
  allowedHosts?: AllowedHosts;
  /** Reported by API 8.0.2.0 and later; absent means unknown, never false. */
  userControllable?: boolean;
  /** Reported by API 8.0.2.0 and later; absent means unknown, never false. */
  ipListUserConfigurable?: boolean;
}

/** HostFirewallDefaultPolicy; a field the host leaves out is unknown. */
export interface DefaultPolicy {
  incomingBlocked?: boolean;
  outgoingBlocked?: boolean;
}

/** The firewall state of one host, normalized: the content of a snapshot. */
export interface FirewallState {
  defaultPolicy: DefaultPolicy;
  rulesets: Ruleset[];
}
