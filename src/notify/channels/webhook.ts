// The generic webhook: the notification as JSON for machines, optionally
// signed so that the receiver can check it came from vdrift.
//
// Verifying X-Vdrift-Signature on the receiving side: read the raw request
// body as bytes before any JSON parsing, compute HMAC-SHA256 over them with
// the shared secret, hex-encode it, prefix "sha256=" and compare with the
// header using a constant-time comparison (crypto.timingSafeEqual in Node,
// hmac.compare_digest in Python), never with ==. Then drop requests whose
// X-Vdrift-Delivery was already seen, because vdrift retries with the same id.
import { createHmac } from 'node:crypto';
import type { WebhookChannel } from '../../config/notification-types.js';
import type { Notification } from '../../model/notification.js';
import type { Deadline } from './deadline.js';
import { classifyReply, postJson, type StatusAdvice } from './http.js';
import type { DeliveryResult } from './result.js';

const TARGET = 'the webhook URL';

const ADVICE: StatusAdvice = {
  unauthorized: 'Check the webhook URL and that the receiver accepts the signing secret',
  notFound: 'Check the webhook URL',
};

export async function sendWebhook(channel: WebhookChannel, notification: Notification, deadline: Deadline): Promise<DeliveryResult> {
  const body = Buffer.from(JSON.stringify(webhookPayload(notification)), 'utf8');
  const headers: Record<string, string> = { 'X-Vdrift-Delivery': notification.deliveryId };
  if (channel.secret !== null) {
    headers['X-Vdrift-Signature'] = signature(body, channel.secret.reveal());
  }
  const outcome = await postJson({ url: channel.url.reveal(), body, headers, deadline, target: TARGET });
  return 'failure' in outcome ? outcome.failure : classifyReply(outcome.reply, TARGET, ADVICE);
}

/** Returns the notification without `channel`, which names the sender's config and means nothing to the receiver. */
export function webhookPayload(notification: Notification): Omit<Notification, 'channel'> {
  const { deliveryId, createdAt, severity, summary, group, test, items } = notification;
  return { deliveryId, createdAt, severity, summary, group, test, items };
}

/** Returns the X-Vdrift-Signature value: `sha256=` and the hex HMAC-SHA256 of body keyed with secret. */
export function signature(body: Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
