import { randomUUID } from 'node:crypto';
import { deliver } from '../../notify/channels/index.js';
import type { Notification } from '../../model/notification.js';
import { CONFIG_OPTION, JSON_OPTION, parseCommandArgs } from '../args.js';
import { loadContext } from '../context.js';
import { EXIT, ExitError, UsageError } from '../exit-error.js';
import type { CommandIo } from '../io.js';

export const NOTIFY_HELP = `vdrift notify test --channel NAME [--config PATH] [--json]
  Sends a clearly marked test notification through the real channel, with
  no retry, and reports whether it was delivered (exit code 4 if not).`;

export async function notifyCommand(args: string[], io: CommandIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'test') {
    throw new UsageError(`vdrift notify: expected "test", got ${sub === undefined ? 'nothing' : JSON.stringify(sub)}; see vdrift --help`);
  }
  const { values } = parseCommandArgs('notify test', rest, { ...CONFIG_OPTION, ...JSON_OPTION, channel: { type: 'string' } });
  if (!values.channel) {
    throw new UsageError('vdrift notify test: --channel NAME is required');
  }
  const context = await loadContext(values.config, io);
  const channel = context.config.notifications.channels.find((candidate) => candidate.name === values.channel);
  if (!channel) {
    const names = context.config.notifications.channels.map((candidate) => candidate.name);
    throw new ExitError(`channel ${JSON.stringify(values.channel)} is not in the config; channels: ${names.length > 0 ? names.join(', ') : 'none'}`, EXIT.usage);
  }

  const notification = testNotification(channel.name);
  const result = await deliver(channel, notification);
  if (values.json) {
    io.out(JSON.stringify({ channel: channel.name, deliveryId: notification.deliveryId, delivered: result.ok, error: result.error ?? null }, null, 2));
  } else {
    io.out(result.ok ? `test notification ${notification.deliveryId} delivered to ${channel.name}` : `test notification to ${channel.name} was not delivered: ${result.error}`);
  }
  return result.ok ? EXIT.ok : EXIT.notificationFailed;
}

function testNotification(channel: string): Notification {
  return {
    deliveryId: `test-${randomUUID()}`,
    channel,
    createdAt: new Date().toISOString(),
    severity: 'info',
    summary: 'Test notification from vdrift: the alerting path works. No finding is behind it.',
    group: { kind: 'test', key: 'test' },
    items: [],
    test: true,
  };
}
