// Slack incoming webhooks: Block Kit for people, with `text` as the
// fallback Slack shows in notifications. Values go into inline code spans,
// so that Slack neither formats them nor turns them into links.
import type { SlackChannel } from '../../config/notification-types.js';
import type { Notification } from '../../model/notification.js';
import { omittedLine, truncate, viewNotification, type ItemView } from '../format.js';
import type { Deadline } from './deadline.js';
import { classifyReply, postJson, type StatusAdvice } from './http.js';
import type { DeliveryResult } from './result.js';

/** Block Kit limits: header text 150 characters, section text 3000 characters. */
const MAX_HEADER_CHARS = 150;
const MAX_SECTION_CHARS = 3000;

const TARGET = 'the Slack webhook';

/** Error codes Slack returns in the body of a 4xx response, with the fix for each. */
const BODY_ADVICE: Record<string, string> = {
  invalid_token: 'The webhook was revoked or its URL is wrong. Check the webhook URL or create a new webhook',
  no_service: 'The webhook was removed or its URL is wrong. Check the webhook URL or create a new webhook',
  no_active_hooks: 'The webhook is disabled. Check the webhook in the Slack app settings',
  no_team: 'The Slack workspace of the webhook no longer exists. Create a new webhook',
  team_disabled: 'The Slack workspace of the webhook is disabled. Create a new webhook',
  channel_not_found: 'The channel the webhook posts to no longer exists. Create a new webhook',
  channel_is_archived: 'The channel the webhook posts to is archived. Unarchive it or create a new webhook',
  action_prohibited: 'A Slack admin restricts posting to the channel. Check the channel settings',
  posting_to_general_channel_denied: 'Only admins may post to the channel. Check the channel settings',
  invalid_payload: 'Slack rejected the message format, which is a vdrift bug. Report it with this error',
  no_text: 'Slack rejected the message format, which is a vdrift bug. Report it with this error',
};

const ADVICE: StatusAdvice = {
  unauthorized: 'Check the webhook URL',
  notFound: 'Check the webhook URL',
  fromBody: (body) => BODY_ADVICE[body.trim()],
};

/** Posts the notification. Slack responds 200 `ok`, and any other 2xx body counts as delivered too. */
export async function sendSlack(channel: SlackChannel, notification: Notification, deadline: Deadline): Promise<DeliveryResult> {
  const body = Buffer.from(JSON.stringify(slackMessage(notification)), 'utf8');
  const outcome = await postJson({ url: channel.url.reveal(), body, deadline, target: TARGET });
  return 'failure' in outcome ? outcome.failure : classifyReply(outcome.reply, TARGET, ADVICE);
}

export interface SlackMessage {
  text: string;
  blocks: unknown[];
}

export function slackMessage(notification: Notification): SlackMessage {
  const view = viewNotification(notification);
  const blocks: unknown[] = [{ type: 'header', text: { type: 'plain_text', text: truncate(view.headline, MAX_HEADER_CHARS), emoji: false } }];
  if (view.testDetail !== null) {
    blocks.push(section(escapeMrkdwn(view.testDetail)));
  }
  for (const item of view.items) {
    blocks.push(section(itemMrkdwn(item)));
  }
  if (view.omitted > 0) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: omittedLine(view.omitted) }] });
  }
  const fallback = view.testDetail === null ? view.headline : `${view.headline}. ${view.testDetail}`;
  return { text: escapeMrkdwn(fallback), blocks };
}

function section(text: string): unknown {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, MAX_SECTION_CHARS) } };
}

function itemMrkdwn(item: ItemView): string {
  const lines = [`*${escapeMrkdwn(item.title)}*`];
  for (const fact of item.facts) {
    lines.push(`${fact.label}: ${codeSpan(fact.value)}`);
  }
  return lines.join('\n');
}

/** Escapes the three characters Slack reserves for links and mentions. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Wraps text in backticks. A backtick inside would end the span, so it becomes an apostrophe. */
function codeSpan(text: string): string {
  return `\`${escapeMrkdwn(text.replace(/`/g, "'").replace(/\s*\n\s*/g, ' '))}\``;
}
