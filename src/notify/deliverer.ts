// Delivery of outbox rows after their poll committed. Channels are served in
// parallel and each channel in order, so a failing channel never delays the
// others or the polls. A failed attempt is retried with exponential backoff
// and jitter, honouring Retry-After, until the channel's rows run out of
// attempts and are kept as failed.
import type { ChannelConfig } from '../config/notification-types.js';
import type { Logger } from '../model/logger.js';
import type { Notification } from '../model/notification.js';
import type { OutboxRow } from '../store/outbox.js';
import type { Store } from '../store/store.js';

export interface DeliveryOutcome {
  ok: boolean;
  retryable: boolean;
  retryAfterSeconds?: number;
  error?: string;
}

export type DeliverFunction = (channel: ChannelConfig, notification: Notification) => Promise<DeliveryOutcome>;

export interface DelivererOptions {
  store: Store;
  channels: readonly ChannelConfig[];
  maxAttempts: number;
  /** Wait before the first retry; each further retry waits about twice as long. */
  retryBaseMs: number;
  deliver: DeliverFunction;
  logger: Logger;
  now?: () => Date;
  random?: () => number;
  /** Rows read per pass. */
  batchSize?: number;
  /** A claim older than this is taken to be left by a crashed deliverer. */
  claimTimeoutMs?: number;
}

/** Counts by channel since the deliverer started, for /metrics. */
export interface DeliveryCounts {
  delivered: Map<string, number>;
  retried: Map<string, number>;
  failed: Map<string, number>;
}

const MAX_DELAY_MS = 60 * 60_000;

export class OutboxDeliverer {
  readonly counts: DeliveryCounts = { delivered: new Map(), retried: new Map(), failed: new Map() };
  private readonly channels: Map<string, ChannelConfig>;
  private readonly now: () => Date;
  private readonly random: () => number;
  private pass: Promise<void> | null = null;

  constructor(private readonly options: DelivererOptions) {
    this.channels = new Map(options.channels.map((channel) => [channel.name, channel]));
    this.now = options.now ?? (() => new Date());
    this.random = options.random ?? Math.random;
  }

  /**
   * Delivers every due row once. A call while a pass runs waits for that pass
   * and then starts another, so rows queued meanwhile are not left for later.
   */
  async deliverDue(): Promise<void> {
    while (this.pass) {
      await this.pass;
    }
    this.pass = this.runPass().finally(() => {
      this.pass = null;
    });
    await this.pass;
  }

  /** Waits for a pass in progress, if any. */
  async idle(): Promise<void> {
    while (this.pass) {
      await this.pass;
    }
  }

  private async runPass(): Promise<void> {
    const { store } = this.options;
    const now = this.now();
    store.outbox.releaseClaimsBefore(new Date(now.getTime() - (this.options.claimTimeoutMs ?? 5 * 60_000)).toISOString());
    const due = store.outbox.due(now.toISOString(), this.options.batchSize ?? 500);
    const byChannel = new Map<string, OutboxRow[]>();
    for (const row of due) {
      byChannel.set(row.channel, [...(byChannel.get(row.channel) ?? []), row]);
    }
    await Promise.all([...byChannel].map(([channel, rows]) => this.deliverChannel(channel, rows)));
  }

  private async deliverChannel(name: string, rows: OutboxRow[]): Promise<void> {
    const channel = this.channels.get(name);
    for (const row of rows) {
      if (!channel) {
        this.options.store.outbox.failed(row.id, `channel ${name} is no longer in the config`);
        this.count(this.counts.failed, name);
        continue;
      }
      const moveOn = await this.deliverRow(channel, row);
      if (!moveOn) {
        // The channel is failing; its other rows wait for the next pass.
        return;
      }
    }
  }

  /** Delivers one row; returns false when the channel failed and its other rows should wait. */
  private async deliverRow(channel: ChannelConfig, row: OutboxRow): Promise<boolean> {
    const { store, logger } = this.options;
    if (!store.outbox.tryClaim(row.id, this.now().toISOString())) {
      return true;
    }
    const outcome = await this.attempt(channel, row);
    const fields = { channel: channel.name, deliveryId: row.deliveryId, attempt: row.attempts + 1 };
    if (outcome.ok) {
      store.outbox.delivered(row.id, this.now().toISOString());
      this.count(this.counts.delivered, channel.name);
      logger.debug('notification delivered', fields);
      return true;
    }
    const error = outcome.error ?? 'delivery failed';
    if (outcome.retryable && row.attempts + 1 < this.options.maxAttempts) {
      const next = new Date(this.now().getTime() + this.delayMs(row.attempts, outcome.retryAfterSeconds));
      store.outbox.retryAt(row.id, next.toISOString(), error);
      this.count(this.counts.retried, channel.name);
      logger.warn('notification delivery failed; will retry', { ...fields, error, nextAttemptAt: next.toISOString() });
      return false;
    }
    store.outbox.failed(row.id, error);
    this.count(this.counts.failed, channel.name);
    logger.error('notification delivery failed for good', { ...fields, error });
    return !outcome.retryable;
  }

  private async attempt(channel: ChannelConfig, row: OutboxRow): Promise<DeliveryOutcome> {
    try {
      return await this.options.deliver(channel, row.notification);
    } catch (err) {
      // Senders report failures as outcomes; an exception is a bug, not a reason to retry forever.
      return { ok: false, retryable: false, error: `channel ${channel.name}: unexpected error: ${(err as Error).message}` };
    }
  }

  /** Exponential backoff from retryBaseMs, capped at an hour, spread over its upper half; a longer Retry-After wins, up to the same hour. */
  private delayMs(attempts: number, retryAfterSeconds: number | undefined): number {
    const exponential = Math.min(MAX_DELAY_MS, this.options.retryBaseMs * 2 ** attempts);
    const backoff = Math.round(exponential * (0.5 + this.random() / 2));
    return Math.max(backoff, Math.min(MAX_DELAY_MS, (retryAfterSeconds ?? 0) * 1000));
  }

  private count(counter: Map<string, number>, channel: string): void {
    counter.set(channel, (counter.get(channel) ?? 0) + 1);
  }
}
