// The outbox: notifications waiting for delivery. Rows are inserted in the
// poll's transaction; a deliverer claims a due row, sends it, and records the
// outcome. A claim that a crash left behind is released after a while, so a
// message is delivered at least once; receivers can drop repeats by
// delivery id.
import type { Notification } from '../model/notification.js';
import type { Db } from './database.js';

export interface OutboxRow {
  id: number;
  deliveryId: string;
  channel: string;
  attempts: number;
  notification: Notification;
}

export interface OutboxCounts {
  channel: string;
  status: 'pending' | 'sending' | 'delivered' | 'failed';
  count: number;
}

export class OutboxRepository {
  private readonly insert;
  private readonly selectDue;
  private readonly claim;
  private readonly markDelivered;
  private readonly markRetry;
  private readonly markFailed;
  private readonly releaseStale;
  private readonly counts;

  constructor(db: Db) {
    this.insert = db.prepare(
      `INSERT INTO outbox (delivery_id, channel, severity, payload, status, next_attempt_at, created_at, poll_id)
       VALUES (?, ?, ?, ?, 'pending', ?, ?, ?) ON CONFLICT (delivery_id) DO NOTHING`,
    );
    this.selectDue = db.prepare(
      `SELECT id, delivery_id AS deliveryId, channel, attempts, payload FROM outbox
       WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?`,
    );
    this.claim = db.prepare(`UPDATE outbox SET status = 'sending', claimed_at = ? WHERE id = ? AND status = 'pending'`);
    this.markDelivered = db.prepare(`UPDATE outbox SET status = 'delivered', delivered_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?`);
    this.markRetry = db.prepare(`UPDATE outbox SET status = 'pending', attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?`);
    this.markFailed = db.prepare(`UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?`);
    this.releaseStale = db.prepare(`UPDATE outbox SET status = 'pending' WHERE status = 'sending' AND claimed_at < ?`);
    this.counts = db.prepare('SELECT channel, status, count(*) AS count FROM outbox GROUP BY channel, status ORDER BY channel, status');
  }

  /** Queues a notification; a second insert with the same delivery id does nothing. Returns whether it was new. */
  enqueue(notification: Notification, at: string, pollId: number | null): boolean {
    const result = this.insert.run(notification.deliveryId, notification.channel, notification.severity, JSON.stringify(notification), at, at, pollId);
    return result.changes > 0;
  }

  due(now: string, limit: number): OutboxRow[] {
    const rows = this.selectDue.all(now, limit) as (Omit<OutboxRow, 'notification'> & { payload: string })[];
    return rows.map(({ payload, ...row }) => ({ ...row, notification: JSON.parse(payload) as Notification }));
  }

  /** Marks a row as being sent; false when another deliverer took it first. */
  tryClaim(id: number, now: string): boolean {
    return this.claim.run(now, id).changes > 0;
  }

  delivered(id: number, now: string): void {
    this.markDelivered.run(now, id);
  }

  retryAt(id: number, nextAttemptAt: string, error: string): void {
    this.markRetry.run(nextAttemptAt, error, id);
  }

  failed(id: number, error: string): void {
    this.markFailed.run(error, id);
  }

  /** Returns rows claimed before `before` to the queue: their deliverer stopped without recording an outcome. */
  releaseClaimsBefore(before: string): number {
    return this.releaseStale.run(before).changes;
  }

  countByStatus(): OutboxCounts[] {
    return this.counts.all() as OutboxCounts[];
  }
}
