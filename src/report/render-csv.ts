// The report as one CSV file (RFC 4180: CRLF line ends, fields with a comma,
// quote or line break quoted, quotes doubled). The `record` column names the
// kind of row. One `report` row with the generation time comes first. Then
// each host has a `host` row followed by one `finding` row per finding of
// that host, and the findings about vCenters as a whole come last. Columns
// that do not apply to a row are empty.
//
// Spreadsheets run a cell that starts with =, +, - or @ as a formula, so
// such cells (and cells starting with a tab or carriage return, which some
// spreadsheets skip before that check) get a leading single quote.
import type { TextSink } from './sink.js';
import type { FindingEntry, HostSection, Report } from './types.js';

export const CSV_COLUMNS = [
  'record',
  'period_from',
  'period_to',
  'generated_at',
  'vcenter',
  'cluster',
  'host',
  'host_moid',
  'status',
  'not_evaluated_reason',
  'not_evaluated_detail',
  'baseline_id',
  'baseline_version',
  'baseline_hash',
  'baseline_approved_by',
  'baseline_approved_at',
  'baseline_ticket',
  'snapshot_hash',
  'state_first_poll_id',
  'state_first_seen_at',
  'state_last_poll_id',
  'state_last_seen_at',
  'differences',
  'difference_paths',
  'finding_id',
  'fingerprint',
  'rule',
  'ruleset',
  'severity',
  'opened_at',
  'resolved_at',
  'open_at_end',
  'duration_seconds',
  'severity_changes',
  'window_ticket',
  'exception_ids',
  'exception_approved_by',
  'exception_expires_at',
  'accepted_at_end',
  'changed_by',
  'changed_at',
  'changed_by_authorized',
  'message',
] as const;

type Column = (typeof CSV_COLUMNS)[number];
type Row = Partial<Record<Column, string | number | boolean | null>>;

export function renderCsv(report: Report, sink: TextSink): void {
  const { period, generatedAt, vcenterFindings } = report.header;
  const base: Row = { period_from: period.from, period_to: period.to };
  sink.write(csvLine(CSV_COLUMNS));
  sink.write(row({ ...base, record: 'report', generated_at: generatedAt }));
  for (const host of report.hosts()) {
    sink.write(row({ ...base, ...hostRow(host) }));
    for (const finding of host.findings) {
      sink.write(row({ ...base, host_moid: host.moid, ...findingRow(finding) }));
    }
  }
  for (const finding of vcenterFindings) {
    sink.write(row({ ...base, ...findingRow(finding) }));
  }
}

function hostRow(host: HostSection): Row {
  const end = host.states[host.states.length - 1];
  return {
    record: 'host',
    vcenter: host.vcenter,
    cluster: host.cluster,
    host: host.name,
    host_moid: host.moid,
    status: host.status,
    not_evaluated_reason: host.reason,
    not_evaluated_detail: host.reasonDetail,
    baseline_id: host.baseline?.id,
    baseline_version: host.baseline?.version,
    baseline_hash: host.baseline?.hash,
    baseline_approved_by: host.baseline?.approvedBy,
    baseline_approved_at: host.baseline?.approvedAt,
    baseline_ticket: host.baseline?.ticket,
    snapshot_hash: end?.snapshotHash,
    state_first_poll_id: end?.firstPoll.id,
    state_first_seen_at: end?.firstPoll.at,
    state_last_poll_id: end?.lastPoll.id,
    state_last_seen_at: end?.lastPoll.at,
    differences: host.differences.length,
    difference_paths: host.differences.map((difference) => difference.path).join('; '),
  };
}

function findingRow(finding: FindingEntry): Row {
  return {
    record: 'finding',
    vcenter: finding.vcenter,
    cluster: finding.cluster,
    host: finding.host,
    baseline_id: finding.baseline?.id,
    baseline_version: finding.baseline?.version,
    baseline_hash: finding.baseline?.hash,
    finding_id: finding.id,
    fingerprint: finding.fingerprint,
    rule: finding.rule,
    ruleset: finding.ruleset,
    severity: finding.severity,
    opened_at: finding.openedAt,
    resolved_at: finding.resolvedAt,
    open_at_end: finding.openAtEnd,
    duration_seconds: finding.durationSeconds,
    severity_changes: finding.severityChanges.map((change) => `${change.at} ${change.from}>${change.to}`).join('; '),
    window_ticket: finding.window?.ticket,
    exception_ids: finding.exceptions.map((exception) => exception.exceptionId).join('; '),
    exception_approved_by: finding.exceptions.map((exception) => exception.approvedBy).join('; '),
    exception_expires_at: finding.exceptions.map((exception) => exception.expiresAt).join('; '),
    accepted_at_end: finding.acceptedAtEnd,
    changed_by: finding.attribution?.userName,
    changed_at: finding.attribution?.at,
    changed_by_authorized: finding.attribution?.authorized,
    message: finding.message,
  };
}

function row(values: Row): string {
  return csvLine(CSV_COLUMNS.map((column) => values[column]));
}

function csvLine(values: readonly (string | number | boolean | null | undefined)[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) {
    return '';
  }
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) {
    text = `'${text}`;
  }
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
