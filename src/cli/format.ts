// Human and JSON renderings of findings and poll results.
import { SEVERITIES, severityRank, type Severity, type StoredFinding } from '../model/finding.js';
import { pollFigures, type VcenterPollResult } from '../poll/poll-vcenter.js';

export function findingJson(finding: StoredFinding): Record<string, unknown> {
  return {
    fingerprint: finding.fingerprint,
    rule: finding.rule,
    severity: finding.severity,
    status: finding.status,
    vcenter: finding.vcenter,
    cluster: finding.cluster,
    host: finding.host,
    hostMoid: finding.hostMoid,
    ruleset: finding.ruleset,
    expected: finding.expected,
    actual: finding.actual,
    message: finding.message,
    baseline: finding.baseline,
    firstSeen: finding.firstSeen,
    lastSeen: finding.lastSeen,
    resolvedAt: finding.resolvedAt,
    resolution: finding.resolution,
    accepted: finding.hold?.kind === 'exception',
    hold: finding.hold,
    windowTicket: finding.windowTicket,
    attribution: finding.attribution,
  };
}

export function pollJson(result: VcenterPollResult): Record<string, unknown> {
  return {
    vcenter: result.vcenter,
    ...pollFigures(result),
    error: result.error,
    firewallStateUnknown: result.firewallStateUnknown,
    opened: result.transitions.filter((t) => t.kind === 'opened').length,
    resolved: result.transitions.filter((t) => t.kind === 'resolved').length,
  };
}

export function pollLine(result: VcenterPollResult): string {
  if (result.outcome === 'failed') {
    return `${result.vcenter}: poll failed: ${result.error}`;
  }
  if (result.outcome === 'incomplete') {
    return `${result.vcenter}: incomplete poll, ${result.hostsSeen} hosts seen before the read stopped (${result.error}); hosts not seen keep their last state`;
  }
  const opened = result.transitions.filter((t) => t.kind === 'opened').length;
  const resolved = result.transitions.filter((t) => t.kind === 'resolved').length;
  const line = `${result.vcenter}: ${result.outcome} poll, ${count(result.hostsSeen, 'host')} seen, ${result.hostsChecked} checked, ${count(opened, 'finding')} opened, ${resolved} resolved, ${result.durationMs} ms`;
  const unknown = result.firewallStateUnknown.map(({ host, error }) => `\n  firewall state unknown on ${host}: ${error}`);
  return line + unknown.join('');
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** Findings as an aligned table, most severe first, then by host and ruleset. */
export function findingsTable(findings: readonly StoredFinding[]): string {
  if (findings.length === 0) {
    return 'no findings';
  }
  const sorted = [...findings].sort(
    (a, b) => severityRank(b.severity) - severityRank(a.severity) || compare(a.host, b.host) || compare(a.ruleset, b.ruleset) || compare(a.rule, b.rule),
  );
  const rows = sorted.map((f) => [statusLabel(f), f.rule, `${f.vcenter}/${f.host ?? '-'}`, f.ruleset ?? '-', messageWithAuthor(f)]);
  return table([['SEVERITY', 'RULE', 'HOST', 'RULESET', 'MESSAGE'], ...rows]);
}

/**
 * Summarizes open findings by severity. With `unread` naming vCenters that
 * were not polled completely, it adds that the count covers only what was read,
 * so that an empty list never reads as all clear.
 */
export function severitySummary(findings: readonly StoredFinding[], unread: readonly string[] = []): string {
  const counts = new Map<Severity, number>();
  for (const finding of findings) {
    counts.set(finding.severity, (counts.get(finding.severity) ?? 0) + 1);
  }
  const parts = [...SEVERITIES].reverse().filter((s) => counts.has(s)).map((s) => `${counts.get(s)} ${s}`);
  const hosts = new Set(findings.filter((f) => f.hostMoid !== null).map((f) => `${f.vcenter}/${f.hostMoid}`)).size;
  const accepted = findings.filter((f) => f.hold?.kind === 'exception').length;
  const summary = `${findings.length} open finding${findings.length === 1 ? '' : 's'} on ${hosts} host${hosts === 1 ? '' : 's'}${parts.length > 0 ? `: ${parts.join(', ')}` : ''}${accepted > 0 ? ` (${accepted} accepted by exceptions)` : ''}`;
  if (unread.length === 0) {
    return summary;
  }
  return `${summary}\nnot every host was read: ${unread.join(', ')} could not be polled completely, so hosts there that were not read keep their last state`;
}

/** Returns whether findings need attention: open ones that no exception accepts. */
export function needsAttention(findings: readonly StoredFinding[]): boolean {
  return findings.some((finding) => finding.status === 'open' && finding.hold?.kind !== 'exception');
}

/** Returns the message, plus who made the change when the message does not already name them. */
function messageWithAuthor(finding: StoredFinding): string {
  const attribution = finding.attribution;
  if (attribution === null || attribution.authorized === false) {
    return finding.message;
  }
  return `${finding.message}; changed by ${attribution.userName} at ${attribution.at}`;
}

function statusLabel(finding: StoredFinding): string {
  if (finding.status === 'resolved') {
    return `${finding.severity} (resolved)`;
  }
  if (finding.hold?.kind === 'exception') {
    return `${finding.severity} (accepted)`;
  }
  if (finding.hold) {
    return `${finding.severity} (held: ${finding.hold.kind}${finding.windowTicket ? ` ${finding.windowTicket}` : ''})`;
  }
  return finding.severity;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  '))
    .join('\n');
}

function compare(a: string | null, b: string | null): number {
  return (a ?? '').localeCompare(b ?? '');
}
