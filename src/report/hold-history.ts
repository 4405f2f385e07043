// The maintenance window and the exceptions that applied to a finding,
// decided from their stored history rather than from the hold columns of the
// finding row, which only record the current hold.
import { windowCovers } from '../notify/holds.js';
import type { WindowScope } from '../model/hold.js';
import type { ExceptionHistoryRow, WindowHistoryRow } from '../store/report-queries.js';

/** The identity a window or exception matches against. */
export interface HoldTarget {
  rule: string;
  ruleset: string | null;
  vcenter: string;
  cluster: string | null;
  host: string | null;
}

/** A half-open time range [from, to) as ISO 8601 UTC text, which sorts as time. */
export interface TimeRange {
  from: string;
  to: string;
}

/** Later than any ISO 8601 time in the database, for ranges that have not ended. */
export const END_OF_TIME = '9999-12-31T23:59:59.999Z';

export class HoldHistory {
  private readonly windows: (WindowHistoryRow & { parsedScope: WindowScope; effectiveEnd: string })[];

  constructor(
    windows: readonly WindowHistoryRow[],
    private readonly exceptions: readonly ExceptionHistoryRow[],
  ) {
    this.windows = windows.map((window) => ({
      ...window,
      parsedScope: JSON.parse(window.scope) as WindowScope,
      effectiveEnd: window.endedAt !== null && window.endedAt < window.endsAt ? window.endedAt : window.endsAt,
    }));
  }

  /**
   * Returns the window a finding opened in, as the poll decided it: active
   * at the opening time and covering the finding. The window whose ticket the
   * finding row kept wins over another that also covers it.
   */
  windowAtOpening(target: HoldTarget, openedAt: string, ticket: string | null): (WindowHistoryRow & { effectiveEnd: string }) | null {
    const active = this.windows.filter((window) => window.startsAt <= openedAt && openedAt < window.effectiveEnd && windowCovers(window.parsedScope, target));
    return active.find((window) => window.ticket === ticket) ?? active[0] ?? null;
  }

  /** Windows that overlap `range` and whose scope covers at least one of `hosts`. */
  windowsFor(range: TimeRange, hosts: readonly Omit<HoldTarget, 'rule' | 'ruleset'>[]): (WindowHistoryRow & { effectiveEnd: string })[] {
    return this.windows.filter(
      (window) => window.startsAt <= range.to && window.effectiveEnd >= range.from && hosts.some((host) => windowCovers(window.parsedScope, host)),
    );
  }

  /** Exceptions that cover the finding, each with the time it was in force. */
  exceptionsCovering(target: HoldTarget): { exception: ExceptionHistoryRow; inForce: TimeRange }[] {
    return this.exceptions.filter((exception) => exceptionCoversTarget(exception, target)).map((exception) => ({ exception, inForce: inForce(exception) }));
  }

  /** Exceptions in force at some time in `range` that name a host, or the cluster of a host, in `hosts`. */
  exceptionsFor(range: TimeRange, hosts: readonly Omit<HoldTarget, 'rule' | 'ruleset'>[]): ExceptionHistoryRow[] {
    return this.exceptions.filter((exception) => {
      const time = inForce(exception);
      return time.from <= range.to && time.to > range.from && hosts.some((host) => namesHost(exception, host));
    });
  }
}

/** Returns the time an exception was in force: from its creation until it expired or was withdrawn from its file. */
export function inForce(exception: ExceptionHistoryRow): TimeRange {
  const end = exception.withdrawnAt !== null && exception.withdrawnAt < exception.expiresAt ? exception.withdrawnAt : exception.expiresAt;
  return { from: exception.createdAt, to: end };
}

/** Matches as exceptionCovers in src/notify/holds.ts does, without the clock: exactly its rule and ruleset on its host or cluster. */
function exceptionCoversTarget(exception: ExceptionHistoryRow, target: HoldTarget): boolean {
  return exception.rule === target.rule && exception.ruleset === target.ruleset && namesHost(exception, target);
}

function namesHost(exception: ExceptionHistoryRow, host: Omit<HoldTarget, 'rule' | 'ruleset'>): boolean {
  return (
    (exception.vcenter === null || exception.vcenter === host.vcenter) &&
    ((exception.host !== null && exception.host === host.host) || (exception.cluster !== null && exception.cluster === host.cluster))
  );
}
