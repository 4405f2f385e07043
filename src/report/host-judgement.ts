// Whether a host was compliant at the end of the period, or why it could not
// be judged then.
//
// A host is judged on the state in force at the end of the period. It is
// evaluated when that state was read and judged (not a not-checked state),
// the host was seen in the period, and its vCenter's last inventory poll
// at or before the end saw it. An evaluated host is compliant when no
// finding about its state of severity low or above is open at the end. It
// is compliant with exceptions when an exception in force at the end
// accepts every such finding, and non-compliant otherwise. Findings held by
// a maintenance window still count, because a window delays notification,
// not drift. definitions.ts prints the same rules in every report.
import type { PollTimeRow, ReportHostRow } from '../store/report-queries.js';
import { countsAgainstCompliance } from './finding-entries.js';
import { runAt, type RunInForce } from './state-runs.js';
import { NOT_EVALUATED_REASONS, type FindingEntry, type HostStatus, type NotEvaluatedReason, type Period } from './types.js';

export interface Judgement {
  status: HostStatus;
  reason: NotEvaluatedReason | null;
  reasonDetail: string | null;
  /** The run in force at the end of the period. */
  end: RunInForce;
  /** When the host was last seen before its vCenter's later polls missed it, or null when none missed it. */
  unseenSince: string | null;
}

export interface JudgementInput {
  host: ReportHostRow;
  ranges: readonly RunInForce[];
  findings: readonly FindingEntry[];
  period: Period;
  /** The vCenter's last inventory poll that finished at or before the end of the period. */
  lastPoll: PollTimeRow | null;
}

/** Judges the host at the end of the period. Returns null when it was not in the inventory at any time in the period. */
export function judgeHost(input: JudgementInput): Judgement | null {
  const { period } = input;
  const end = runAt(input.ranges, period.to);
  if (!end || end.to < period.from) {
    return null;
  }
  const missing = notEvaluated(input, end);
  if (missing) {
    return { ...missing, end };
  }
  const open = input.findings.filter(countsAgainstCompliance);
  const status: HostStatus = open.length === 0 ? 'compliant' : open.every((entry) => entry.acceptedAtEnd) ? 'compliant-with-exceptions' : 'non-compliant';
  return { status, reason: null, reasonDetail: null, end, unseenSince: null };
}

type Missing = Omit<Judgement, 'end'>;

function notEvaluated(input: JudgementInput, end: RunInForce): Missing | null {
  const { host, period, lastPoll } = input;
  const run = end.run;
  if (!run.current && run === input.ranges[input.ranges.length - 1]?.run && host.removedAt !== null && host.removedAt <= period.to) {
    return missing('removed', `removed from the vCenter inventory at ${host.removedAt}`, null);
  }
  if (run.lastSeenAt < period.from) {
    return missing('not-polled-in-period', `last seen at ${run.lastSeenAt} (poll ${run.lastPollId}), before the period`, null);
  }
  if (run.notCheckedReason !== null) {
    const reason = knownReason(run.notCheckedReason);
    const detail = run.notCheckedDetail ?? (reason === run.notCheckedReason ? null : `not checked: ${run.notCheckedReason}`);
    return missing(reason, detail, null);
  }
  if (run.snapshotHash === null) {
    return missing('no-firewall', 'no firewall state was read', null);
  }
  if (lastPoll && lastPoll.outcome === 'failed') {
    const detail = `the last poll of ${host.vcenter} before the end of the period (poll ${lastPoll.id} at ${lastPoll.finishedAt}) failed: ${lastPoll.error ?? 'no error recorded'}`;
    // A run that later polls extended hides when the host was last read before this poll.
    return missing('unreachable', detail, run.lastPollId < lastPoll.id ? run.lastSeenAt : lastPoll.finishedAt);
  }
  // NOTE: a run that continues after the end of the period cannot show
  // whether an incomplete last poll read the host, so such a host counts as read.
  if (lastPoll && run.lastPollId < lastPoll.id) {
    const detail = `the last poll of ${host.vcenter} before the end of the period (poll ${lastPoll.id}, ${lastPoll.outcome}) did not read this host`;
    return missing('unreachable', detail, run.lastSeenAt);
  }
  return null;
}

function missing(reason: NotEvaluatedReason, reasonDetail: string | null, unseenSince: string | null): Missing {
  return { status: 'not-evaluated', reason, reasonDetail, unseenSince };
}

function knownReason(reason: string): NotEvaluatedReason {
  return (NOT_EVALUATED_REASONS as readonly string[]).includes(reason) ? (reason as NotEvaluatedReason) : 'no-firewall';
}
