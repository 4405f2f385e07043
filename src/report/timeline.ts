// A host's period as consecutive segments: compliant, drifted, drifted but
// accepted by an exception, not checked, or absent (not yet seen, or
// removed). It shows the state last observed: between two polls the host is
// assumed unchanged, and the coverage section lists when polls were missing.
import type { TimeRange } from './hold-history.js';
import type { RunInForce } from './state-runs.js';
import type { Period, TimelineSegment, TimelineStatus } from './types.js';

/** A finding that marks the host as drifted while open, unless an exception accepts it. */
export interface DriftInterval {
  openedAt: string;
  /** Null while still open. */
  resolvedAt: string | null;
  accepted: readonly TimeRange[];
}

export interface TimelineInput {
  ranges: readonly RunInForce[];
  period: Period;
  drift: readonly DriftInterval[];
  /** Set when the host went unseen before the end of the period: from then on it counts as not checked. */
  unseenSince: string | null;
}

export function buildTimeline(input: TimelineInput): TimelineSegment[] {
  const { from, to } = input.period;
  const segments: TimelineSegment[] = [];
  let cursor = from;
  for (const range of input.ranges) {
    const start = range.from > cursor ? range.from : cursor;
    const end = range.to < to ? range.to : to;
    if (end <= start) {
      continue;
    }
    push(segments, cursor, start, 'absent');
    if (range.run.notCheckedReason !== null) {
      push(segments, start, end, 'not-checked');
    } else {
      for (const piece of checkedPieces(start, end, input.drift)) {
        segments.push(piece);
      }
    }
    cursor = end;
  }
  push(segments, cursor, to, 'absent');
  return merge(markUnseen(segments, input.unseenSince));
}

/** Splits a checked stretch where a finding opens or resolves or an exception starts or ends. */
function checkedPieces(start: string, end: string, drift: readonly DriftInterval[]): TimelineSegment[] {
  const cuts = new Set<string>([start]);
  for (const interval of drift) {
    for (const time of [interval.openedAt, interval.resolvedAt, ...interval.accepted.flatMap((range) => [range.from, range.to])]) {
      if (time !== null && time > start && time < end) {
        cuts.add(time);
      }
    }
  }
  const times = [...cuts].sort();
  return times.map((time, index) => ({ from: time, to: times[index + 1] ?? end, status: statusAt(time, drift) }));
}

function statusAt(time: string, drift: readonly DriftInterval[]): TimelineStatus {
  const open = drift.filter((interval) => interval.openedAt <= time && (interval.resolvedAt === null || interval.resolvedAt > time));
  if (open.length === 0) {
    return 'compliant';
  }
  const unaccepted = open.some((interval) => !interval.accepted.some((range) => range.from <= time && time < range.to));
  return unaccepted ? 'drifted' : 'accepted';
}

function markUnseen(segments: TimelineSegment[], unseenSince: string | null): TimelineSegment[] {
  if (unseenSince === null) {
    return segments;
  }
  const marked: TimelineSegment[] = [];
  for (const segment of segments) {
    if (segment.to <= unseenSince || segment.status === 'absent') {
      marked.push(segment);
    } else if (segment.from >= unseenSince) {
      marked.push({ ...segment, status: 'not-checked' });
    } else {
      marked.push({ ...segment, to: unseenSince }, { from: unseenSince, to: segment.to, status: 'not-checked' });
    }
  }
  return marked;
}

function push(segments: TimelineSegment[], from: string, to: string, status: TimelineStatus): void {
  if (to > from) {
    segments.push({ from, to, status });
  }
}

function merge(segments: TimelineSegment[]): TimelineSegment[] {
  const merged: TimelineSegment[] = [];
  for (const segment of segments) {
    const last = merged[merged.length - 1];
    if (last && last.status === segment.status && last.to === segment.from) {
      last.to = segment.to;
    } else if (segment.to > segment.from) {
      merged.push({ ...segment });
    }
  }
  return merged;
}
