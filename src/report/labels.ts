// Words and numbers as the human-readable formats (Markdown, HTML) print
// them. JSON and CSV keep the raw values.
import { canonicalJson } from '../model/canonical.js';
import type { FindingEntry, FirewallSwitch, Gap, HostStatus, NotEvaluatedReason, TimelineStatus } from './types.js';

export const STATUS_LABELS: Record<HostStatus, string> = {
  compliant: 'compliant',
  'compliant-with-exceptions': 'compliant with exceptions',
  'non-compliant': 'non-compliant',
  'not-evaluated': 'not evaluated',
};

export const REASON_LABELS: Record<NotEvaluatedReason, string> = {
  unreachable: 'unreachable (the last poll before the end did not read it)',
  disconnected: 'disconnected',
  'not-responding': 'not responding',
  'no-permission': 'no permission to read the firewall',
  'no-firewall': 'no firewall state returned',
  'no-rulesets': 'no rulesets returned',
  'no-baseline': 'no baseline matches',
  'baseline-conflict': 'baseline conflict',
  'not-polled-in-period': 'never polled in the period',
  removed: 'removed from the inventory',
};

export const TIMELINE_LABELS: Record<TimelineStatus, string> = {
  compliant: 'compliant',
  accepted: 'drifted, accepted by an exception',
  drifted: 'drifted',
  'not-checked': 'not checked',
  absent: 'not in the inventory',
};

/**
 * Formats seconds as the largest unit and the next one when it is not zero,
 * for example `3 d 4 h`, `1 h` or `12 min 5 s`. Exact values are in JSON and CSV.
 */
export function formatDuration(seconds: number): string {
  const units: [string, number][] = [['d', 86_400], ['h', 3_600], ['min', 60], ['s', 1]];
  const rest = Math.max(0, Math.round(seconds));
  const first = units.findIndex(([, size]) => rest >= size);
  if (first < 0) {
    return '0 s';
  }
  const [name, size] = units[first]!;
  const parts = [`${Math.floor(rest / size)} ${name}`];
  const next = units[first + 1];
  if (next && Math.floor((rest % size) / next[1]) > 0) {
    parts.push(`${Math.floor((rest % size) / next[1])} ${next[0]}`);
  }
  return parts.join(' ');
}

/** Names who made the change behind a finding, and whether that account was authorized. */
export function changedBy(finding: FindingEntry): string {
  const attribution = finding.attribution;
  if (!attribution) {
    return '';
  }
  const unauthorized = attribution.authorized === false ? ' (not an authorized administrator)' : '';
  return `${attribution.userName} at ${attribution.at}${unauthorized}`;
}

/** Formats a value as text: strings as they are, anything else as canonical JSON. */
export function formatValue(value: unknown): string {
  return typeof value === 'string' ? value : canonicalJson(value);
}

/** Formats a percentage with one decimal, or `n/a` when there is no denominator. */
export function formatPercent(value: number | null): string {
  return value === null ? 'n/a' : `${value.toFixed(1)}%`;
}

/** Names the window and exceptions that held a finding, with ticket, approver and expiry. */
export function heldBy(finding: FindingEntry): string {
  const parts: string[] = [];
  if (finding.window) {
    parts.push(`window ${finding.window.id} (ticket ${finding.window.ticket}, by ${finding.window.createdBy})`);
  }
  for (const exception of finding.exceptions) {
    parts.push(`exception ${exception.exceptionId} (approved by ${exception.approvedBy}, expires ${exception.expiresAt})`);
  }
  return parts.join('; ');
}

/** Reads a stored probe result: null when no probe ran, "unknown" when it failed, else its JSON. */
export function firewallSwitchOf(serviceState: string | null): FirewallSwitch {
  if (serviceState === null) {
    return { state: 'not-probed', defaultAction: null };
  }
  try {
    const value = JSON.parse(serviceState) as { enabled?: unknown; defaultAction?: unknown };
    if (typeof value.enabled === 'boolean') {
      return { state: value.enabled ? 'on' : 'off', defaultAction: typeof value.defaultAction === 'string' ? value.defaultAction : null };
    }
  } catch {
    // "unknown", or a value an older vdrift wrote.
  }
  return { state: 'unknown', defaultAction: null };
}

/** The switch for a table cell: "on (DROP)", "off (PASS)", "unknown" or "-". */
export function firewallSwitchLabel(value: FirewallSwitch): string {
  if (value.state === 'not-probed') {
    return '-';
  }
  return value.defaultAction === null ? value.state : `${value.state} (${value.defaultAction})`;
}

/** Says why polls are missing: vdrift did not watch the vCenter yet, or its polls failed or did not run. */
export function gapCause(gap: Gap): string {
  return gap.beforeFirstPoll ? 'before the first poll of this vCenter' : 'no complete poll';
}
