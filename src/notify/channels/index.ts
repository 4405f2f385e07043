// Delivery of one notification to one channel, with one sender per channel
// type. deliver() turns every failure into a DeliveryResult, prefixes its
// error with the channel, and removes the channel's URL and key from it in
// case a receiver echoed them in a response body.
import type { ChannelConfig } from '../../config/notification-types.js';
import type { Secret } from '../../config/secret.js';
import type { Notification } from '../../model/notification.js';
import { startDeadline } from './deadline.js';
import { sendPagerDuty } from './pagerduty.js';
import { failed, type DeliveryResult } from './result.js';
import { sendSlack } from './slack.js';
import { sendSyslog } from './syslog.js';
import { sendTeams } from './teams.js';
import { sendWebhook } from './webhook.js';

export type { DeliveryResult } from './result.js';

const CHANNEL_LABELS: Record<ChannelConfig['type'], string> = {
  webhook: 'Webhook',
  slack: 'Slack',
  teams: 'Teams',
  pagerduty: 'PagerDuty',
  syslog: 'Syslog',
};

const REDACTED = '[secret]';

/** Sends the notification once, within channel.timeoutSeconds, and returns any failure as a result instead of throwing it. */
export async function deliver(channel: ChannelConfig, notification: Notification): Promise<DeliveryResult> {
  let result: DeliveryResult;
  try {
    result = await send(channel, notification);
  } catch (err) {
    // Senders return their delivery problems, so this is a bug or an unloaded secret.
    const reason = err instanceof Error ? err.message : String(err);
    result = failed(`delivery failed with an unexpected error: ${reason}`, false);
  }
  if (result.ok) {
    return { ok: true, retryable: false };
  }
  const label = `${CHANNEL_LABELS[channel.type]} channel ${JSON.stringify(channel.name)}`;
  return { ...result, error: redact(`${label}: ${result.error ?? 'delivery failed'}`, secretTexts(channel)) };
}

function send(channel: ChannelConfig, notification: Notification): Promise<DeliveryResult> {
  const deadline = startDeadline(channel.timeoutSeconds);
  switch (channel.type) {
    case 'webhook':
      return sendWebhook(channel, notification, deadline);
    case 'slack':
      return sendSlack(channel, notification, deadline);
    case 'teams':
      return sendTeams(channel, notification, deadline);
    case 'pagerduty':
      return sendPagerDuty(channel, notification, deadline);
    case 'syslog':
      return sendSyslog(channel, notification, deadline);
  }
}

/**
 * Returns the secret strings of a channel and the parts a server may echo:
 * a URL's path and query (as in "Cannot POST /services/…") and its
 * percent-decoded form.
 */
function secretTexts(channel: ChannelConfig): string[] {
  const secrets: (Secret | null)[] = [];
  if (channel.type === 'webhook') {
    secrets.push(channel.url, channel.secret);
  } else if (channel.type === 'slack' || channel.type === 'teams') {
    secrets.push(channel.url);
  } else if (channel.type === 'pagerduty') {
    secrets.push(channel.routingKey);
  }
  const texts = secrets.flatMap((secret) => (secret === null ? [] : revealedForms(secret)));
  // Longest first, so that a URL is replaced whole before its path is.
  return [...new Set(texts)].filter((text) => text.length >= 4).sort((a, b) => b.length - a.length);
}

function revealedForms(secret: Secret): string[] {
  let value: string;
  try {
    value = secret.reveal();
  } catch {
    return [];
  }
  const forms = [value, safeDecode(value)];
  if (URL.canParse(value)) {
    const url = new URL(value);
    const pathAndQuery = `${url.pathname}${url.search}`;
    forms.push(pathAndQuery, safeDecode(pathAndQuery), url.pathname, safeDecode(url.pathname), url.search.slice(1));
    if (url.password) {
      forms.push(url.password);
    }
  }
  return forms.filter((form) => form !== '/');
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function redact(text: string, secrets: readonly string[]): string {
  return secrets.reduce((current, secret) => current.split(secret).join(REDACTED), text);
}
