// The report as one self-contained HTML file: inline CSS and SVG, no
// scripts, fonts, images or links to other documents, so it reads the same
// offline, with JavaScript off and on paper. Every value goes through
// escapeHtml.
import { escapeHtml as h, summaryChart, timelineChart, timelineLegend } from './html-charts.js';
import { HTML_STYLE } from './html-style.js';
import { changedBy, firewallSwitchLabel, gapCause, formatDuration, formatPercent, formatValue, heldBy, REASON_LABELS, STATUS_LABELS } from './labels.js';
import type { TextSink } from './sink.js';
import type { FindingEntry, HostIndexEntry, HostSection, Report, ReportHeader } from './types.js';

export function renderHtml(report: Report, sink: TextSink): void {
  const { header } = report;
  const title = `ESXi firewall compliance report, ${header.period.from} to ${header.period.to}`;
  sink.write(`<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n`);
  sink.write(`<title>${h(title)}</title>\n<style>${HTML_STYLE}</style>\n</head>\n<body>\n`);
  sink.write(`<header>\n<h1>ESXi firewall compliance report</h1>\n<p class="meta">${periodText(header)}</p>\n</header>\n`);
  writeSummary(header, sink);
  writeAttention(report.index, sink);
  writeCoverage(header, sink);
  writeBaselines(header, sink);
  writeHolds(header, sink);
  if (header.vcenterFindings.length > 0) {
    sink.write(`<section id="vcenter-findings">\n<h2>vCenter findings</h2>\n${findingsTable(header.vcenterFindings)}</section>\n`);
  }
  sink.write(`<section id="hosts">\n<h2>Hosts</h2>\n${timelineLegend()}\n<div class="axis"><span>${h(header.period.from)}</span><span>${h(header.period.to)}</span></div>\n`);
  let index = 0;
  for (const host of report.hosts()) {
    writeHost(host, index, header, sink);
    index += 1;
  }
  sink.write(`</section>\n</body>\n</html>\n`);
}

function periodText(header: ReportHeader): string {
  const { period, filters } = header;
  const scope = [['vCenters', filters.vcenters], ['clusters', filters.clusters], ['hosts', filters.hosts]]
    .map(([name, values]) => `${name}: ${(values as string[]).length === 0 ? 'all' : (values as string[]).join(', ')}`)
    .join('; ');
  const clamped = period.endsAtGeneration ? ' (the requested end was later than the generation time)' : '';
  return `Period ${h(period.from)} to ${h(period.to)}${clamped}. Generated at ${h(header.generatedAt)}. Scope: ${h(scope)}.`;
}

function writeSummary(header: ReportHeader, sink: TextSink): void {
  const s = header.summary;
  const rows: [string, number][] = [
    ['Hosts in scope', s.hostsInScope],
    ['Evaluated', s.evaluated],
    ['Compliant', s.compliant],
    ['Compliant with exceptions', s.compliantWithExceptions],
    ['Non-compliant', s.nonCompliant],
    ['Not evaluated', s.notEvaluated],
  ];
  sink.write(`<section id="summary">\n<h2>Summary</h2>\n`);
  sink.write(`<p class="rate">Compliance rate ${h(formatPercent(s.complianceRatePercent))}: ${s.compliant + s.compliantWithExceptions} of ${s.evaluated} evaluated hosts `);
  sink.write(`(${s.notEvaluated} of ${s.hostsInScope} hosts in scope not evaluated)</p>\n${summaryChart(s)}\n`);
  sink.write(table(['Hosts', 'Count'], rows.map(([name, count]) => [h(name), num(count)])));
  const reasons = Object.entries(s.notEvaluatedByReason).filter(([, count]) => count > 0);
  if (reasons.length > 0) {
    sink.write(table(['Not evaluated because', 'Hosts'], reasons.map(([reason, count]) => [h(REASON_LABELS[reason as keyof typeof REASON_LABELS]), num(count)])));
  }
  const f = s.findings;
  sink.write(`<p>Findings in the period: ${f.opened} opened, ${f.escalated} escalated, ${f.deescalated} de-escalated, ${f.resolved} resolved, ${f.openAtEnd} open at the end.</p>\n`);
  sink.write(`<p><strong>Definition.</strong> ${h(header.definitions.compliant ?? '')}</p>\n</section>\n`);
}

/** Links to the hosts that are not plainly compliant, so a reader of a long report finds them. */
function writeAttention(index: readonly HostIndexEntry[], sink: TextSink): void {
  const rows = index
    .map((entry, position) => ({ entry, position }))
    .filter(({ entry }) => entry.status !== 'compliant')
    .map(({ entry, position }) => [
      `<a href="#host-${position}">${h(entry.name)}</a>`,
      h(entry.vcenter),
      h(entry.cluster ?? 'standalone'),
      badge(entry.status),
      h(entry.reason ? REASON_LABELS[entry.reason] : ''),
    ]);
  sink.write(`<section id="attention">\n<h2>Hosts not plainly compliant</h2>\n`);
  sink.write(rows.length === 0 ? '<p>None.</p>\n' : table(['Host', 'vCenter', 'Cluster', 'Status', 'Reason'], rows));
  sink.write(`</section>\n`);
}

function writeCoverage(header: ReportHeader, sink: TextSink): void {
  const { schedule } = header;
  const every = schedule.intervalSeconds === null ? '' : `, every ${formatDuration(schedule.intervalSeconds)} at the shortest`;
  sink.write(`<section id="coverage">\n<h2>Poll coverage</h2>\n<p>Schedule <code>${h(schedule.expression)}</code> in time zone ${h(schedule.timeZone)}${h(every)}. `);
  sink.write(`An expected poll is covered when a complete poll started before the next expected one.</p>\n`);
  const rows = header.coverage.map((c) => [h(c.vcenter), num(c.coveredPolls), num(c.expectedPolls), h(formatPercent(c.coveragePercent)), num(c.completePolls), num(c.incompletePolls), num(c.failedPolls), num(c.gaps.length)]);
  sink.write(table(['vCenter', 'Covered', 'Expected', 'Coverage', 'Complete polls', 'Incomplete', 'Failed', 'Gaps'], rows));
  const gaps = header.coverage.flatMap((c) => c.gaps.map((gap) => [h(c.vcenter), h(gap.from), h(gap.to), num(gap.missedPolls), h(formatDuration(gap.durationSeconds)), h(gapCause(gap))]));
  if (gaps.length > 0) {
    sink.write(`<p>Gaps longer than two intervals:</p>\n${table(['vCenter', 'From', 'To', 'Missed polls', 'Duration', 'Cause'], gaps)}`);
  }
  sink.write(`</section>\n`);
}

function writeBaselines(header: ReportHeader, sink: TextSink): void {
  const rows = header.baselines.map((b) => [h(b.id), num(b.version), mono(b.hash), h(b.approvedBy), h(b.approvedAt), h(b.ticket), h(b.firstInForce), h(b.lastInForce), num(b.hostsJudged)]);
  sink.write(`<section id="baselines">\n<h2>Baseline versions in force</h2>\n`);
  sink.write(rows.length === 0 ? '<p>None.</p>\n' : table(['Baseline', 'Version', 'Content hash', 'Approved by', 'Approved at', 'Ticket', 'First in force', 'Last in force', 'Hosts'], rows));
  sink.write(`</section>\n`);
}

function writeHolds(header: ReportHeader, sink: TextSink): void {
  sink.write(`<section id="holds">\n<h2>Maintenance windows and exceptions</h2>\n`);
  const windows = header.windows.map((w) => [num(w.id), h(w.ticket), h(w.startsAt), h(w.endedAt ?? w.endsAt), h(w.createdBy), mono(formatValue(w.scope)), h(w.reason)]);
  sink.write(windows.length === 0 ? '<p>No maintenance window applied to hosts in scope.</p>\n' : table(['Window', 'Ticket', 'From', 'To', 'By', 'Scope', 'Reason'], windows));
  const exceptions = header.exceptions.map((e) => [
    h(e.exceptionId),
    h(e.rule),
    h(e.ruleset ?? ''),
    h(e.host ?? `cluster ${e.cluster ?? ''}`),
    h(e.approvedBy),
    h(e.expiresAt),
    h(e.withdrawnAt ?? ''),
    h(e.reason),
  ]);
  sink.write(
    exceptions.length === 0
      ? '<p>No exception was in force for hosts in scope.</p>\n'
      : table(['Exception', 'Rule', 'Ruleset', 'Host or cluster', 'Approved by', 'Expires', 'Withdrawn', 'Reason'], exceptions),
  );
  sink.write(`</section>\n`);
}

function writeHost(host: HostSection, index: number, header: ReportHeader, sink: TextSink): void {
  const detailed = host.differences.length > 0 || host.findings.length > 0;
  sink.write(`<section class="host${detailed ? ' detailed' : ''}" id="host-${index}">\n`);
  sink.write(`<h3>${h(host.name)} ${badge(host.status)}</h3>\n<p class="meta">vCenter ${h(host.vcenter)}, cluster ${h(host.cluster ?? 'standalone')}, ${h(host.moid)}</p>\n`);
  if (host.reason !== null) {
    sink.write(`<p>Not evaluated: ${h(REASON_LABELS[host.reason])}${host.reasonDetail ? ` (${h(host.reasonDetail)})` : ''}.</p>\n`);
  }
  sink.write(`${timelineChart(host.timeline, header.period)}\n`);
  const b = host.baseline;
  if (b) {
    sink.write(`<p>Baseline ${h(b.id)} version ${b.version}, content hash ${mono(b.hash)}, approved by ${h(b.approvedBy)} at ${h(b.approvedAt)}, ticket ${h(b.ticket)}.</p>\n`);
  }
  if (host.differences.length > 0) {
    const rows = host.differences.map((d) => [mono(d.path), mono(formatValue(d.current)), mono(formatValue(d.target)), h(d.rule), h(d.severity), h(d.detail ?? '')]);
    sink.write(table(['Path', 'Current', 'Target', 'Rule', 'Severity', 'Detail'], rows));
  }
  if (host.findings.length > 0) {
    sink.write(findingsTable(host.findings));
  }
  const states = host.states.map((s) => [
    mono(s.snapshotHash ?? ''),
    h(s.notCheckedReason ?? 'checked'),
    h(firewallSwitchLabel(s.firewallSwitch)),
    h(s.baseline ? `${s.baseline.id} v${s.baseline.version}` : ''),
    h(`${s.firstPoll.id} at ${s.firstPoll.at}`),
    h(`${s.lastPoll.id} at ${s.lastPoll.at}${s.current ? ' (current)' : ''}`),
  ]);
  sink.write(`${table(['Snapshot', 'State', 'Firewall', 'Baseline', 'First poll', 'Last poll'], states)}</section>\n`);
}

function findingsTable(findings: readonly FindingEntry[]): string {
  const rows = findings.map((f) => [
    h(f.rule),
    h(f.ruleset ?? ''),
    h(f.severity),
    h(f.openedAt),
    h(f.resolvedAt ?? 'open'),
    h(`${formatDuration(f.durationSeconds)}${f.openAtEnd ? ' so far' : ''}`),
    h(f.severityChanges.map((c) => `${c.from} to ${c.to} at ${c.at}`).join('; ')),
    h(heldBy(f)),
    h(changedBy(f)),
    h(f.message),
  ]);
  return table(['Rule', 'Ruleset', 'Severity', 'Opened', 'Resolved', 'Lasted', 'Severity changes', 'Held by', 'Changed by', 'Message'], rows);
}

function badge(status: HostIndexEntry['status']): string {
  return `<span class="badge status-${status}">${h(STATUS_LABELS[status])}</span>`;
}

/** Builds a table from cells of escaped HTML. A cell that is already a <td> element, as num() makes it, is kept as it is. */
function table(head: string[], rows: string[][]): string {
  const headRow = `<tr>${head.map((cell) => `<th>${h(cell)}</th>`).join('')}</tr>`;
  const body = rows.map((row) => `<tr>${row.map((cell) => (cell.startsWith('<td') ? cell : `<td>${cell}</td>`)).join('')}</tr>`).join('\n');
  return `<table>\n<thead>${headRow}</thead>\n<tbody>\n${body}\n</tbody>\n</table>\n`;
}

function num(value: number): string {
  return `<td class="num">${value}</td>`;
}

function mono(text: string): string {
  return `<span class="mono">${h(text)}</span>`;
}
