// Notifications as the outbox stores them and channels deliver them: one
// message per channel, which may group several finding transitions that
// share a cause.
import type { RuleId, Severity } from './finding.js';

/** The reason an item is in a notification. */
export type NotificationReason =
  /** The finding was seen for the first time, or its hold (window, exception, maintenance) ended while it was open. */
  | 'opened'
  | 'escalated'
  | 'de-escalated'
  | 'resolved'
  /** A critical finding is still open after the repeat interval. */
  | 'repeat';

/** The account that made the change behind a finding, from vCenter events. */
export interface Attribution {
  userName: string;
  at: string;
  eventTypeId: string;
}

export interface NotificationItem {
  reason: NotificationReason;
  fingerprint: string;
  rule: RuleId;
  severity: Severity;
  previousSeverity: Severity | null;
  vcenter: string;
  cluster: string | null;
  host: string | null;
  ruleset: string | null;
  expected: unknown;
  actual: unknown;
  message: string;
  firstSeen: string;
  resolvedAt: string | null;
  /** Change ticket of the maintenance window the finding was held by, if any. */
  ticket: string | null;
  attribution: Attribution | null;
}

/** The cause the items of a grouped notification share. */
export interface NotificationGroup {
  kind: 'host' | 'ruleset' | 'single' | 'test';
  /** For example `vc-prod/host-42` or `vc-prod/management-ruleset-allow-all/sshServer`. */
  key: string;
}

export interface Notification {
  /** Stable across retries, so receivers can drop a repeated delivery. */
  deliveryId: string;
  channel: string;
  createdAt: string;
  /** The highest severity among the items. */
  severity: Severity;
  /** One line for people, for example "3 firewall findings opened on esx01 (vc-prod)". */
  summary: string;
  group: NotificationGroup;
  items: NotificationItem[];
  /** Sent by `vdrift notify test`: proof that the channel works, about no real finding. */
  test: boolean;
}
