// A baseline captured from one host's stored state, for a person to review
// and commit. It lists every ruleset as the host has it and reports any
// ruleset the host gains later.
import type { AllowedHostsPolicy, Baseline, RulesetExpectation } from '../model/baseline.js';
import type { FirewallState, Ruleset } from '../model/firewall.js';
import { ESXI_MANAGED_RULESETS, MANAGEMENT_RULESETS } from './known-rulesets.js';

export interface CaptureSource {
  id: string;
  vcenter: string;
  cluster: string | null;
  host: string;
  state: FirewallState;
  /** When the state was last seen, for the description. */
  seenAt: string;
  approvedBy: string;
  ticket: string;
  now: Date;
}

export function captureBaseline(source: CaptureSource): Baseline {
  const rulesets: Record<string, RulesetExpectation> = {};
  for (const ruleset of source.state.rulesets) {
    rulesets[ruleset.key] = expectationOf(ruleset);
  }
  const scope = source.cluster ? { vcenters: [source.vcenter], clusters: [source.cluster] } : { vcenters: [source.vcenter], hosts: [source.host] };
  const where = source.cluster ? `cluster ${source.cluster}` : `standalone host ${source.host}`;
  return {
    id: source.id,
    version: 1,
    description: `Captured from host ${source.host} (vCenter ${source.vcenter}) as last seen at ${source.seenAt}, for ${where}.`,
    approval: { by: source.approvedBy, at: source.now.toISOString().slice(0, 10), ticket: source.ticket },
    scope,
    defaultPolicy: { ...source.state.defaultPolicy },
    rulesetDefaults: {},
    unlistedRulesets: 'report',
    rulesets,
  };
}

function expectationOf(ruleset: Ruleset): RulesetExpectation {
  const expectation: RulesetExpectation = { enabled: ruleset.enabled };
  if (MANAGEMENT_RULESETS.has(ruleset.key)) {
    expectation.management = true;
  }
  if (ESXI_MANAGED_RULESETS.has(ruleset.key)) {
    expectation.managedByEsxi = true;
  }
  const policy = allowedHostsOf(ruleset);
  if (policy) {
    expectation.allowedHosts = policy;
  }
  return expectation;
}

/** Returns the host's list as an exact policy. A list that admits all addresses becomes `any`, because a capture approves the current state. */
function allowedHostsOf(ruleset: Ruleset): AllowedHostsPolicy | null {
  const allowed = ruleset.allowedHosts;
  if (!allowed) {
    return null;
  }
  if (allowed.allIp) {
    return { mode: 'any' };
  }
  return {
    mode: 'exact',
    ipAddress: [...allowed.ipAddress],
    ipNetwork: allowed.ipNetwork.map((net) => `${net.network}/${net.prefixLength}`),
  };
}

/**
 * Lists the enabled management rulesets of a captured baseline that admit
 * every address. The capture approves them as they are, which a reviewer
 * should see before signing: the hardening guides restrict them.
 */
export function approvedOpenManagement(baseline: Baseline): string[] {
  return Object.entries(baseline.rulesets)
    .filter(([, expectation]) => expectation.management === true && expectation.enabled === true && expectation.allowedHosts?.mode === 'any')
    .map(([key]) => key);
}

/** Turns a cluster or host name into a valid baseline id. */
export function captureId(name: string): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 55);
  return `captured-${slug || 'host'}`;
}
