// The text people read in chat channels (Slack, Teams): a headline and, per
// item, a title and labelled facts. Each channel turns this view into its
// own markup and escapes it there. No URL is added anywhere.
import { RULES } from '../drift/catalogue.js';
import type { Notification, NotificationItem, NotificationReason } from '../model/notification.js';

/** Items shown in one chat message; the rest are counted in `omitted`. */
export const MAX_ITEMS_SHOWN = 20;

/** Longest expected or actual value shown in chat, in characters. The webhook and PagerDuty channels carry the full values. */
const MAX_VALUE_CHARS = 120;

export const TEST_HEADLINE = 'Test notification from vdrift: no finding';

const REASON_LABELS: Record<NotificationReason, string> = {
  opened: 'Opened',
  escalated: 'Escalated',
  'de-escalated': 'De-escalated',
  resolved: 'Resolved',
  repeat: 'Still open',
};

export interface Fact {
  label: string;
  value: string;
}

export interface ItemView {
  /** The reason and the finding's message, for example "Opened: ruleset sshServer is enabled …". */
  title: string;
  facts: Fact[];
}

export interface NotificationView {
  headline: string;
  /** For a test notification, the summary that follows the test headline. */
  testDetail: string | null;
  items: ItemView[];
  /** Items left out after the first maxItems. */
  omitted: number;
}

export function viewNotification(notification: Notification, maxItems = MAX_ITEMS_SHOWN): NotificationView {
  const shown = notification.items.slice(0, maxItems);
  return {
    headline: notification.test ? TEST_HEADLINE : headline(notification),
    testDetail: notification.test ? notification.summary : null,
    items: shown.map(viewItem),
    omitted: notification.items.length - shown.length,
  };
}

/** Returns the summary led by the severity, unless the summary already starts with it. */
function headline(notification: Notification): string {
  const severity = notification.severity.toUpperCase();
  return notification.summary.startsWith(`${severity}:`) ? notification.summary : `${severity}: ${notification.summary}`;
}

/** Returns the line for `count` items that did not fit, for example "and 10 more findings not shown". */
export function omittedLine(count: number): string {
  return `and ${count} more ${count === 1 ? 'finding' : 'findings'} not shown`;
}

export function reasonLabel(reason: NotificationReason): string {
  return REASON_LABELS[reason];
}

function viewItem(item: NotificationItem): ItemView {
  const facts: Fact[] = [{ label: 'Where', value: location(item) }];
  if (item.ruleset !== null) {
    facts.push({ label: 'Ruleset', value: item.ruleset });
  }
  facts.push(
    { label: 'Rule', value: `${item.rule}: ${RULES[item.rule]?.explanation ?? 'unknown rule'}` },
    { label: 'Expected', value: formatValue(item.expected) },
    { label: 'Actual', value: formatValue(item.actual) },
    { label: 'Severity', value: severityText(item) },
    { label: 'First seen', value: item.firstSeen },
  );
  if (item.resolvedAt !== null) {
    facts.push({ label: 'Resolved at', value: item.resolvedAt });
  }
  if (item.attribution !== null) {
    const { userName, at, eventTypeId } = item.attribution;
    facts.push({ label: 'Changed by', value: `${userName} at ${at} (${eventTypeId})` });
  }
  if (item.ticket !== null) {
    facts.push({ label: 'Change ticket', value: item.ticket });
  }
  return { title: `${reasonLabel(item.reason)}: ${item.message}`, facts };
}

function location(item: NotificationItem): string {
  const parts = [item.host === null ? null : `host ${item.host}`, item.cluster === null ? null : `cluster ${item.cluster}`, `vCenter ${item.vcenter}`];
  return parts.filter((part) => part !== null).join(', ');
}

function severityText(item: NotificationItem): string {
  const previous = item.previousSeverity;
  return previous !== null && previous !== item.severity ? `${item.severity} (was ${previous})` : item.severity;
}

/** Renders an expected or actual value: non-empty strings as they are, anything else as compact JSON. */
export function formatValue(value: unknown): string {
  if (value === undefined) {
    return 'not recorded';
  }
  const text = typeof value === 'string' && value !== '' ? value : JSON.stringify(value);
  return truncate(text, MAX_VALUE_CHARS);
}

/** Cuts text to at most maxChars UTF-16 units, ending in "…", without splitting a surrogate pair. */
export function truncate(text: string, maxChars: number): string {
  if (text.length <= maxChars) {
    return text;
  }
  let end = maxChars - 1;
  if (/[\ud800-\udbff]/.test(text.charAt(end - 1))) {
    end -= 1;
  }
  return `${text.slice(0, end)}…`;
}
