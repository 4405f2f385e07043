// The rule catalogue: stable ids, default severities and one-line
// explanations. Severities here are what a rule raises before baseline
// flags (managedByEsxi) or escalations adjust them.
import type { RuleId, Severity } from '../model/finding.js';

export interface RuleInfo {
  id: RuleId;
  severity: Severity;
  explanation: string;
}

export const RULES: Record<RuleId, RuleInfo> = {
  'firewall-disabled': {
    id: 'firewall-disabled',
    severity: 'critical',
    explanation: 'The host firewall is switched off, so every ruleset and default policy is void.',
  },
  'default-policy-open': {
    id: 'default-policy-open',
    severity: 'critical',
    explanation: 'The default policy lets traffic through that no ruleset allows.',
  },
  'management-ruleset-disabled': {
    id: 'management-ruleset-disabled',
    severity: 'high',
    explanation: 'A management ruleset is disabled, which blinds vCenter, logging or monitoring.',
  },
  'management-ruleset-allow-all': {
    id: 'management-ruleset-allow-all',
    severity: 'high',
    explanation: 'A management ruleset accepts connections from every address.',
  },
  'allowed-ips-outside-baseline': {
    id: 'allowed-ips-outside-baseline',
    severity: 'medium',
    explanation: 'A ruleset allows an address or network outside the networks the baseline approves.',
  },
  'allowed-ips-missing': {
    id: 'allowed-ips-missing',
    severity: 'low',
    explanation: 'An address the baseline lists exactly is no longer allowed by the ruleset.',
  },
  'allowed-hosts-unknown': {
    id: 'allowed-hosts-unknown',
    severity: 'medium',
    explanation: 'An enabled ruleset reports no allowed-hosts list, so vdrift cannot tell which addresses may connect.',
  },
  'ruleset-enabled-unexpectedly': {
    id: 'ruleset-enabled-unexpectedly',
    severity: 'medium',
    explanation: 'A ruleset the baseline expects off is on.',
  },
  'ruleset-disabled-unexpectedly': {
    id: 'ruleset-disabled-unexpectedly',
    severity: 'low',
    explanation: 'A ruleset the baseline expects on is off.',
  },
  'ruleset-added': {
    id: 'ruleset-added',
    severity: 'low',
    explanation: 'The host has a ruleset the baseline does not list, for example from newly installed software.',
  },
  'ruleset-removed': {
    id: 'ruleset-removed',
    severity: 'low',
    explanation: 'A ruleset the baseline lists is missing from the host.',
  },
  'broad-change': {
    id: 'broad-change',
    severity: 'critical',
    explanation: 'Many rulesets on one host, or the same change on many hosts, changed within one poll interval.',
  },
  'change-between-polls': {
    id: 'change-between-polls',
    severity: 'high',
    explanation: 'vCenter events show a firewall change that no snapshot captured.',
  },
  'host-not-checked': {
    id: 'host-not-checked',
    severity: 'medium',
    explanation: 'The host could not be judged: disconnected, not responding, unreadable, or without a baseline.',
  },
  'vcenter-permission-missing': {
    id: 'vcenter-permission-missing',
    severity: 'high',
    explanation: "The vCenter account cannot read the firewall of many hosts, so they go unchecked.",
  },
  'vcenter-unreachable': {
    id: 'vcenter-unreachable',
    severity: 'high',
    explanation: 'A vCenter failed several polls in a row, so none of its hosts are being checked.',
  },
};
