// Findings about what happened between two inventory polls rather than
// about a state: firewall changes that no snapshot captured, and broad
// changes (many rulesets on one host, or the same change on many hosts).
// They hold for the interval they describe and resolve with the next poll.
import { canonicalJson } from '../model/canonical.js';
import { FIREWALL_DISABLED_EVENT, isChangeEvent, type FirewallEvent } from '../model/event.js';
import type { Finding, RuleId } from '../model/finding.js';
import type { FirewallState, Ruleset } from '../model/firewall.js';
import { RULES } from './catalogue.js';
import { fingerprintOf } from './fingerprint.js';

/** Rules whose findings describe an interval; they resolve on their own and their resolution is not notified. */
export const INTERVAL_RULES: ReadonlySet<string> = new Set<RuleId>(['change-between-polls', 'broad-change']);

export interface RulesetChange {
  ruleset: string;
  /** The change, comparable across hosts, for example `enabled true -> false`. */
  change: string;
}

/** Lists ruleset by ruleset what differs between two states. */
export function rulesetChanges(before: FirewallState, after: FirewallState): RulesetChange[] {
  const old = new Map(before.rulesets.map((ruleset) => [ruleset.key, ruleset]));
  const changes: RulesetChange[] = [];
  for (const ruleset of after.rulesets) {
    const previous = old.get(ruleset.key);
    old.delete(ruleset.key);
    if (!previous) {
      changes.push({ ruleset: ruleset.key, change: 'added' });
      continue;
    }
    changes.push(...changedFields(previous, ruleset));
  }
  for (const key of old.keys()) {
    changes.push({ ruleset: key, change: 'removed' });
  }
  return changes;
}

function changedFields(before: Ruleset, after: Ruleset): RulesetChange[] {
  const changes: RulesetChange[] = [];
  if (before.enabled !== after.enabled) {
    changes.push({ ruleset: after.key, change: `enabled ${before.enabled} -> ${after.enabled}` });
  }
  const beforeHosts = canonicalJson(before.allowedHosts ?? null);
  const afterHosts = canonicalJson(after.allowedHosts ?? null);
  if (beforeHosts !== afterHosts) {
    changes.push({ ruleset: after.key, change: `allowedHosts ${beforeHosts} -> ${afterHosts}` });
  }
  if (canonicalJson(before.rules) !== canonicalJson(after.rules)) {
    changes.push({ ruleset: after.key, change: 'rules changed' });
  }
  return changes;
}

/** One host as seen across the interval. */
export interface HostInterval {
  moid: string;
  name: string;
  cluster: string | null;
  /** State when the interval began, and now; null where none was read. */
  before: FirewallState | null;
  after: FirewallState | null;
  /** Times at which a new snapshot of the host was captured within the interval. */
  capturedAt: readonly string[];
}

export interface IntervalEvent extends FirewallEvent {
  /** `no-observable-drift` when re-reads right after the event saw no change. */
  outcome: string | null;
}

export interface ChangeInput {
  vcenter: string;
  hosts: readonly HostInterval[];
  events: readonly IntervalEvent[];
  thresholds: { rulesetsPerHost: number; hosts: number };
}

export function evaluateChanges(input: ChangeInput): Finding[] {
  const findings: Finding[] = [];
  for (const host of input.hosts) {
    const unexplained = unexplainedEvents(host, input.events);
    if (unexplained.length > 0) {
      findings.push(changeBetweenPolls(input.vcenter, host, unexplained));
    }
  }

  const sameChange = new Map<string, { change: RulesetChange; hosts: HostInterval[] }>();
  for (const host of input.hosts) {
    if (!host.before || !host.after) {
      continue;
    }
    const changes = rulesetChanges(host.before, host.after);
    if (new Set(changes.map((change) => change.ruleset)).size >= input.thresholds.rulesetsPerHost) {
      findings.push(broadHostChange(input.vcenter, host, changes, input.thresholds.rulesetsPerHost));
    }
    for (const change of changes) {
      const key = `${change.ruleset}\u0000${change.change}`;
      const entry = sameChange.get(key) ?? { change, hosts: [] };
      entry.hosts.push(host);
      sameChange.set(key, entry);
    }
  }
  findings.push(...broadFleetChanges(input.vcenter, [...sameChange.values()], input.thresholds.hosts));
  return findings;
}

/** Change events of the host that no snapshot captured: a disable always counts, since the firewall was off meanwhile. */
function unexplainedEvents(host: HostInterval, events: readonly IntervalEvent[]): IntervalEvent[] {
  return events.filter(
    (event) =>
      event.hostMoid === host.moid &&
      isChangeEvent(event) &&
      (event.eventTypeId === FIREWALL_DISABLED_EVENT || !host.capturedAt.some((at) => at >= event.createdTime)),
  );
}

function changeBetweenPolls(vcenter: string, host: HostInterval, events: IntervalEvent[]): Finding {
  const disabled = events.some((event) => event.eventTypeId === FIREWALL_DISABLED_EVENT);
  // Events that re-reads right after them found without effect are only informational.
  const informational = !disabled && events.every((event) => event.outcome === 'no-observable-drift');
  const parts = events.map((event) => ({ eventTypeId: event.eventTypeId, at: event.createdTime, userName: event.userName, ruleset: event.ruleset, eventKey: event.key }));
  const who = [...new Set(events.map((event) => event.userName ?? 'unknown user'))].join(', ');
  const what = disabled ? 'the firewall was switched off' : `${events.length} firewall change${events.length === 1 ? '' : 's'} left no trace in the state read`;
  return {
    ...intervalFinding(vcenter, 'change-between-polls', host, null),
    severity: informational ? 'info' : RULES['change-between-polls'].severity,
    expected: { everyChangeCaptured: true },
    actual: { events: parts },
    message: `between polls on ${host.name}, ${what} (by ${who})`,
  };
}

function broadHostChange(vcenter: string, host: HostInterval, changes: RulesetChange[], threshold: number): Finding {
  const rulesets = [...new Set(changes.map((change) => change.ruleset))];
  return {
    ...intervalFinding(vcenter, 'broad-change', host, null),
    expected: { rulesetsChangedBelow: threshold },
    actual: { changes },
    message: `${rulesets.length} rulesets changed on ${host.name} within one poll interval: ${rulesets.slice(0, 10).join(', ')}${rulesets.length > 10 ? ', …' : ''}`,
  };
}

function broadFleetChanges(vcenter: string, groups: { change: RulesetChange; hosts: HostInterval[] }[], threshold: number): Finding[] {
  const byRuleset = new Map<string, { changes: string[]; hosts: Set<string> }>();
  for (const { change, hosts } of groups) {
    if (hosts.length < threshold) {
      continue;
    }
    const entry = byRuleset.get(change.ruleset) ?? { changes: [], hosts: new Set<string>() };
    entry.changes.push(change.change);
    for (const host of hosts) {
      entry.hosts.add(host.name);
    }
    byRuleset.set(change.ruleset, entry);
  }
  return [...byRuleset].map(([ruleset, entry]) => {
    const hosts = [...entry.hosts].sort();
    return {
      fingerprint: fingerprintOf('broad-change', vcenter, null, ruleset),
      rule: 'broad-change' as const,
      severity: RULES['broad-change'].severity,
      vcenter,
      host: null,
      hostMoid: null,
      cluster: null,
      ruleset,
      expected: { hostsWithSameChangeBelow: threshold },
      actual: { changes: entry.changes, hosts },
      message: `ruleset ${ruleset} changed the same way on ${hosts.length} hosts within one poll interval (${entry.changes.join('; ')}): ${hosts.slice(0, 10).join(', ')}${hosts.length > 10 ? ', …' : ''}`,
      baseline: null,
    };
  });
}

function intervalFinding(vcenter: string, rule: RuleId, host: HostInterval, ruleset: string | null): Finding {
  return {
    fingerprint: fingerprintOf(rule, vcenter, host.moid, ruleset),
    rule,
    severity: RULES[rule].severity,
    vcenter,
    host: host.name,
    hostMoid: host.moid,
    cluster: host.cluster,
    ruleset,
    expected: null,
    actual: null,
    message: '',
    baseline: null,
  };
}
