// Writing one poll of one vCenter: the poll row, new snapshots, each host's
// state, the evaluation and the finding transitions, all inside the one
// transaction the caller opens. Runs synchronously, so a crash leaves either
// the whole poll or none of it.
import type { LoadedBaseline } from '../model/baseline.js';
import type { HostObservation } from '../model/host.js';
import { evaluateHost } from '../drift/evaluate.js';
import { evaluateVcenter } from '../drift/evaluate-vcenter.js';
import { INTERVAL_RULES } from '../drift/changes.js';
import { matchBaseline, type BaselineMatch } from '../drift/match.js';
import type { Transition } from '../store/findings.js';
import { sameState, type HostRow, type HostStateKey, type PollStamp } from '../store/hosts.js';
import type { PollKind, PollOutcome } from '../store/polls.js';
import type { Store } from '../store/store.js';
import type { ObjectCache } from '../collect/object-cache.js';
import { saveDecodedObjects } from './stored-objects.js';

export interface PollRecord {
  /** An inventory poll reads every host; a host poll re-reads one after its firewall events. */
  kind: PollKind;
  vcenter: string;
  /** The vCenter account, named in findings about its permissions. */
  username: string;
  startedAt: string;
  finishedAt: string;
  outcome: PollOutcome;
  error: string | null;
  hosts: readonly HostObservation[];
  roundTrips: number;
  apiVersion: string | null;
  baselines: readonly LoadedBaseline[];
  /** Objects decoded in this read, whose decoding is stored for later polls. */
  decoded: ObjectCache['decoded'];
  /** Failed polls in a row before vcenter-unreachable opens. */
  unreachableAfter: number;
}

export interface RecordResult {
  pollId: number;
  vcenterId: number;
  hostsSeen: number;
  hostsChecked: number;
  hostsEvaluated: number;
  transitions: Transition[];
}

export function recordPoll(store: Store, record: PollRecord): RecordResult {
  const vcenterId = store.polls.vcenterId(record.vcenter);
  const pollId = store.polls.start(vcenterId, record.startedAt, record.finishedAt, record.outcome, record.error, record.kind);
  const stamp: PollStamp = { pollId, at: record.finishedAt };
  const baselineIds = store.baselines.register(record.baselines, record.finishedAt);
  const known = store.hosts.forVcenter(vcenterId);
  const snapshotsPut = new Set<string>();
  const result: RecordResult = { pollId, vcenterId, hostsSeen: record.hosts.length, hostsChecked: 0, hostsEvaluated: 0, transitions: [] };

  for (const host of record.hosts) {
    const row = known.get(host.moid) ?? store.hosts.insert(vcenterId, host, stamp);
    known.delete(host.moid);
    const match = matchBaseline(record.baselines, { vcenter: record.vcenter, cluster: host.cluster, host: host.name });
    const key = stateKey(host, match, baselineIds);
    if (host.snapshot && host.snapshot.hash !== row.snapshotHash && !snapshotsPut.has(host.snapshot.hash)) {
      store.snapshots.put(host.snapshot.hash, host.snapshot.body, stamp.at);
      snapshotsPut.add(host.snapshot.hash);
    }
    if (!sameState(row, key)) {
      result.transitions.push(...evaluateChanged(store, record.vcenter, host, row, match, key, stamp));
      result.hostsEvaluated += 1;
    }
    const checked = key.notCheckedReason === null;
    store.hosts.touch(row, host, stamp, checked);
    result.hostsChecked += checked ? 1 : 0;
  }

  // Only a complete inventory poll proves that a host is gone; an incomplete
  // one leaves every unseen host with its last state and open findings.
  if (record.kind === 'inventory' && record.outcome === 'complete') {
    for (const row of known.values()) {
      if (row.removedAt === null) {
        result.transitions.push(...removeHost(store, row, stamp));
      }
    }
  }

  if (record.kind === 'inventory') {
    result.transitions.push(...judgeVcenter(store, record, vcenterId, stamp));
  }
  saveDecodedObjects(store, vcenterId, record.decoded);
  store.polls.setCounts(pollId, { hostsSeen: result.hostsSeen, hostsChecked: result.hostsChecked, roundTrips: record.roundTrips, apiVersion: record.apiVersion });
  return result;
}

function judgeVcenter(store: Store, record: PollRecord, vcenterId: number, stamp: PollStamp): Transition[] {
  const failed = record.outcome === 'failed';
  const { findings, judged } = evaluateVcenter({
    vcenter: record.vcenter,
    username: record.username,
    hosts: failed ? null : record.hosts,
    consecutiveFailures: failed ? store.polls.consecutiveFailures(vcenterId) : 0,
    unreachableAfter: record.unreachableAfter,
    error: record.error,
  });
  const open = store.findings.openWithoutHost(record.vcenter).filter((finding) => (judged as string[]).includes(finding.rule));
  return store.findings.reconcile(
    { hostId: null, baselineVersionId: null, lastSeen: () => null, resolution: 'no longer observed' },
    findings,
    open,
    stamp,
  );
}

function stateKey(host: HostObservation, match: BaselineMatch, baselineIds: Map<string, number>): HostStateKey {
  const baselineVersionId = match.kind === 'matched' ? (baselineIds.get(match.baseline.hash) ?? null) : null;
  let reason: string | null = host.notChecked?.reason ?? null;
  let detail: string | null = host.notChecked?.detail ?? null;
  if (!reason && match.kind !== 'matched') {
    reason = match.kind === 'none' ? 'no-baseline' : 'baseline-conflict';
    detail = null;
  }
  return { snapshotHash: host.snapshot?.hash ?? null, notCheckedReason: reason, notCheckedDetail: detail, baselineVersionId, serviceState: serviceState(host) };
}

/** Returns the probe result as stored in the state key. The fault text stays out, so varying messages do not start new states. */
function serviceState(host: HostObservation): string | null {
  const probe = host.firewallService;
  if (!probe) {
    return null;
  }
  return probe.status === 'ok' ? JSON.stringify({ enabled: probe.enabled, defaultAction: probe.defaultAction, loaded: probe.loaded }) : 'unknown';
}

function evaluateChanged(
  store: Store,
  vcenter: string,
  host: HostObservation,
  row: HostRow,
  match: BaselineMatch,
  key: HostStateKey,
  stamp: PollStamp,
): Transition[] {
  // The current state holds the latest snapshot unless the host was last seen unreadable.
  const previousHash = row.snapshotHash ?? store.hosts.latestSnapshotHash(row.id);
  const previous = previousHash ? store.snapshots.state(previousHash) : null;
  const open = store.findings.openForHost(row.id);
  const findings = evaluateHost({ vcenter, host, baseline: match, previous, open: new Set(open.map((f) => f.fingerprint)) });
  const affected = open.filter((finding) => judgedNow(finding.rule, key));
  const transitions = store.findings.reconcile(
    {
      hostId: row.id,
      baselineVersionId: key.baselineVersionId,
      lastSeen: (rule) => lastSeenOf(row, rule),
      resolution: 'no longer observed',
    },
    findings,
    affected,
    stamp,
  );
  store.hosts.changeState(row, key, stamp);
  return transitions;
}

/** When an open finding of this host last held, read from the host row before this poll touches it. */
function lastSeenOf(row: HostRow, rule: string): PollStamp {
  if (rule === 'host-not-checked' || row.lastCheckedAt === null) {
    return { at: row.lastSeenAt, pollId: row.lastSeenPollId };
  }
  return { at: row.lastCheckedAt, pollId: row.lastCheckedPollId! };
}

/**
 * Returns whether this evaluation decides about open findings of `rule`. A host that
 * cannot be judged neither confirms nor resolves its other findings, only
 * its host-not-checked finding. Without a probe result firewall-disabled
 * stays as it was, and interval rules are judged per poll interval, not here.
 */
function judgedNow(rule: string, key: HostStateKey): boolean {
  if (INTERVAL_RULES.has(rule)) {
    return false;
  }
  if (key.notCheckedReason !== null) {
    return rule === 'host-not-checked';
  }
  return rule !== 'firewall-disabled' || (key.serviceState !== null && key.serviceState !== 'unknown');
}

function removeHost(store: Store, row: HostRow, stamp: PollStamp): Transition[] {
  const open = store.findings.openForHost(row.id);
  const transitions = store.findings.reconcile(
    { hostId: row.id, baselineVersionId: null, lastSeen: (rule) => lastSeenOf(row, rule), resolution: 'host removed from the vCenter inventory' },
    [],
    open,
    stamp,
  );
  store.hosts.markRemoved(row, stamp.at);
  return transitions;
}
