// The period a report covers, from the --from and --to options.
import { parseZonedTime } from '../config/config-checks.js';
import type { Period } from './types.js';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Parses an ISO 8601 date (read as UTC) or a date-time with a time zone
 * into ISO 8601 UTC text. A date means its first instant for `start` and
 * the first instant of the next day for `end`, so `--to 2026-05-31`
 * includes all of 31 May. Returns null for anything else.
 */
export function parseReportTime(text: string, edge: 'start' | 'end'): string | null {
  if (DATE_ONLY.test(text)) {
    const start = parseZonedTime(`${text}T00:00:00Z`);
    if (start === null || new Date(start).toISOString().slice(0, 10) !== text) {
      return null;
    }
    return new Date(edge === 'start' ? start : start + 86_400_000).toISOString();
  }
  const time = parseZonedTime(text);
  return time === null ? null : new Date(time).toISOString();
}

/**
 * Builds the period. An end after `now` becomes `now`, because a report
 * cannot describe polls that have not happened. Returns null when the
 * period is empty.
 */
export function reportPeriod(from: string, to: string, now: string): Period | null {
  const endsAtGeneration = to > now;
  const end = endsAtGeneration ? now : to;
  return from < end ? { from, to: end, endsAtGeneration } : null;
}
