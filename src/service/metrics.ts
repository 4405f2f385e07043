// Prometheus text exposition (version 0.0.4) of what the service counted
// since it started, plus gauges read from the database at scrape time.
import { SEVERITIES } from '../model/finding.js';
import type { DeliveryCounts } from '../notify/deliverer.js';
import type { VcenterPollResult } from '../poll/poll-vcenter.js';
import type { Store } from '../store/store.js';
import type { RereadWatcher } from './rereads.js';

/** What the service remembers about each vCenter's polls. */
export interface VcenterStatus {
  polls: Map<string, number>;
  skipped: number;
  lastOutcome: string | null;
  lastPollAt: string | null;
  lastSuccessAt: string | null;
  lastDurationSeconds: number | null;
  hostsChecked: number;
  hostsNotChecked: number;
}

export function newVcenterStatus(): VcenterStatus {
  return { polls: new Map(), skipped: 0, lastOutcome: null, lastPollAt: null, lastSuccessAt: null, lastDurationSeconds: null, hostsChecked: 0, hostsNotChecked: 0 };
}

export function recordResult(status: VcenterStatus, result: VcenterPollResult, at: string): void {
  status.polls.set(result.outcome, (status.polls.get(result.outcome) ?? 0) + 1);
  status.lastOutcome = result.outcome;
  status.lastPollAt = at;
  status.lastDurationSeconds = result.durationMs / 1000;
  if (result.outcome !== 'failed') {
    status.hostsChecked = result.hostsChecked;
    status.hostsNotChecked = result.hostsSeen - result.hostsChecked;
  }
  if (result.outcome === 'complete') {
    status.lastSuccessAt = at;
  }
}

type Sample = [labels: Record<string, string>, value: number];

class Exposition {
  private readonly lines: string[] = [];

  add(name: string, type: 'counter' | 'gauge', help: string, samples: readonly Sample[]): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      this.lines.push(`${name}${formatLabels(labels)} ${formatValue(value)}`);
    }
  }

  toString(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

export function renderMetrics(statuses: ReadonlyMap<string, VcenterStatus>, deliveries: DeliveryCounts, store: Store, watchers: ReadonlyMap<string, RereadWatcher>): string {
  const out = new Exposition();
  const vcenters = [...statuses];
  out.add('vdrift_polls_total', 'counter', 'Polls since the service started, by vCenter and outcome.', vcenters.flatMap(([vcenter, status]) =>
    ['complete', 'incomplete', 'failed'].map((outcome): Sample => [{ vcenter, outcome }, status.polls.get(outcome) ?? 0]),
  ));
  out.add('vdrift_polls_skipped_total', 'counter', 'Scheduled polls skipped because the previous poll of the vCenter was still running.', vcenters.map(([vcenter, s]) => [{ vcenter }, s.skipped]));
  out.add('vdrift_poll_duration_seconds', 'gauge', 'Duration of the last poll, read and write.', vcenters.filter(([, s]) => s.lastDurationSeconds !== null).map(([vcenter, s]) => [{ vcenter }, s.lastDurationSeconds!]));
  out.add('vdrift_hosts_checked', 'gauge', 'Hosts judged in the last poll that read hosts.', vcenters.map(([vcenter, s]) => [{ vcenter }, s.hostsChecked]));
  out.add('vdrift_hosts_not_checked', 'gauge', 'Hosts seen but not judged in the last poll that read hosts.', vcenters.map(([vcenter, s]) => [{ vcenter }, s.hostsNotChecked]));
  out.add('vdrift_last_successful_poll_timestamp_seconds', 'gauge', 'Unix time of the last complete poll.', vcenters.filter(([, s]) => s.lastSuccessAt !== null).map(([vcenter, s]) => [{ vcenter }, Date.parse(s.lastSuccessAt!) / 1000]));

  const open = new Map(store.findings.openCountsBySeverity().map((row) => [row.severity, row.count]));
  out.add('vdrift_open_findings', 'gauge', 'Open findings by severity.', SEVERITIES.map((severity) => [{ severity }, open.get(severity) ?? 0]));

  const channels = new Set([...deliveries.delivered.keys(), ...deliveries.retried.keys(), ...deliveries.failed.keys()]);
  out.add('vdrift_deliveries_total', 'counter', 'Delivery attempts since the service started, by channel and result.', [...channels].flatMap((channel) => [
    [{ channel, result: 'delivered' }, deliveries.delivered.get(channel) ?? 0],
    [{ channel, result: 'retried' }, deliveries.retried.get(channel) ?? 0],
    [{ channel, result: 'failed' }, deliveries.failed.get(channel) ?? 0],
  ] as Sample[]));
  const watched = [...watchers];
  out.add('vdrift_events_total', 'counter', 'Firewall events read between polls, by vCenter.', watched.map(([vcenter, w]) => [{ vcenter }, w.counts.events]));
  out.add('vdrift_rereads_total', 'counter', 'Re-reads of single hosts after firewall events, by vCenter and result.', watched.flatMap(([vcenter, w]) =>
    (['drift', 'no-observable-drift', 'failed'] as const).map((result): Sample => [{ vcenter, result }, w.counts.rereads.get(result) ?? 0]),
  ));
  out.add('vdrift_outbox_messages', 'gauge', 'Messages in the outbox by channel and status; pending ones are the backlog.', store.outbox.countByStatus().map((row) => [{ channel: row.channel, status: row.status }, row.count]));
  return out.toString();
}

function formatLabels(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([key, value]) => `${key}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function formatValue(value: number): string {
  if (Number.isFinite(value)) {
    return String(value);
  }
  if (Number.isNaN(value)) {
    return 'NaN';
  }
  return value > 0 ? '+Inf' : '-Inf';
}
