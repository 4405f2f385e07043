// The report summary, counted while the first pass judges each host.
import { percent } from './coverage.js';
import type { Judgement } from './host-judgement.js';
import { NOT_EVALUATED_REASONS, type FindingCounts, type FindingEntry, type NotEvaluatedReason, type Summary } from './types.js';

export class SummaryTally {
  private readonly counts = { hostsInScope: 0, compliant: 0, compliantWithExceptions: 0, nonCompliant: 0, notEvaluated: 0 };
  private readonly reasons = Object.fromEntries(NOT_EVALUATED_REASONS.map((reason) => [reason, 0])) as Record<NotEvaluatedReason, number>;
  private readonly findings: FindingCounts = { opened: 0, escalated: 0, deescalated: 0, resolved: 0, openAtEnd: 0 };

  addHost(judgement: Judgement): void {
    this.counts.hostsInScope += 1;
    switch (judgement.status) {
      case 'compliant':
        this.counts.compliant += 1;
        break;
      case 'compliant-with-exceptions':
        this.counts.compliantWithExceptions += 1;
        break;
      case 'non-compliant':
        this.counts.nonCompliant += 1;
        break;
      case 'not-evaluated':
        this.counts.notEvaluated += 1;
        this.reasons[judgement.reason!] += 1;
        break;
    }
  }

  addFindings(entries: readonly FindingEntry[]): void {
    for (const entry of entries) {
      this.findings.opened += entry.openedInPeriod ? 1 : 0;
      this.findings.resolved += entry.resolvedAt !== null ? 1 : 0;
      this.findings.openAtEnd += entry.openAtEnd ? 1 : 0;
      for (const change of entry.severityChanges) {
        this.findings[change.direction === 'escalated' ? 'escalated' : 'deescalated'] += 1;
      }
    }
  }

  summary(): Summary {
    const evaluated = this.counts.compliant + this.counts.compliantWithExceptions + this.counts.nonCompliant;
    return {
      hostsInScope: this.counts.hostsInScope,
      evaluated,
      compliant: this.counts.compliant,
      compliantWithExceptions: this.counts.compliantWithExceptions,
      nonCompliant: this.counts.nonCompliant,
      notEvaluated: this.counts.notEvaluated,
      notEvaluatedByReason: { ...this.reasons },
      complianceRatePercent: percent(this.counts.compliant + this.counts.compliantWithExceptions, evaluated),
      findings: { ...this.findings },
    };
  }
}
