// Poll coverage per vCenter: how many of the poll times the schedule
// expected in the period had a complete poll, and the gaps without one.
//
// Each expected time opens a slot that lasts until the next expected time
// (the last one until the end of the period). A slot is covered when a
// complete poll started inside it, so a poll that starts a few seconds late
// still counts and a manual `vdrift poll` fills the slot it falls in. A gap
// is a run of uncovered slots, listed when it lasts longer than two
// schedule intervals.
import type { PollTimeRow } from '../store/report-queries.js';
import { forEachScheduledTime } from './schedule.js';
import type { Coverage, Gap } from './types.js';

export interface VcenterPolls {
  vcenter: string;
  /** Polls that started in the period, in start order. */
  polls: readonly PollTimeRow[];
  /** When vdrift first polled the vCenter, at any time, or null. */
  firstPollAt: string | null;
}

export interface CoverageResult {
  coverage: Coverage[];
  intervalSeconds: number | null;
}

interface MissedRun {
  from: number;
  to: number;
  count: number;
}

/** Follows one vCenter's complete polls through the expected slots. */
class SlotTracker {
  private readonly starts: number[];
  private cursor = 0;
  covered = 0;
  expected = 0;
  readonly missedRuns: MissedRun[] = [];
  private open: MissedRun | null = null;

  constructor(polls: readonly PollTimeRow[]) {
    this.starts = polls.filter((poll) => poll.outcome === 'complete').map((poll) => Date.parse(poll.startedAt));
  }

  closeSlot(start: number, end: number): void {
    this.expected += 1;
    while (this.cursor < this.starts.length && this.starts[this.cursor]! < start) {
      this.cursor += 1;
    }
    let covered = false;
    while (this.cursor < this.starts.length && this.starts[this.cursor]! < end) {
      covered = true;
      this.cursor += 1;
    }
    if (covered) {
      this.covered += 1;
      this.finishRun();
    } else {
      this.open ??= { from: start, to: end, count: 0 };
      this.open.to = end;
      this.open.count += 1;
    }
  }

  finishRun(): void {
    if (this.open) {
      this.missedRuns.push(this.open);
      this.open = null;
    }
  }
}

export function measureCoverage(schedule: string, from: number, to: number, vcenters: readonly VcenterPolls[]): CoverageResult {
  const trackers = vcenters.map((entry) => new SlotTracker(entry.polls));
  const walk: { previous: number | null; interval: number | null } = { previous: null, interval: null };
  forEachScheduledTime(schedule, from, to, (time) => {
    const previous = walk.previous;
    if (previous !== null) {
      walk.interval = Math.min(walk.interval ?? Infinity, time - previous);
      for (const tracker of trackers) {
        tracker.closeSlot(previous, time);
      }
    }
    walk.previous = time;
  });
  const last = walk.previous;
  if (last !== null) {
    for (const tracker of trackers) {
      tracker.closeSlot(last, to);
    }
  }
  const interval = walk.interval;
  const coverage = vcenters.map((entry, index) => summarize(entry, trackers[index]!, interval));
  return { coverage, intervalSeconds: interval === null ? null : interval / 1000 };
}

function summarize(entry: VcenterPolls, tracker: SlotTracker, interval: number | null): Coverage {
  tracker.finishRun();
  const count = (outcome: string) => entry.polls.filter((poll) => poll.outcome === outcome).length;
  return {
    vcenter: entry.vcenter,
    expectedPolls: tracker.expected,
    coveredPolls: tracker.covered,
    coveragePercent: percent(tracker.covered, tracker.expected),
    completePolls: count('complete'),
    incompletePolls: count('incomplete'),
    failedPolls: count('failed'),
    firstPollAt: entry.firstPollAt,
    gaps: tracker.missedRuns.filter((run) => interval === null || run.to - run.from > 2 * interval).map((run) => toGap(run, entry.firstPollAt)),
  };
}

function toGap(run: MissedRun, firstPollAt: string | null): Gap {
  return {
    from: new Date(run.from).toISOString(),
    to: new Date(run.to).toISOString(),
    missedPolls: run.count,
    durationSeconds: Math.round((run.to - run.from) / 1000),
    beforeFirstPoll: firstPollAt === null || run.to <= Date.parse(firstPollAt),
  };
}

/** Returns part / whole in percent with one decimal, or null when whole is zero. */
export function percent(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 1000) / 10;
}
