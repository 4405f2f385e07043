// One host's state history and the firewall changes between two of its
// states, for `vdrift history` and `vdrift diff`.
import { stateChanges, type StateChange } from '../drift/differences.js';
import type { StateRunRow } from '../store/report-queries.js';
import { VdriftError } from '../model/vdrift-error.js';
import type { Store } from '../store/store.js';
import { BaselineCatalog } from './baseline-catalog.js';
import { firewallSwitchOf } from './labels.js';
import type { FirewallSwitch, StateEvidence } from './types.js';

export interface DiffSide {
  snapshotHash: string;
  firewallSwitch: FirewallSwitch;
  firstPoll: { id: number; at: string };
  lastPoll: { id: number; at: string };
}

export interface HostDiff {
  before: DiffSide;
  after: DiffSide;
  changes: StateChange[];
}

export interface DiffRequest {
  /** Compares the state in force at this time. Without it, the last different state before `after`. */
  from?: string;
  /** Compares with the state in force at this time. Without it, the latest state read. */
  to?: string;
}

/** The host's state runs, oldest first, with the baseline version that judged each. */
export function hostHistory(store: Store, hostId: number): StateEvidence[] {
  const baselines = new BaselineCatalog(store.reports);
  return store.reports.states(hostId).map((run) => ({
    snapshotHash: run.snapshotHash,
    notCheckedReason: run.notCheckedReason,
    notCheckedDetail: run.notCheckedDetail,
    firewallSwitch: firewallSwitchOf(run.serviceState),
    baseline: baselines.ref(run.baselineVersionId),
    firstPoll: { id: run.firstPollId, at: run.firstSeenAt },
    lastPoll: { id: run.lastPollId, at: run.lastSeenAt },
    current: run.current,
  }));
}

/** The requested states cannot be compared, and the message gives the reason. */
export class DiffError extends VdriftError {}

/**
 * Compares two firewall states of a host. Returns null when the default
 * comparison finds no earlier state that differs from the latest one.
 * Throws DiffError when a requested time has no firewall state read at or before it.
 */
export function hostDiff(store: Store, hostId: number, request: DiffRequest): HostDiff | null {
  const read = store.reports.states(hostId).filter((run) => run.snapshotHash !== null);
  const after = request.to === undefined ? read[read.length - 1] : lastAtOrBefore(read, request.to);
  if (!after) {
    throw new DiffError(request.to === undefined ? 'no firewall state of this host has been read' : `no firewall state of this host was read at or before ${request.to}`);
  }
  let before: StateRunRow | undefined;
  if (request.from !== undefined) {
    before = lastAtOrBefore(read, request.from);
    if (!before) {
      throw new DiffError(`no firewall state of this host was read at or before ${request.from}`);
    }
  } else {
    before = read.slice(0, read.indexOf(after)).reverse().find((run) => run.snapshotHash !== after.snapshotHash || switchState(run) !== switchState(after));
    if (!before) {
      return null;
    }
  }
  const beforeState = store.snapshots.state(before.snapshotHash!);
  const afterState = store.snapshots.state(after.snapshotHash!);
  if (!beforeState || !afterState) {
    throw new DiffError('a snapshot that a host state names is missing from the database');
  }
  const changes = stateChanges(beforeState, afterState);
  if (switchState(before) !== switchState(after)) {
    // The switch lives beside the snapshot: switching the firewall off leaves every ruleset as it was.
    changes.unshift({ path: 'firewall.switch', before: switchState(before), after: switchState(after) });
  }
  return { before: side(before), after: side(after), changes };
}

function switchState(run: StateRunRow): FirewallSwitch['state'] {
  return firewallSwitchOf(run.serviceState).state;
}

function lastAtOrBefore(runs: readonly StateRunRow[], at: string): StateRunRow | undefined {
  return runs.filter((run) => run.firstSeenAt <= at).pop();
}

function side(run: StateRunRow): DiffSide {
  return { snapshotHash: run.snapshotHash!, firewallSwitch: firewallSwitchOf(run.serviceState), firstPoll: { id: run.firstPollId, at: run.firstSeenAt }, lastPoll: { id: run.lastPollId, at: run.lastSeenAt } };
}
