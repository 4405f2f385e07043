// Normalization of HostFirewallInfo into the snapshot form: rulesets sorted
// by key, rules sorted, addresses in canonical form, sorted and without
// duplicates. Objects are built with their keys in sorted order, so
// JSON.stringify of the result already is the canonical JSON that
// canonicalJson() would produce, without a second sorting pass.
import type { AllowedHosts, DefaultPolicy, FirewallRule, FirewallState, IpNetwork, RuleDirection, Ruleset } from '../model/firewall.js';
import { canonicalAddress, formatCidr, parseCidr } from '../model/ip.js';
import { sha256Hex } from '../model/canonical.js';
import type { Snapshot } from '../model/host.js';
import type { HostFirewallInfoValue, HostFirewallRuleValue, HostFirewallRulesetValue } from '../vsphere/types.js';

export function snapshotOf(info: HostFirewallInfoValue): Snapshot {
  const body = JSON.stringify(normalizeFirewall(info));
  const hash = sha256Hex(body);
  return new StoredSnapshot(sharedBody(hash, body), hash);
}

const SHARED_LIMIT = 1024;
const bodies = new Map<string, string>();

/**
 * Returns the first body seen with this hash, so that the hosts of a cluster,
 * which usually share one state, hold one string between them instead of one
 * copy each.
 */
function sharedBody(hash: string, body: string): string {
  const shared = bodies.get(hash);
  if (shared !== undefined) {
    return shared;
  }
  if (bodies.size >= SHARED_LIMIT) {
    bodies.delete(bodies.keys().next().value!);
  }
  bodies.set(hash, body);
  return body;
}

/**
 * A snapshot that keeps only its canonical JSON. The state object is parsed
 * again when evaluation asks for it, which happens only for hosts whose state
 * or baseline changed, so a large inventory holds strings, not object trees.
 */
class StoredSnapshot implements Snapshot {
  constructor(
    readonly body: string,
    readonly hash: string,
  ) {}

  get state(): FirewallState {
    return parsedState(this.hash, () => this.body);
  }
}

const PARSED_LIMIT = 256;
const parsed = new Map<string, FirewallState>();

/**
 * Parses a snapshot body, keeping the most recent distinct states: hosts
 * of one cluster usually share one state, so a poll parses each once. The
 * states are frozen because every host with that hash shares the object.
 */
export function parsedState(hash: string, body: () => string): FirewallState {
  let state = parsed.get(hash);
  if (state) {
    parsed.delete(hash);
  } else {
    state = deepFreeze(JSON.parse(body()) as FirewallState);
    if (parsed.size >= PARSED_LIMIT) {
      parsed.delete(parsed.keys().next().value!);
    }
  }
  parsed.set(hash, state);
  return state;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const member of Object.values(value)) {
      deepFreeze(member);
    }
    Object.freeze(value);
  }
  return value;
}

export function normalizeFirewall(info: HostFirewallInfoValue): FirewallState {
  const rulesets = (info.ruleset ?? []).map(normalizeRuleset);
  rulesets.sort((a, b) => compareText(a.key, b.key));
  return { defaultPolicy: normalizePolicy(info.defaultPolicy), rulesets };
}

function normalizePolicy(policy: HostFirewallInfoValue['defaultPolicy']): DefaultPolicy {
  const result: DefaultPolicy = {};
  if (policy?.incomingBlocked !== undefined) {
    result.incomingBlocked = policy.incomingBlocked;
  }
  if (policy?.outgoingBlocked !== undefined) {
    result.outgoingBlocked = policy.outgoingBlocked;
  }
  return result;
}

function normalizeRuleset(value: HostFirewallRulesetValue): Ruleset {
  const ruleset: Partial<Ruleset> = {};
  if (value.allowedHosts) {
    ruleset.allowedHosts = normalizeAllowedHosts(value.allowedHosts);
  }
  ruleset.enabled = value.enabled ?? false;
  if (value.ipListUserConfigurable !== undefined) {
    ruleset.ipListUserConfigurable = value.ipListUserConfigurable;
  }
  ruleset.key = value.key ?? '';
  ruleset.label = value.label ?? '';
  ruleset.required = value.required ?? false;
  ruleset.rules = normalizeRules(value.rule ?? []);
  if (value.service !== undefined && value.service !== '') {
    ruleset.service = value.service;
  }
  if (value.userControllable !== undefined) {
    ruleset.userControllable = value.userControllable;
  }
  return ruleset as Ruleset;
}

function normalizeAllowedHosts(value: NonNullable<HostFirewallRulesetValue['allowedHosts']>): AllowedHosts {
  return {
    allIp: value.allIp ?? false,
    ipAddress: uniqueSorted((value.ipAddress ?? []).map(normalizeAddress)),
    ipNetwork: normalizeNetworks(value.ipNetwork ?? []),
  };
}

/**
 * Returns the canonical form of an ipAddress entry. Hosts sometimes put a
 * network in CIDR form here, and it is kept as a network string so that
 * drift rules judge it as one. Text that parses as neither stays as
 * written, trimmed, so the snapshot records what the host reported.
 */
export function normalizeAddress(text: string): string {
  const trimmed = text.trim();
  if (trimmed.includes('/')) {
    const cidr = parseCidr(trimmed);
    return cidr ? formatCidr(cidr) : trimmed;
  }
  return canonicalAddress(trimmed) ?? trimmed;
}

function normalizeNetworks(values: { network?: string; prefixLength?: number }[]): IpNetwork[] {
  const byText = new Map<string, IpNetwork>();
  for (const value of values) {
    const network = normalizeAddress(value.network ?? '');
    const prefixLength = value.prefixLength ?? 0;
    byText.set(`${network}/${prefixLength}`, { network, prefixLength });
  }
  return [...byText.keys()].sort(compareText).map((key) => byText.get(key)!);
}

function normalizeRules(values: HostFirewallRuleValue[]): FirewallRule[] {
  const byKey = new Map<string, FirewallRule>();
  for (const value of values) {
    const rule = normalizeRule(value);
    byKey.set(`${rule.direction}|${rule.protocol}|${rule.port}|${rule.endPort ?? ''}|${rule.portType ?? ''}`, rule);
  }
  if (byKey.size < 2) {
    return [...byKey.values()];
  }
  return [...byKey.keys()].sort(compareText).map((key) => byKey.get(key)!);
}

function normalizeRule(value: HostFirewallRuleValue): FirewallRule {
  const rule: Partial<FirewallRule> = { direction: (value.direction ?? 'inbound') as RuleDirection };
  if (value.endPort !== undefined) {
    rule.endPort = value.endPort;
  }
  rule.port = value.port ?? 0;
  if (value.portType !== undefined) {
    rule.portType = value.portType as 'src' | 'dst';
  }
  rule.protocol = value.protocol ?? '';
  return rule as FirewallRule;
}

function uniqueSorted(values: string[]): string[] {
  return [...new Set(values)].sort(compareText);
}

/** Code-unit order: locale-independent, so every machine sorts alike. */
export function compareText(a: string, b: string): number {
  if (a < b) {
    return -1;
  }
  return a > b ? 1 : 0;
}
