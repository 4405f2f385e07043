// Differences between a host's firewall state and its baseline, and between
// two states of one host. Pure functions. baselineDifferences applies the
// same rules as evaluateHost in evaluate.ts and allowed-hosts.ts, but names
// where the state departs from the baseline (a path, the current value and
// the target value) rather than raising findings. A unit test keeps the two
// in step.
import type { AllowedHostsPolicy, Baseline, RulesetExpectation } from '../model/baseline.js';
import { canonicalJson } from '../model/canonical.js';
import type { RuleId, Severity } from '../model/finding.js';
import type { AllowedHosts, FirewallState, Ruleset } from '../model/firewall.js';
import { cidrContains, formatCidr, parseCidr, type Cidr } from '../model/ip.js';
import { describePolicy } from './allowed-hosts.js';
import { RULES } from './catalogue.js';

/** One place where a host's state departs from its baseline. */
export interface Difference {
  /** Dotted path into the firewall state, for example `rulesets.sshServer.allowedHosts.allIp`. */
  path: string;
  /** The value on the host, or null when the host does not report it. */
  current: unknown;
  /** The value or constraint the baseline requires. */
  target: unknown;
  /** The rule that raises a finding for this difference. */
  rule: RuleId;
  severity: Severity;
  /** The entries that break the target, for list constraints, or null. */
  detail: string | null;
}

export interface DifferenceContext {
  /** The host's state read before this one, as evaluateHost's `previous`. */
  previous: FirewallState | null;
  /** Whether a finding of this rule on this ruleset is open, as evaluateHost's `open`. */
  isOpen(rule: RuleId, ruleset: string): boolean;
  /** The firewall service as `esxcli network firewall get` reported it, or null when no probe succeeded. */
  firewallService?: FirewallService | null;
}

export interface FirewallService {
  enabled: boolean;
  /** `PASS` or `DROP`, for both directions at once. */
  defaultAction: string;
}

const NO_CONTEXT: DifferenceContext = { previous: null, isOpen: () => false };

/** Lists where `state` departs from `baseline`, sorted by path and rule. */
export function baselineDifferences(state: FirewallState, baseline: Baseline, context: DifferenceContext = NO_CONTEXT): Difference[] {
  const differences = [...serviceDifferences(context.firewallService ?? null), ...defaultPolicyDifferences(state, baseline, context.firewallService ?? null)];
  const present = new Set<string>();
  for (const ruleset of state.rulesets) {
    present.add(ruleset.key);
    differences.push(...rulesetDifferences(ruleset, baseline, context));
  }
  for (const key of Object.keys(baseline.rulesets)) {
    if (!present.has(key)) {
      differences.push(...missingRuleset(key, baseline, context));
    }
  }
  return differences.sort(byPathAndRule);
}

/** Names a switched-off firewall, which voids every ruleset. Only the esxcli probe reports it. */
function serviceDifferences(service: FirewallService | null): Difference[] {
  return service && !service.enabled ? [difference('firewall.enabled', false, true, 'firewall-disabled')] : [];
}

function defaultPolicyDifferences(state: FirewallState, baseline: Baseline, service: FirewallService | null): Difference[] {
  const expected = (['incomingBlocked', 'outgoingBlocked'] as const).filter((direction) => baseline.defaultPolicy[direction] === true);
  const directions = expected.filter((direction) => state.defaultPolicy[direction] !== true);
  // esxcli's one DefaultAction covers both directions, so PASS opens every
  // direction the baseline blocks, whatever defaultPolicy reports.
  const esxcliPasses = service !== null && service.defaultAction.toUpperCase() === 'PASS' && expected.length > 0;
  // One finding covers both directions: critical when one is passed, medium
  // when the host only leaves them unreported.
  const open = esxcliPasses || directions.some((direction) => state.defaultPolicy[direction] === false);
  const severity: Severity = open ? 'critical' : 'medium';
  const differences: Difference[] = directions.map((direction) => ({
    path: `defaultPolicy.${direction}`,
    current: state.defaultPolicy[direction] ?? null,
    target: true,
    rule: 'default-policy-open',
    severity,
    detail: null,
  }));
  if (esxcliPasses) {
    differences.push({ path: 'firewall.defaultAction', current: service.defaultAction, target: 'DROP', rule: 'default-policy-open', severity, detail: null });
  }
  return differences;
}

function rulesetDifferences(ruleset: Ruleset, baseline: Baseline, context: DifferenceContext): Difference[] {
  const expectation = baseline.rulesets[ruleset.key];
  if (!expectation && baseline.unlistedRulesets === 'report') {
    const added = difference(`rulesets.${ruleset.key}`, 'present', 'not listed', 'ruleset-added');
    return [added, ...allowedHostsDifferences(ruleset, {}, baseline)];
  }
  const own = expectation ?? {};
  const differences = [...enabledDifferences(ruleset, own, context), ...allowedHostsDifferences(ruleset, own, baseline)];
  return own.managedByEsxi ? differences.map(informational) : differences;
}

function enabledDifferences(ruleset: Ruleset, expectation: RulesetExpectation, context: DifferenceContext): Difference[] {
  const wanted = expectation.enabled;
  const path = `rulesets.${ruleset.key}.enabled`;
  if (wanted === false && ruleset.enabled) {
    return [difference(path, true, false, 'ruleset-enabled-unexpectedly')];
  }
  if (wanted !== true && wanted !== 'keep') {
    return [];
  }
  const rule = expectation.management ? 'management-ruleset-disabled' : 'ruleset-disabled-unexpectedly';
  if (ruleset.enabled || (wanted === 'keep' && !keptEnabled(ruleset.key, rule, context))) {
    return [];
  }
  return [difference(path, false, true, rule)];
}

/** `keep` requires a ruleset to stay enabled once it was seen enabled, as evaluateHost decides it. */
function keptEnabled(key: string, rule: RuleId, context: DifferenceContext): boolean {
  const before = context.previous?.rulesets.find((ruleset) => ruleset.key === key);
  return before?.enabled === true || context.isOpen(rule, key);
}

function allowedHostsDifferences(ruleset: Ruleset, expectation: RulesetExpectation, baseline: Baseline): Difference[] {
  if (!ruleset.enabled) {
    return [];
  }
  const fallback = ruleset.ipListUserConfigurable === false ? undefined : baseline.rulesetDefaults.allowedHosts;
  const policy = expectation.allowedHosts ?? fallback;
  if (!policy || policy.mode === 'any') {
    return [];
  }
  const base = `rulesets.${ruleset.key}.allowedHosts`;
  const allowed = ruleset.allowedHosts;
  if (!allowed) {
    return [difference(base, null, describePolicy(policy), 'allowed-hosts-unknown')];
  }
  if (allowed.allIp) {
    const rule = expectation.management === true ? 'management-ruleset-allow-all' : 'allowed-ips-outside-baseline';
    return [difference(`${base}.allIp`, true, false, rule)];
  }
  if (policy.mode === 'within') {
    return withinDifferences(base, allowed, policy.networks);
  }
  return policy.mode === 'exact' ? exactDifferences(base, allowed, policy) : [];
}

function withinDifferences(base: string, allowed: AllowedHosts, networks: string[]): Difference[] {
  const approved = networks.map((text) => parseCidr(text)).filter((cidr): cidr is Cidr => cidr !== null);
  const lists = { ipAddress: allowed.ipAddress, ipNetwork: allowed.ipNetwork.map((net) => `${net.network}/${net.prefixLength}`) };
  const differences: Difference[] = [];
  for (const [name, entries] of Object.entries(lists)) {
    const outside = entries.filter((entry) => !insideAny(entry, approved));
    if (outside.length > 0) {
      const found = difference(`${base}.${name}`, entries, { within: networks }, 'allowed-ips-outside-baseline');
      differences.push({ ...found, detail: `outside the approved networks: ${outside.join(', ')}` });
    }
  }
  return differences;
}

// An entry that does not parse counts as outside, as in allowed-hosts.ts.
function insideAny(entry: string, approved: Cidr[]): boolean {
  const cidr = parseCidr(entry);
  return cidr !== null && approved.some((outer) => cidrContains(outer, cidr));
}

type ExactPolicy = Extract<AllowedHostsPolicy, { mode: 'exact' }>;

/**
 * Compares the lists as allowed-hosts.ts does, as one set of canonical
 * entries, so `192.0.2.1` in ipAddress equals `192.0.2.1/32` in ipNetwork,
 * and names each list that has an extra entry or misses one.
 */
function exactDifferences(base: string, allowed: AllowedHosts, policy: ExactPolicy): Difference[] {
  const current = { ipAddress: allowed.ipAddress, ipNetwork: allowed.ipNetwork.map((net) => `${net.network}/${net.prefixLength}`) };
  const target = { ipAddress: policy.ipAddress, ipNetwork: policy.ipNetwork };
  const currentSet = new Set([...current.ipAddress, ...current.ipNetwork].map(canonicalEntry));
  const targetSet = new Set([...target.ipAddress, ...target.ipNetwork].map(canonicalEntry));
  const differences: Difference[] = [];
  for (const name of ['ipAddress', 'ipNetwork'] as const) {
    const extra = current[name].filter((entry) => !targetSet.has(canonicalEntry(entry)));
    const missing = target[name].filter((entry) => !currentSet.has(canonicalEntry(entry)));
    if (extra.length > 0) {
      const found = difference(`${base}.${name}`, current[name], target[name], 'allowed-ips-outside-baseline');
      differences.push({ ...found, detail: `not in the baseline: ${extra.join(', ')}` });
    }
    if (missing.length > 0) {
      const found = difference(`${base}.${name}`, current[name], target[name], 'allowed-ips-missing');
      differences.push({ ...found, detail: `missing: ${missing.join(', ')}` });
    }
  }
  return differences;
}

function canonicalEntry(text: string): string {
  const cidr = parseCidr(text);
  return cidr ? formatCidr(cidr) : text;
}

function missingRuleset(key: string, baseline: Baseline, context: DifferenceContext): Difference[] {
  const expectation = baseline.rulesets[key]!;
  const before = context.previous?.rulesets.some((ruleset) => ruleset.key === key) === true;
  const required = expectation.enabled === true || baseline.unlistedRulesets === 'report';
  if (!required && !before && !context.isOpen('ruleset-removed', key)) {
    return [];
  }
  const found = difference(`rulesets.${key}`, 'absent', 'present', 'ruleset-removed');
  return [expectation.managedByEsxi ? informational(found) : found];
}

function difference(path: string, current: unknown, target: unknown, rule: RuleId): Difference {
  return { path, current, target, rule, severity: RULES[rule].severity, detail: null };
}

/** Drift of a ruleset ESXi manages itself is informational, as in evaluate.ts. */
function informational(found: Difference): Difference {
  return { ...found, severity: 'info' };
}

function byPathAndRule(a: { path: string; rule?: string }, b: { path: string; rule?: string }): number {
  return compareText(a.path, b.path) || compareText(a.rule ?? '', b.rule ?? '');
}

/** Compares by UTF-16 code units, the same in every locale, so sorted output is reproducible. */
export function compareText(a: string, b: string): number {
  if (a === b) {
    return 0;
  }
  return a < b ? -1 : 1;
}

/** One value that changed between two states of a host. */
export interface StateChange {
  path: string;
  /** null when the value or ruleset is absent in that state. */
  before: unknown;
  after: unknown;
}

const RULESET_FIELDS = ['label', 'required', 'enabled', 'service', 'userControllable', 'ipListUserConfigurable'] as const;

/** Lists every value that differs between two firewall states, sorted by path. */
export function stateChanges(before: FirewallState, after: FirewallState): StateChange[] {
  const changes: StateChange[] = [];
  for (const direction of ['incomingBlocked', 'outgoingBlocked'] as const) {
    push(changes, `defaultPolicy.${direction}`, before.defaultPolicy[direction], after.defaultPolicy[direction]);
  }
  const old = new Map(before.rulesets.map((ruleset) => [ruleset.key, ruleset]));
  const now = new Map(after.rulesets.map((ruleset) => [ruleset.key, ruleset]));
  for (const key of [...new Set([...old.keys(), ...now.keys()])].sort(compareText)) {
    const a = old.get(key);
    const b = now.get(key);
    if (!a || !b) {
      push(changes, `rulesets.${key}`, a, b);
      continue;
    }
    for (const field of RULESET_FIELDS) {
      push(changes, `rulesets.${key}.${field}`, a[field], b[field]);
    }
    changes.push(...allowedHostsChanges(`rulesets.${key}.allowedHosts`, a.allowedHosts, b.allowedHosts));
    push(changes, `rulesets.${key}.rules`, a.rules, b.rules);
  }
  return changes.sort(byPathAndRule);
}

function allowedHostsChanges(path: string, a: AllowedHosts | undefined, b: AllowedHosts | undefined): StateChange[] {
  const changes: StateChange[] = [];
  if (!a || !b) {
    push(changes, path, a, b);
    return changes;
  }
  push(changes, `${path}.allIp`, a.allIp, b.allIp);
  push(changes, `${path}.ipAddress`, a.ipAddress, b.ipAddress);
  const networks = (list: AllowedHosts['ipNetwork']) => list.map((net) => `${net.network}/${net.prefixLength}`);
  push(changes, `${path}.ipNetwork`, networks(a.ipNetwork), networks(b.ipNetwork));
  return changes;
}

function push(changes: StateChange[], path: string, before: unknown, after: unknown): void {
  if (canonicalJson(before ?? null) !== canonicalJson(after ?? null)) {
    changes.push({ path, before: before ?? null, after: after ?? null });
  }
}
