// When each of a host's state runs was in force. A run is in force from the
// poll that first showed it until the poll that showed the next one, because
// the change happened at an unknown time in between. The last run of a host
// that was removed ends when the removal was seen, and the current run has
// not ended.
import type { StateRunRow } from '../store/report-queries.js';
import { END_OF_TIME, type TimeRange } from './hold-history.js';

export interface RunInForce extends TimeRange {
  run: StateRunRow;
}

export function runsInForce(runs: readonly StateRunRow[], removedAt: string | null): RunInForce[] {
  return runs.map((run, index) => {
    const next = runs[index + 1];
    let to = END_OF_TIME;
    if (next) {
      to = next.firstSeenAt;
    } else if (!run.current) {
      to = removedAt ?? run.lastSeenAt;
    }
    return { run, from: run.firstSeenAt, to };
  });
}

/** Returns the runs in force at some time in [from, to]. */
export function runsOverlapping(ranges: readonly RunInForce[], from: string, to: string): RunInForce[] {
  return ranges.filter((range) => range.from <= to && range.to > from);
}

/** Returns the run in force at `at`: the last one that began at or before it. */
export function runAt(ranges: readonly RunInForce[], at: string): RunInForce | null {
  let found: RunInForce | null = null;
  for (const range of ranges) {
    if (range.from > at) {
      break;
    }
    found = range;
  }
  return found;
}
