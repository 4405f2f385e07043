// Findings as the report shows them: how long each lasted, its severity at
// the end of the period, its escalations, and what held it.
import { SEVERITIES, severityRank, type Severity } from '../model/finding.js';
import type { ReportFindingRow, SeverityChangeRow } from '../store/report-queries.js';
import type { BaselineCatalog } from './baseline-catalog.js';
import type { HoldHistory } from './hold-history.js';
import type { Attribution, ExceptionRef, FindingEntry, Period, SeverityChange, WindowRef } from './types.js';

/** Rules about what happened between two polls rather than about a state, which therefore do not decide compliance. */
const EVENT_RULES: ReadonlySet<string> = new Set(['change-between-polls', 'broad-change']);

export interface FindingContext {
  period: Period;
  holdHistory: HoldHistory;
  baselines: BaselineCatalog;
}

export function findingEntry(row: ReportFindingRow, changes: readonly SeverityChangeRow[], context: FindingContext): FindingEntry {
  const { period } = context;
  const resolvedAt = row.resolvedAt !== null && row.resolvedAt <= period.to ? row.resolvedAt : null;
  const end = resolvedAt ?? period.to;
  const target = { rule: row.rule, ruleset: row.ruleset, vcenter: row.vcenter, cluster: row.cluster, host: row.host };
  const window = context.holdHistory.windowAtOpening(target, row.firstSeenAt, row.windowTicket);
  const exceptions = context.holdHistory
    .exceptionsCovering(target)
    .filter(({ inForce }) => inForce.from <= end && inForce.to > maxText(row.firstSeenAt, period.from));
  return {
    id: row.id,
    fingerprint: row.fingerprint,
    rule: row.rule,
    severity: severityAt(row.severity, changes, period.to),
    vcenter: row.vcenter,
    cluster: row.cluster,
    host: row.host,
    ruleset: row.ruleset,
    message: row.message,
    expected: parseJson(row.expected),
    actual: parseJson(row.actual),
    baseline: context.baselines.ref(row.baselineVersionId),
    openedAt: row.firstSeenAt,
    openedInPeriod: row.firstSeenAt >= period.from,
    resolvedAt,
    resolution: resolvedAt === null ? null : row.resolution,
    openAtEnd: resolvedAt === null,
    durationSeconds: Math.max(0, Math.round((Date.parse(end) - Date.parse(row.firstSeenAt)) / 1000)),
    severityChanges: changes.filter((change) => change.at >= period.from && change.at <= period.to).map(toSeverityChange),
    window: window ? windowRef(window) : null,
    exceptions: exceptions.map(({ exception }) => exceptionRef(exception)),
    acceptedAtEnd: resolvedAt === null && exceptions.some(({ inForce }) => inForce.from <= period.to && period.to < inForce.to),
    attribution: parseAttribution(row.attribution),
  };
}

/** Returns whether an open finding makes its host non-compliant: a state rule at severity low or above. */
export function countsAgainstCompliance(entry: FindingEntry): boolean {
  return entry.openAtEnd && entry.rule !== 'host-not-checked' && !EVENT_RULES.has(entry.rule) && atLeastLow(entry.severity);
}

/** Returns whether a finding marks its host as drifted while open, for the timeline: a state rule that reached low or above. */
export function marksDrift(entry: FindingEntry, changes: readonly SeverityChangeRow[]): boolean {
  if (entry.rule === 'host-not-checked' || EVENT_RULES.has(entry.rule)) {
    return false;
  }
  return atLeastLow(entry.severity) || changes.some((change) => atLeastLow(change.severity) || atLeastLow(change.previousSeverity));
}

function atLeastLow(severity: string): boolean {
  return severityRank(severity as Severity) >= severityRank('low');
}

/** Returns the severity in force at `at`: the one before the first change after it, else the current one. */
function severityAt(current: string, changes: readonly SeverityChangeRow[], at: string): string {
  return changes.find((change) => change.at > at)?.previousSeverity ?? current;
}

function toSeverityChange(change: SeverityChangeRow): SeverityChange {
  const up = SEVERITIES.indexOf(change.severity as Severity) > SEVERITIES.indexOf(change.previousSeverity as Severity);
  return { at: change.at, from: change.previousSeverity, to: change.severity, direction: up ? 'escalated' : 'de-escalated' };
}

function windowRef(window: { id: number; ticket: string; createdBy: string; startsAt: string; effectiveEnd: string; reason: string }): WindowRef {
  return { id: window.id, ticket: window.ticket, createdBy: window.createdBy, startsAt: window.startsAt, endsAt: window.effectiveEnd, reason: window.reason };
}

function exceptionRef(exception: ExceptionRef): ExceptionRef {
  return {
    exceptionId: exception.exceptionId,
    approvedBy: exception.approvedBy,
    expiresAt: exception.expiresAt,
    withdrawnAt: exception.withdrawnAt,
    reason: exception.reason,
  };
}

/** Reads the attribution JSON that event matching writes. Anything else counts as no attribution. */
function parseAttribution(text: string | null): Attribution | null {
  if (text === null) {
    return null;
  }
  const value = parseJson(text) as Partial<Record<keyof Attribution, unknown>> | null;
  if (!value || typeof value !== 'object' || typeof value.userName !== 'string' || typeof value.at !== 'string') {
    return null;
  }
  return {
    userName: value.userName,
    at: value.at,
    eventTypeId: typeof value.eventTypeId === 'string' ? value.eventTypeId : '',
    eventKey: typeof value.eventKey === 'number' ? value.eventKey : null,
    authorized: typeof value.authorized === 'boolean' ? value.authorized : null,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function maxText(a: string, b: string): string {
  return a > b ? a : b;
}
