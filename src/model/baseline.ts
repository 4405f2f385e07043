// An approved firewall baseline as loaded from a reviewed JSON file under
// baselines/. The JSON Schema in schemas/baseline.schema.json is the
// authority on the file format; these types mirror it after defaults apply.

/**
 * Expected `enabled` value of a ruleset. `keep` means "once seen enabled,
 * it must stay enabled": the starter baseline uses it for management
 * rulesets that some sites never turn on.
 */
export type EnabledExpectation = boolean | 'keep';

/** What the allowed-hosts list of an enabled ruleset may contain. */
export type AllowedHostsPolicy =
  /** No constraint. */
  | { mode: 'any' }
  /** `allIp` must be false; any explicit list is accepted. */
  | { mode: 'restricted' }
  /** `allIp` false, and every address and network lies inside one of `networks`. */
  | { mode: 'within'; networks: string[] }
  /** `allIp` false, and the lists equal these entries (CIDR strings for networks). */
  | { mode: 'exact'; ipAddress: string[]; ipNetwork: string[] };

export interface RulesetExpectation {
  enabled?: EnabledExpectation;
  /** Blinds or exposes the management plane when changed: raises the severity. */
  management?: boolean;
  /** ESXi changes this ruleset by itself (NFS, CIM, services): its drift is informational. */
  managedByEsxi?: boolean;
  allowedHosts?: AllowedHostsPolicy;
}

export interface BaselineApproval {
  by: string;
  /** ISO 8601 date or date-time of the approval. */
  at: string;
  ticket: string;
}

/** Which hosts a baseline judges; an empty scope matches every host. */
export interface BaselineScope {
  vcenters?: string[];
  clusters?: string[];
  /** Host name patterns; `*` matches any run of characters, `?` one character. */
  hosts?: string[];
}

export interface Baseline {
  id: string;
  version: number;
  description: string;
  approval: BaselineApproval;
  scope: BaselineScope;
  defaultPolicy: { incomingBlocked?: boolean; outgoingBlocked?: boolean };
  /** Applied to every enabled ruleset whose own entry sets no allowedHosts policy. */
  rulesetDefaults: { allowedHosts?: AllowedHostsPolicy };
  /** `report` raises ruleset-added for keys the baseline does not list. */
  unlistedRulesets: 'ignore' | 'report';
  rulesets: Record<string, RulesetExpectation>;
}

/** A baseline together with where it came from and its content hash. */
export interface LoadedBaseline {
  baseline: Baseline;
  file: string;
  /** SHA-256 of the file's canonical JSON, hex. */
  hash: string;
}
