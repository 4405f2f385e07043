// PagerDuty Events API v2: one event per item, because an event carries a
// single dedup_key and the finding fingerprint is that key. Reasons that
// leave a finding open trigger, `resolved` resolves.
import type { PagerDutyChannel } from '../../config/notification-types.js';
import type { Severity } from '../../model/finding.js';
import type { Notification, NotificationItem } from '../../model/notification.js';
import { RULES } from '../../drift/catalogue.js';
import { reasonLabel, truncate } from '../format.js';
import type { Deadline } from './deadline.js';
import { classifyReply, postJson, type StatusAdvice } from './http.js';
import { DELIVERED, combineFailures, type DeliveryResult } from './result.js';

/** Events API v2 limit of payload.summary, in characters. */
const MAX_SUMMARY_CHARS = 1024;

const TARGET = 'the PagerDuty Events API';

const ADVICE: StatusAdvice = {
  unauthorized: 'Check the routing key of the channel',
  notFound: 'Check the Events API URL of the channel',
  fromBody: (body) => (body.includes('routing_key') ? 'Check the routing key of the channel' : undefined),
};

const PAGERDUTY_SEVERITIES: Record<Severity, PagerDutySeverity> = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  low: 'info',
  info: 'info',
};

type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

export interface PagerDutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'resolve';
  dedup_key: string;
  payload?: {
    summary: string;
    source: string;
    severity: PagerDutySeverity;
    component: string;
    group: string;
    class: string;
    custom_details: Record<string, unknown>;
  };
}

/**
 * Sends the events one after another. A retryable failure stops the loop,
 * because the API is down or limiting the rate, and the retry sends every
 * event again, which PagerDuty merges by dedup_key. A test notification
 * also stops after a failed trigger, so that no resolve follows it.
 */
export async function sendPagerDuty(channel: PagerDutyChannel, notification: Notification, deadline: Deadline): Promise<DeliveryResult> {
  const events = pagerDutyEvents(notification, channel.routingKey.reveal());
  const failures: DeliveryResult[] = [];
  let unsent = 0;
  for (const [index, event] of events.entries()) {
    const result = await sendEvent(channel.url, event, deadline);
    if (result.ok) {
      continue;
    }
    failures.push({ ...result, error: `${event.event_action} event ${event.dedup_key}: ${result.error}` });
    if (result.retryable || notification.test) {
      unsent = events.length - index - 1;
      break;
    }
  }
  if (failures.length === 0) {
    return DELIVERED;
  }
  return events.length === 1 ? failures[0]! : combineFailures(failures, `${events.length} events`, unsent);
}

async function sendEvent(url: string, event: PagerDutyEvent, deadline: Deadline): Promise<DeliveryResult> {
  const body = Buffer.from(JSON.stringify(event), 'utf8');
  const outcome = await postJson({ url, body, deadline, target: TARGET });
  return 'failure' in outcome ? outcome.failure : classifyReply(outcome.reply, TARGET, ADVICE);
}

/** Builds the events of a notification: one per item, or a trigger and a resolve for a test. */
export function pagerDutyEvents(notification: Notification, routingKey: string): PagerDutyEvent[] {
  if (notification.test) {
    return testEvents(notification, routingKey);
  }
  return notification.items.map((item) =>
    item.reason === 'resolved'
      ? { routing_key: routingKey, event_action: 'resolve', dedup_key: item.fingerprint }
      : { routing_key: routingKey, event_action: 'trigger', dedup_key: item.fingerprint, payload: itemPayload(item, notification.deliveryId) },
  );
}

function itemPayload(item: NotificationItem, deliveryId: string): PagerDutyEvent['payload'] {
  return {
    summary: truncate(`${reasonLabel(item.reason)}: ${item.message}`, MAX_SUMMARY_CHARS),
    source: item.host ?? item.vcenter,
    severity: PAGERDUTY_SEVERITIES[item.severity],
    component: item.ruleset ?? 'firewall',
    group: item.cluster ?? item.vcenter,
    class: item.rule,
    custom_details: {
      reason: item.reason,
      rule: item.rule,
      explanation: RULES[item.rule]?.explanation ?? null,
      severity: item.severity,
      previousSeverity: item.previousSeverity,
      vcenter: item.vcenter,
      cluster: item.cluster,
      host: item.host,
      ruleset: item.ruleset,
      expected: item.expected,
      actual: item.actual,
      message: item.message,
      firstSeen: item.firstSeen,
      ticket: item.ticket,
      attribution: item.attribution,
      fingerprint: item.fingerprint,
      deliveryId,
    },
  };
}

/** Returns a test trigger and its resolve, so that the incident the test opens is closed at once. */
function testEvents(notification: Notification, routingKey: string): PagerDutyEvent[] {
  const dedupKey = `vdrift-test-${notification.deliveryId}`;
  const trigger: PagerDutyEvent = {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary: truncate(`Test event from vdrift: no finding. ${notification.summary}`, MAX_SUMMARY_CHARS),
      source: 'vdrift',
      severity: 'info',
      component: 'vdrift',
      group: 'vdrift',
      class: 'vdrift-test',
      custom_details: { test: true, deliveryId: notification.deliveryId, summary: notification.summary },
    },
  };
  return [trigger, { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey }];
}
