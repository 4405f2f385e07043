// The report as Markdown for pasting into a ticket. Every value goes
// through `md`, which escapes Markdown syntax and HTML, because ticket
// systems render both.
import { changedBy, firewallSwitchLabel, gapCause, formatDuration, formatPercent, formatValue, heldBy, REASON_LABELS, STATUS_LABELS } from './labels.js';
import type { TextSink } from './sink.js';
import type { FindingEntry, HostSection, Report, ReportHeader } from './types.js';

export function renderMarkdown(report: Report, sink: TextSink): void {
  const { header } = report;
  sink.write(`# ESXi firewall compliance report\n\n`);
  sink.write(`Period: ${md(header.period.from)} to ${md(header.period.to)}${header.period.endsAtGeneration ? ' (the requested end was later than the generation time)' : ''}. `);
  sink.write(`Generated at ${md(header.generatedAt)}. Scope: ${md(scopeText(header))}.\n\n`);
  writeSummary(header, sink);
  writeCoverage(header, sink);
  writeBaselines(header, sink);
  writeHolds(header, sink);
  if (header.vcenterFindings.length > 0) {
    sink.write(`## vCenter findings\n\n`);
    writeFindings(header.vcenterFindings, sink);
  }
  sink.write(`## Hosts\n\n`);
  for (const host of report.hosts()) {
    writeHost(host, sink);
  }
}

function writeSummary(header: ReportHeader, sink: TextSink): void {
  const s = header.summary;
  sink.write(`## Summary\n\n`);
  sink.write(table(['hosts', 'count'], [
    ['in scope', s.hostsInScope],
    ['evaluated', s.evaluated],
    ['compliant', s.compliant],
    ['compliant with exceptions', s.compliantWithExceptions],
    ['non-compliant', s.nonCompliant],
    ['not evaluated', s.notEvaluated],
  ]));
  sink.write(`Compliance rate: ${formatPercent(s.complianceRatePercent)} (${s.compliant + s.compliantWithExceptions} of ${s.evaluated} evaluated hosts; `);
  sink.write(`${s.notEvaluated} of ${s.hostsInScope} hosts in scope not evaluated).\n\n`);
  const reasons = Object.entries(s.notEvaluatedByReason).filter(([, count]) => count > 0);
  if (reasons.length > 0) {
    sink.write(table(['not evaluated because', 'hosts'], reasons.map(([reason, count]) => [REASON_LABELS[reason as keyof typeof REASON_LABELS], count])));
  }
  const f = s.findings;
  sink.write(`Findings in the period: ${f.opened} opened, ${f.escalated} escalated, ${f.deescalated} de-escalated, ${f.resolved} resolved, ${f.openAtEnd} open at the end.\n\n`);
  sink.write(`Definition: ${md(header.definitions.compliant ?? '')}\n\n`);
}

function writeCoverage(header: ReportHeader, sink: TextSink): void {
  const { schedule } = header;
  sink.write(`## Poll coverage\n\n`);
  sink.write(`Schedule \`${schedule.expression.replaceAll('`', "'")}\` in time zone ${md(schedule.timeZone)}`);
  sink.write(schedule.intervalSeconds === null ? '.\n\n' : `, every ${formatDuration(schedule.intervalSeconds)} at the shortest.\n\n`);
  const rows = header.coverage.map((c) => [c.vcenter, c.coveredPolls, c.expectedPolls, formatPercent(c.coveragePercent), c.completePolls, c.incompletePolls, c.failedPolls, c.gaps.length]);
  sink.write(table(['vCenter', 'covered', 'expected', 'coverage', 'complete polls', 'incomplete', 'failed', 'gaps'], rows));
  const gaps = header.coverage.flatMap((c) => c.gaps.map((gap) => [c.vcenter, gap.from, gap.to, gap.missedPolls, formatDuration(gap.durationSeconds), gapCause(gap)]));
  if (gaps.length > 0) {
    sink.write(`Gaps longer than two intervals:\n\n`);
    sink.write(table(['vCenter', 'from', 'to', 'missed polls', 'duration', 'cause'], gaps));
  }
}

function writeBaselines(header: ReportHeader, sink: TextSink): void {
  sink.write(`## Baseline versions in force\n\n`);
  const rows = header.baselines.map((b) => [b.id, b.version, b.hash, b.approvedBy, b.approvedAt, b.ticket, b.firstInForce, b.lastInForce, b.hostsJudged]);
  sink.write(rows.length === 0 ? 'None.\n\n' : table(['baseline', 'version', 'content hash', 'approved by', 'approved at', 'ticket', 'first in force', 'last in force', 'hosts'], rows));
}

function writeHolds(header: ReportHeader, sink: TextSink): void {
  sink.write(`## Maintenance windows and exceptions\n\n`);
  const windows = header.windows.map((w) => [w.id, w.ticket, w.startsAt, w.endedAt ?? w.endsAt, w.createdBy, formatValue(w.scope), w.reason]);
  sink.write(windows.length === 0 ? 'No maintenance window applied to hosts in scope.\n\n' : table(['window', 'ticket', 'from', 'to', 'by', 'scope', 'reason'], windows));
  const exceptions = header.exceptions.map((e) => [e.exceptionId, e.rule, e.ruleset ?? '', e.host ?? `cluster ${e.cluster}`, e.approvedBy, e.expiresAt, e.withdrawnAt ?? '', e.reason]);
  sink.write(
    exceptions.length === 0
      ? 'No exception was in force for hosts in scope.\n\n'
      : table(['exception', 'rule', 'ruleset', 'host or cluster', 'approved by', 'expires', 'withdrawn', 'reason'], exceptions),
  );
}

function writeHost(host: HostSection, sink: TextSink): void {
  sink.write(`### ${md(host.vcenter)} / ${md(host.cluster ?? 'standalone')} / ${md(host.name)}: ${STATUS_LABELS[host.status]}\n\n`);
  if (host.reason !== null) {
    sink.write(`Not evaluated: ${md(REASON_LABELS[host.reason])}${host.reasonDetail ? ` (${md(host.reasonDetail)})` : ''}.\n\n`);
  }
  const b = host.baseline;
  if (b) {
    sink.write(`Baseline ${md(b.id)} version ${b.version} (content hash ${md(b.hash)}), approved by ${md(b.approvedBy)} at ${md(b.approvedAt)}, ticket ${md(b.ticket)}.\n\n`);
  }
  if (host.differences.length > 0) {
    const rows = host.differences.map((d) => [d.path, formatValue(d.current), formatValue(d.target), d.rule, d.severity, d.detail ?? '']);
    sink.write(table(['path', 'current', 'target', 'rule', 'severity', 'detail'], rows));
  }
  if (host.findings.length > 0) {
    writeFindings(host.findings, sink);
  }
  const states = host.states.map((s) => [
    s.snapshotHash ?? '',
    s.notCheckedReason ?? 'checked',
    firewallSwitchLabel(s.firewallSwitch),
    s.baseline ? `${s.baseline.id} v${s.baseline.version}` : '',
    `${s.firstPoll.id} at ${s.firstPoll.at}`,
    `${s.lastPoll.id} at ${s.lastPoll.at}${s.current ? ' (current)' : ''}`,
  ]);
  sink.write(table(['snapshot', 'state', 'firewall', 'baseline', 'first poll', 'last poll'], states));
}

function writeFindings(findings: readonly FindingEntry[], sink: TextSink): void {
  const rows = findings.map((f) => [
    f.rule,
    f.ruleset ?? '',
    f.severity,
    f.openedAt,
    f.resolvedAt ?? 'open',
    `${formatDuration(f.durationSeconds)}${f.openAtEnd ? ' so far' : ''}`,
    heldBy(f),
    changedBy(f),
    f.message,
  ]);
  sink.write(table(['rule', 'ruleset', 'severity', 'opened', 'resolved', 'lasted', 'held by', 'changed by', 'message'], rows));
}

function scopeText(header: ReportHeader): string {
  const { vcenters, clusters, hosts } = header.filters;
  const part = (name: string, values: string[]) => `${name} ${values.length === 0 ? 'all' : values.join(', ')}`;
  return [part('vCenters', vcenters), part('clusters', clusters), part('hosts', hosts)].join('; ');
}

function table(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.map((cell) => md(String(cell))).join(' | ')} |\n`;
  return `${line(head)}|${head.map(() => ' --- |').join('')}\n${rows.map(line).join('')}\n`;
}

/**
 * Escapes text for inline Markdown: HTML-special characters as entities,
 * emphasis, code, link, table and strike-through syntax with a backslash,
 * line breaks as spaces. Block syntax (#, -, 1.) only works at the start of
 * a line, and every value here follows fixed text.
 */
export function md(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replace(/[\\`*_[\]|~]/g, '\\$&')
    .replace(/[\r\n]+/g, ' ');
}
