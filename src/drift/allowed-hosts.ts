// Judging a ruleset's allowed-hosts list against a baseline policy.
import type { AllowedHostsPolicy } from '../model/baseline.js';
import type { AllowedHosts, Ruleset } from '../model/firewall.js';
import { cidrContains, formatCidr, parseCidr, type Cidr } from '../model/ip.js';
import type { FindingDraft } from './finding-factory.js';

/** Lists every entry of an allowed-hosts list as the snapshot writes it: addresses, then networks as CIDR text. */
export function entriesOf(allowed: AllowedHosts): string[] {
  return [...allowed.ipAddress, ...allowed.ipNetwork.map((net) => `${net.network}/${net.prefixLength}`)];
}

export function judgeAllowedHosts(ruleset: Ruleset, policy: AllowedHostsPolicy, management: boolean, where: string): FindingDraft[] {
  const allowed = ruleset.allowedHosts;
  if (policy.mode === 'any') {
    return [];
  }
  if (!allowed) {
    // Hosts older than API 5.0 have no allowedHosts element: neither
    // allow-all nor restricted, so the policy cannot be confirmed.
    return [
      {
        rule: 'allowed-hosts-unknown',
        ruleset: ruleset.key,
        expected: describePolicy(policy),
        actual: { allowedHosts: null },
        message: `ruleset ${ruleset.key} reports no allowed-hosts list, so vdrift cannot tell which addresses may connect ${where}`,
      },
    ];
  }
  if (allowed.allIp) {
    return [allowAll(ruleset, policy, management, where)];
  }
  switch (policy.mode) {
    case 'restricted':
      return [];
    case 'within':
      return judgeWithin(ruleset, allowed, policy.networks, where);
    case 'exact':
      return judgeExact(ruleset, allowed, policy, where);
  }
}

function allowAll(ruleset: Ruleset, policy: AllowedHostsPolicy, management: boolean, where: string): FindingDraft {
  const expected = describePolicy(policy);
  if (management) {
    return {
      rule: 'management-ruleset-allow-all',
      ruleset: ruleset.key,
      expected,
      actual: { allIp: true },
      message: `management ruleset ${ruleset.key} accepts connections from all addresses ${where}`,
    };
  }
  return {
    rule: 'allowed-ips-outside-baseline',
    ruleset: ruleset.key,
    expected,
    actual: { allIp: true },
    message: `ruleset ${ruleset.key} accepts connections from all addresses ${where}`,
  };
}

function judgeWithin(ruleset: Ruleset, allowed: AllowedHosts, networks: string[], where: string): FindingDraft[] {
  const approved = networks.map((text) => parseCidr(text)).filter((cidr): cidr is Cidr => cidr !== null);
  const outside = entriesOf(allowed).filter((entry) => !insideAny(entry, approved));
  if (outside.length === 0) {
    return [];
  }
  return [
    {
      rule: 'allowed-ips-outside-baseline',
      ruleset: ruleset.key,
      expected: { allIp: false, within: networks },
      actual: { allIp: false, outside },
      message: `ruleset ${ruleset.key} allows ${outside.join(', ')} outside the approved networks ${where}`,
    },
  ];
}

/** Tells whether an entry lies inside an approved network. An entry that does not parse counts as outside, because vdrift cannot show it is inside. */
function insideAny(entry: string, approved: Cidr[]): boolean {
  const cidr = parseCidr(entry);
  return cidr !== null && approved.some((outer) => cidrContains(outer, cidr));
}

function judgeExact(ruleset: Ruleset, allowed: AllowedHosts, policy: Extract<AllowedHostsPolicy, { mode: 'exact' }>, where: string): FindingDraft[] {
  const expected = new Set([...policy.ipAddress.map(canonicalEntry), ...policy.ipNetwork.map(canonicalEntry)]);
  const actual = new Set(entriesOf(allowed).map(canonicalEntry));
  const extra = [...actual].filter((entry) => !expected.has(entry));
  const missing = [...expected].filter((entry) => !actual.has(entry));
  const drafts: FindingDraft[] = [];
  const expectedValue = { allIp: false, ipAddress: policy.ipAddress, ipNetwork: policy.ipNetwork };
  if (extra.length > 0) {
    drafts.push({
      rule: 'allowed-ips-outside-baseline',
      ruleset: ruleset.key,
      expected: expectedValue,
      actual: { allIp: false, outside: extra },
      message: `ruleset ${ruleset.key} allows ${extra.join(', ')}, which the baseline does not list ${where}`,
    });
  }
  if (missing.length > 0) {
    drafts.push({
      rule: 'allowed-ips-missing',
      ruleset: ruleset.key,
      expected: expectedValue,
      actual: { allIp: false, missing },
      message: `ruleset ${ruleset.key} no longer allows ${missing.join(', ')}, which the baseline lists ${where}`,
    });
  }
  return drafts;
}

/** Addresses compare as /32 or /128 networks, so `192.0.2.1` and `192.0.2.1/32` are one entry. */
function canonicalEntry(text: string): string {
  const cidr = parseCidr(text);
  return cidr ? formatCidr(cidr) : text;
}

export function describePolicy(policy: AllowedHostsPolicy): unknown {
  switch (policy.mode) {
    case 'any':
      return { allIp: 'any' };
    case 'restricted':
      return { allIp: false };
    case 'within':
      return { allIp: false, within: policy.networks };
    case 'exact':
      return { allIp: false, ipAddress: policy.ipAddress, ipNetwork: policy.ipNetwork };
  }
}
