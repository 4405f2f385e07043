// Microsoft Teams incoming webhooks: one Adaptive Card 1.4 per
// notification, with the same content as the Slack message.
import type { TeamsChannel } from '../../config/notification-types.js';
import type { Severity } from '../../model/finding.js';
import type { Notification } from '../../model/notification.js';
import { MAX_ITEMS_SHOWN, omittedLine, viewNotification, type ItemView } from '../format.js';
import type { Deadline } from './deadline.js';
import { classifyReply, postJson, type HttpReply, type StatusAdvice } from './http.js';
import type { DeliveryResult } from './result.js';

const TARGET = 'the Teams webhook';

/**
 * Largest card sent, in bytes of JSON. Microsoft documents 28 KB for
 * incoming webhook messages, and users report rejections from about 21 KB.
 */
const MAX_MESSAGE_BYTES = 20_000;

const ADVICE: StatusAdvice = {
  unauthorized: 'Check the webhook URL and that the workflow or connector still exists',
  notFound: 'Check the webhook URL and that the workflow or connector still exists',
};

const HEADLINE_COLORS: Record<Severity, string> = {
  critical: 'Attention',
  high: 'Attention',
  medium: 'Warning',
  low: 'Default',
  info: 'Default',
};

export async function sendTeams(channel: TeamsChannel, notification: Notification, deadline: Deadline): Promise<DeliveryResult> {
  const body = Buffer.from(JSON.stringify(teamsMessage(notification)), 'utf8');
  const outcome = await postJson({ url: channel.url.reveal(), body, deadline, target: TARGET });
  return 'failure' in outcome ? outcome.failure : classifyReply(embeddedStatus(outcome.reply), TARGET, ADVICE);
}

/**
 * Returns the reply with the status an Office 365 connector reports inside
 * a 200 body, for example "Webhook message delivery failed with error:
 * Microsoft Teams endpoint returned HTTP error 429 with ContextId …".
 * On success a connector responds 200 with body `1`.
 */
function embeddedStatus(reply: HttpReply): HttpReply {
  const match = /returned HTTP error (\d{3})/.exec(reply.body);
  return reply.status === 200 && match ? { ...reply, status: Number(match[1]) } : reply;
}

/** Builds the message with as many items as fit MAX_MESSAGE_BYTES, at least one. */
export function teamsMessage(notification: Notification): unknown {
  let message = messageWith(notification, MAX_ITEMS_SHOWN);
  for (let maxItems = MAX_ITEMS_SHOWN - 1; maxItems >= 1 && Buffer.byteLength(JSON.stringify(message)) > MAX_MESSAGE_BYTES; maxItems -= 1) {
    message = messageWith(notification, maxItems);
  }
  return message;
}

function messageWith(notification: Notification, maxItems: number): unknown {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: { type: 'AdaptiveCard', version: '1.4', body: cardBody(notification, maxItems), msteams: { width: 'Full' } },
      },
    ],
  };
}

function cardBody(notification: Notification, maxItems: number): unknown[] {
  const view = viewNotification(notification, maxItems);
  const color = notification.test ? 'Accent' : HEADLINE_COLORS[notification.severity];
  const body: unknown[] = [{ type: 'TextBlock', text: escapeMarkdown(view.headline), size: 'Medium', weight: 'Bolder', color, wrap: true }];
  if (view.testDetail !== null) {
    body.push({ type: 'TextBlock', text: escapeMarkdown(view.testDetail), wrap: true });
  }
  for (const item of view.items) {
    body.push(itemContainer(item));
  }
  if (view.omitted > 0) {
    body.push({ type: 'TextBlock', text: omittedLine(view.omitted), isSubtle: true, separator: true, wrap: true });
  }
  return body;
}

function itemContainer(item: ItemView): unknown {
  return {
    type: 'Container',
    separator: true,
    spacing: 'Medium',
    items: [
      { type: 'TextBlock', text: escapeMarkdown(item.title), weight: 'Bolder', wrap: true },
      { type: 'FactSet', facts: item.facts.map((fact) => ({ title: fact.label, value: escapeMarkdown(fact.value) })) },
    ],
  };
}

/**
 * Breaks Markdown link syntax, `[text](url)`, by escaping the parenthesis
 * after a closing bracket, because TextBlock and Fact values are rendered
 * as a Markdown subset. Teams documents no escape syntax, but a renderer
 * that ignores the backslash still finds no `](` and makes no link.
 */
function escapeMarkdown(text: string): string {
  return text.replace(/\]\(/g, ']\\(');
}
