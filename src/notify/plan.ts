// Turning one poll's finding transitions into outbox rows, inside the poll's
// transaction. Held findings (window, maintenance mode, exception) are
// recorded but not notified; a held finding still open when its hold ends is
// notified then, and a critical finding still open is repeated after the
// configured interval, never once per poll.
import { createHash } from 'node:crypto';
import type { ChannelConfig, NotificationSettings } from '../config/notification-types.js';
import { severityRank } from '../model/finding.js';
import type { MaintenanceWindow, RiskException } from '../model/hold.js';
import type { Notification, NotificationItem, NotificationReason } from '../model/notification.js';
import type { NotifiableFinding } from '../store/finding-holds.js';
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

export function planNotifications(store: Store, input: PlanInput): PlanResult {
  const context: HoldContext = { now: input.now, windows: input.windows, exceptions: input.exceptions, maintenanceMode: input.settings.maintenanceMode };
  const items: NotificationItem[] = [];
  applyNewExceptions(store, input, context);
  items.push(...fromTransitions(store, input, context));
  items.push(...releases(store, input, context));
  items.push(...repeats(store, input));
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

function fromTransitions(store: Store, input: PlanInput, context: HoldContext): NotificationItem[] {
  const byId = new Map(store.holds.byIds(input.transitions.map((t) => t.findingId)).map((finding) => [finding.id, finding]));
  const items: NotificationItem[] = [];
  const released: number[] = [];
  for (const transition of input.transitions) {
    const finding = byId.get(transition.findingId);
    if (!finding) {
      continue;
    }
    if (transition.kind === 'opened') {
      const hold = holdFor(finding, context);
      if (hold) {
        store.holds.setHold(finding.id, hold.kind, hold.ref, hold.ticket);
        continue;
      }
      released.push(finding.id);
      items.push(itemOf(finding, 'opened', null));
    } else if (transition.kind === 'severity-changed' && finding.notifiedAt && finding.holdKind === null) {
      const up = severityRank(transition.severity) > severityRank(transition.previousSeverity ?? 'info');
      store.holds.markRenotified(finding.id, input.now);
      items.push(itemOf(finding, up ? 'escalated' : 'de-escalated', transition.previousSeverity));
    } else if (transition.kind === 'resolved' && finding.notifiedAt && finding.holdKind !== 'exception' && !INTERVAL_RULES.has(finding.rule)) {
      // Interval findings resolve by themselves when their interval passes; that is no news.
      items.push(itemOf(finding, 'resolved', null));
    }
  }
  store.holds.markManyNotified(released, input.now);
  return items;
}

/** Notifies held findings that are still open and no longer held. */
function releases(store: Store, input: PlanInput, context: HoldContext): NotificationItem[] {
  const items: NotificationItem[] = [];
  const candidates = [...store.holds.unnotified(input.vcenter), ...store.holds.heldByException(input.vcenter)];
  const seen = new Set<number>();
  for (const finding of candidates) {
    if (seen.has(finding.id)) {
      continue;
    }
    seen.add(finding.id);
    const hold = holdFor(finding, context);
    if (hold) {
      if (hold.kind !== finding.holdKind || hold.ref !== finding.holdRef) {
        store.holds.setHold(finding.id, hold.kind, hold.ref, hold.ticket);
      }
      continue;
    }
    store.holds.markNotified(finding.id, input.now);
    items.push(itemOf(finding, 'opened', null));
  }
  return items;
}

function repeats(store: Store, input: PlanInput): NotificationItem[] {
  const before = new Date(Date.parse(input.now) - input.settings.repeatCriticalAfterMinutes * 60_000).toISOString();
  return store.holds.dueForRepeat(input.vcenter, before).map((finding) => {
    store.holds.markRenotified(finding.id, input.now);
    return itemOf(finding, 'repeat', null);
  });
}

function itemOf(finding: NotifiableFinding, reason: NotificationReason, previousSeverity: NotificationItem['previousSeverity']): NotificationItem {
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

/** The idempotency key: the same items of the same poll for the same channel always give the same id. */
function deliveryId(channel: string, pollId: number, items: readonly NotificationItem[]): string {
  const identity = [channel, String(pollId), ...items.map((item) => `${item.fingerprint}:${item.reason}`)].join('\n');
  return createHash('sha256').update(identity).digest('hex').slice(0, 32);
}
