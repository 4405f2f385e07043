// One host's part of the report, built from its stored history: the
// judgement at the end of the period, the differences from its baseline,
// the timeline, the findings and the state runs behind them.
import { baselineDifferences, type Difference, type FirewallService } from '../drift/differences.js';
import type { RuleId } from '../model/finding.js';
import type { FirewallState } from '../model/firewall.js';
import type { PollTimeRow, ReportHostRow, SeverityChangeRow } from '../store/report-queries.js';
import type { Store } from '../store/store.js';
import { findingEntry, marksDrift, type FindingContext } from './finding-entries.js';
import { firewallSwitchOf } from './labels.js';
import { judgeHost, type Judgement } from './host-judgement.js';
import { runsInForce, runsOverlapping, type RunInForce } from './state-runs.js';
import { buildTimeline, type DriftInterval } from './timeline.js';
import type { FindingEntry, HostSection, StateEvidence } from './types.js';

export interface HostContext extends FindingContext {
  store: Store;
  /** Parsed snapshots by hash, because hosts of one cluster usually share a few states. */
  snapshots: SnapshotCache;
  /** Each vCenter's last inventory poll at or before the end of the period. */
  lastPolls: ReadonlyMap<string, PollTimeRow | null>;
}

/** One host's stored history as the report reads it, with its judgement. */
export interface JudgedHost {
  host: ReportHostRow;
  ranges: RunInForce[];
  findings: FindingEntry[];
  changes: Map<number, SeverityChangeRow[]>;
  judgement: Judgement;
}

/** Reads and judges one host. Returns null when it was not in the inventory in the period. */
export function readHost(host: ReportHostRow, context: HostContext): JudgedHost | null {
  const { store, period } = context;
  const ranges = runsInForce(store.reports.states(host.id), host.removedAt);
  const changes = new Map<number, SeverityChangeRow[]>();
  for (const change of store.reports.hostSeverityChanges(host.id)) {
    changes.set(change.findingId, [...(changes.get(change.findingId) ?? []), change]);
  }
  const findings = store.reports.hostFindings(host.id, period.from, period.to).map((row) => findingEntry(row, changes.get(row.id) ?? [], context));
  const judgement = judgeHost({ host, ranges, findings, period, lastPoll: context.lastPolls.get(host.vcenter) ?? null });
  return judgement ? { host, ranges, findings, changes, judgement } : null;
}

export function hostSection(judged: JudgedHost, context: HostContext): HostSection {
  const { host, judgement } = judged;
  const { period } = context;
  const endRun = judgement.end.run;
  const evaluated = judgement.status !== 'not-evaluated';
  return {
    vcenter: host.vcenter,
    cluster: host.cluster,
    name: host.name,
    moid: host.moid,
    status: judgement.status,
    reason: judgement.reason,
    reasonDetail: judgement.reasonDetail,
    baseline: evaluated ? (context.baselines.get(endRun.baselineVersionId)?.info ?? null) : null,
    differences: evaluated ? differencesAtEnd(judged, context) : [],
    timeline: buildTimeline({ ranges: judged.ranges, period, drift: driftIntervals(judged, context), unseenSince: judgement.unseenSince }),
    states: runsOverlapping(judged.ranges, period.from, period.to).map((range) => evidence(range, context)),
    findings: judged.findings,
  };
}

function differencesAtEnd(judged: JudgedHost, context: HostContext): Difference[] {
  const end = judged.judgement.end.run;
  const baseline = context.baselines.get(end.baselineVersionId)?.baseline;
  const state = end.snapshotHash === null ? null : context.snapshots.get(end.snapshotHash);
  if (!baseline || !state) {
    return [];
  }
  const open = new Set(judged.findings.filter((entry) => entry.openAtEnd).map((entry) => `${entry.rule}\u0000${entry.ruleset ?? ''}`));
  return baselineDifferences(state, baseline, {
    previous: previousState(judged, context),
    isOpen: (rule: RuleId, ruleset: string) => open.has(`${rule}\u0000${ruleset}`),
    firewallService: parseService(end.serviceState),
  });
}

/** Returns the latest snapshot read before the end run began, which evaluateHost compared it with. */
function previousState(judged: JudgedHost, context: HostContext): FirewallState | null {
  const index = judged.ranges.indexOf(judged.judgement.end);
  for (let i = index - 1; i >= 0; i -= 1) {
    const hash = judged.ranges[i]!.run.snapshotHash;
    if (hash !== null) {
      return context.snapshots.get(hash);
    }
  }
  return null;
}

/** Reads the stored esxcli probe result. `unknown` and a missing probe give null, as evaluateHost treats them. */
function parseService(text: string | null): FirewallService | null {
  if (text === null || text === 'unknown') {
    return null;
  }
  try {
    const value = JSON.parse(text) as Partial<FirewallService>;
    return typeof value.enabled === 'boolean' && typeof value.defaultAction === 'string' ? { enabled: value.enabled, defaultAction: value.defaultAction } : null;
  } catch {
    return null;
  }
}

function driftIntervals(judged: JudgedHost, context: HostContext): DriftInterval[] {
  return judged.findings
    .filter((entry) => marksDrift(entry, judged.changes.get(entry.id) ?? []))
    .map((entry) => ({
      openedAt: entry.openedAt,
      resolvedAt: entry.resolvedAt,
      accepted: context.holdHistory
        .exceptionsCovering({ rule: entry.rule, ruleset: entry.ruleset, vcenter: entry.vcenter, cluster: entry.cluster, host: entry.host })
        .map(({ inForce }) => inForce),
    }));
}

function evidence(range: RunInForce, context: HostContext): StateEvidence {
  const { run } = range;
  return {
    snapshotHash: run.snapshotHash,
    notCheckedReason: run.notCheckedReason,
    notCheckedDetail: run.notCheckedDetail,
    firewallSwitch: firewallSwitchOf(run.serviceState),
    baseline: context.baselines.ref(run.baselineVersionId),
    firstPoll: { id: run.firstPollId, at: run.firstSeenAt },
    lastPoll: { id: run.lastPollId, at: run.lastSeenAt },
    current: run.current,
  };
}

/** Parsed snapshots by hash, dropped all at once when the cache reaches its limit so memory stays bounded. */
export class SnapshotCache {
  private readonly states = new Map<string, FirewallState | null>();

  constructor(
    private readonly store: Store,
    private readonly limit = 1000,
  ) {}

  get(hash: string): FirewallState | null {
    let state = this.states.get(hash);
    if (state === undefined) {
      if (this.states.size >= this.limit) {
        this.states.clear();
      }
      state = this.store.snapshots.state(hash);
      this.states.set(hash, state);
    }
    return state;
  }
}
