// The one-line summary of a notification, for people.
import { severityRank, type Severity } from '../model/finding.js';
import type { NotificationItem, NotificationReason } from '../model/notification.js';
import type { ItemGroup } from './group.js';

const VERBS: Record<NotificationReason, string> = {
  opened: 'opened',
  escalated: 'escalated',
  'de-escalated': 'de-escalated',
  resolved: 'resolved',
  repeat: 'still open',
};

export function highestSeverity(items: readonly NotificationItem[]): Severity {
  return items.reduce<Severity>((best, item) => (severityRank(item.severity) > severityRank(best) ? item.severity : best), 'info');
}

export function summarize({ group, items }: ItemGroup): string {
  const severity = highestSeverity(items).toUpperCase();
  const first = items[0]!;
  const verbs = [...new Set(items.map((item) => VERBS[item.reason]))].join(' and ');
  if (group.kind === 'single') {
    return `${severity}: ${verbs}: ${first.message}`;
  }
  if (group.kind === 'ruleset') {
    const hosts = new Set(items.map((item) => item.host)).size;
    const subject = first.ruleset ? `ruleset ${first.ruleset}` : 'the firewall';
    return `${severity}: ${first.rule} ${verbs} for ${subject} on ${hosts} hosts (vCenter ${first.vcenter})`;
  }
  return `${severity}: ${items.length} firewall findings ${verbs} on ${first.host ?? 'vCenter'} (vCenter ${first.vcenter})`;
}
