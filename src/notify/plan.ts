// Turning one poll's finding transitions into outbox rows, inside the poll's
// transaction. Held findings (window, maintenance mode, exception) are
// recorded but not notified. A held finding still open when its hold ends is
// notified then. A critical finding still open is repeated after the
// configured interval, never once per poll.
import { createHash } from 'node:crypto';
import type { ChannelConfig, NotificationSettings } from '../config/notification-types.js';
import { severityRank, type Severity } from '../model/finding.js';
import type { MaintenanceWindow, RiskException } from '../model/hold.js';
import type { Notification, NotificationItem, NotificationReason } from '../model/notification.js';
import type { HoldSubject, NotifiableFinding } from '../store/finding-holds.js';
import type { Transition } from '../store/findings.js';
import type { Store } from '../store/store.js';
import { INTERVAL_RULES } from '../drift/changes.js';
import { groupItems } from './group.js';
import { holdFor, type HoldContext } from './holds.js';
import { highestSeverity, summarize } from './summary.js';

export interface PlanInput {
  vcenter: string;
  pollId: number;
  now: string;
  transitions: readonly Transition[];
  settings: NotificationSettings;
  windows: readonly MaintenanceWindow[];
  exceptions: readonly RiskException[];
}

export interface PlanResult {
  items: number;
  queued: number;
}

/** A notification decided for one finding, before its details are loaded. */
interface Notice {
  subject: HoldSubject;
  reason: NotificationReason;
  previousSeverity: Severity | null;
}

export function planNotifications(store: Store, input: PlanInput): PlanResult {
  const context: HoldContext = { now: input.now, windows: input.windows, exceptions: input.exceptions, maintenanceMode: input.settings.maintenanceMode };
  applyNewExceptions(store, input, context);
  const notices = [...fromTransitions(store, input, context), ...releases(store, input, context), ...repeats(store, input)];
  const items = itemsOf(store, notices.filter((notice) => input.settings.channels.some((channel) => channelWants(channel, notice.subject))));
  return { items: items.length, queued: enqueue(store, input, items) };
}

/** Puts open findings that an exception now covers on hold, so they are not escalated or repeated. */
function applyNewExceptions(store: Store, input: PlanInput, context: HoldContext): void {
  for (const exception of input.exceptions) {
    if (exception.vcenter !== null && exception.vcenter !== input.vcenter) {
      continue;
    }
    const target = { vcenter: input.vcenter, rule: exception.rule, ruleset: exception.ruleset, host: exception.host, cluster: exception.cluster };
    for (const finding of store.holds.covered(target)) {
      const hold = holdFor(finding, context);
      if (hold?.kind === 'exception' && finding.holdKind !== 'exception') {
        store.holds.setHold(finding.id, hold.kind, hold.ref, null);
      }
    }
  }
}

function fromTransitions(store: Store, input: PlanInput, context: HoldContext): Notice[] {
  const byId = new Map(store.holds.subjects(input.transitions.map((t) => t.findingId)).map((finding) => [finding.id, finding]));
  const notices: Notice[] = [];
  const released: number[] = [];
  for (const transition of input.transitions) {
    const subject = byId.get(transition.findingId);
    if (!subject) {
      continue;
    }
    if (transition.kind === 'opened') {
      const hold = holdFor(subject, context);
      if (hold) {
        store.holds.setHold(subject.id, hold.kind, hold.ref, hold.ticket);
        continue;
      }
      released.push(subject.id);
      notices.push({ subject, reason: 'opened', previousSeverity: null });
    } else if (transition.kind === 'severity-changed' && subject.notifiedAt && subject.holdKind === null) {
      const up = severityRank(transition.severity) > severityRank(transition.previousSeverity ?? 'info');
      store.holds.markRenotified(subject.id, input.now);
      notices.push({ subject, reason: up ? 'escalated' : 'de-escalated', previousSeverity: transition.previousSeverity });
    } else if (transition.kind === 'resolved' && subject.notifiedAt && subject.holdKind !== 'exception' && !INTERVAL_RULES.has(subject.rule)) {
      // Interval findings resolve by themselves when their interval passes; that is no news.
      notices.push({ subject, reason: 'resolved', previousSeverity: null });
    }
  }
  store.holds.markManyNotified(released, input.now);
  return notices;
}

/** Notifies held findings that are still open and no longer held. */
function releases(store: Store, input: PlanInput, context: HoldContext): Notice[] {
  const notices: Notice[] = [];
  const candidates = [...store.holds.unnotified(input.vcenter), ...store.holds.heldByException(input.vcenter)];
  const seen = new Set<number>();
  for (const subject of candidates) {
    if (seen.has(subject.id)) {
      continue;
    }
    seen.add(subject.id);
    const hold = holdFor(subject, context);
    if (hold) {
      if (hold.kind !== subject.holdKind || hold.ref !== subject.holdRef) {
        store.holds.setHold(subject.id, hold.kind, hold.ref, hold.ticket);
      }
      continue;
    }
    store.holds.markNotified(subject.id, input.now);
    notices.push({ subject, reason: 'opened', previousSeverity: null });
  }
  return notices;
}

function repeats(store: Store, input: PlanInput): Notice[] {
  const before = new Date(Date.parse(input.now) - input.settings.repeatCriticalAfterMinutes * 60_000).toISOString();
  return store.holds.dueForRepeat(input.vcenter, before).map((subject) => {
    store.holds.markRenotified(subject.id, input.now);
    return { subject, reason: 'repeat', previousSeverity: null };
  });
}

/** Loads the details of the noticed findings, after every hold and mark is written, and builds their items. */
function itemsOf(store: Store, notices: readonly Notice[]): NotificationItem[] {
  const findings = new Map(store.holds.byIds(notices.map((notice) => notice.subject.id)).map((finding) => [finding.id, finding]));
  return notices.map((notice) => itemOf(findings.get(notice.subject.id)!, notice.reason, notice.previousSeverity));
}

function itemOf(finding: NotifiableFinding, reason: NotificationReason, previousSeverity: Severity | null): NotificationItem {
  return {
    reason,
    fingerprint: finding.fingerprint,
    rule: finding.rule,
    severity: finding.severity,
    previousSeverity,
    vcenter: finding.vcenter,
    cluster: finding.cluster,
    host: finding.host,
    ruleset: finding.ruleset,
    expected: finding.expected,
    actual: finding.actual,
    message: finding.message,
    firstSeen: finding.firstSeen,
    resolvedAt: finding.resolvedAt,
    ticket: finding.windowTicket,
    attribution: finding.attribution ? { userName: finding.attribution.userName, at: finding.attribution.at, eventTypeId: finding.attribution.eventTypeId } : null,
  };
}

function enqueue(store: Store, input: PlanInput, items: readonly NotificationItem[]): number {
  let queued = 0;
  for (const channel of input.settings.channels) {
    const mine = items.filter((item) => channelWants(channel, item));
    for (const group of groupItems(mine)) {
      const notification: Notification = {
        deliveryId: deliveryId(channel.name, input.pollId, group.items),
        channel: channel.name,
        createdAt: input.now,
        severity: highestSeverity(group.items),
        summary: summarize(group),
        group: group.group,
        items: group.items,
        test: false,
      };
      queued += store.outbox.enqueue(notification, input.now, input.pollId) ? 1 : 0;
    }
  }
  return queued;
}

export function channelWants(channel: ChannelConfig, item: Pick<NotificationItem, 'severity' | 'vcenter' | 'cluster'>): boolean {
  if (severityRank(item.severity) < severityRank(channel.minSeverity)) {
    return false;
  }
  if (channel.scope.vcenters && !channel.scope.vcenters.includes(item.vcenter)) {
    return false;
  }
  return !channel.scope.clusters || (item.cluster !== null && channel.scope.clusters.includes(item.cluster));
}

/** Computes the idempotency key: the same items of the same poll for the same channel always give the same id. */
function deliveryId(channel: string, pollId: number, items: readonly NotificationItem[]): string {
  const identity = [channel, String(pollId), ...items.map((item) => `${item.fingerprint}:${item.reason}`)].join('\n');
  return createHash('sha256').update(identity).digest('hex').slice(0, 32);
}
