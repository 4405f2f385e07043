// Stored firewall events and the read position per vCenter.
import type { FirewallEvent } from '../model/event.js';
import type { Db } from './database.js';

export interface StoredEvent extends FirewallEvent {
  outcome: string | null;
}

export interface EventPosition {
  lastKey: number;
  lastCreatedAt: string;
}

const COLUMNS = `event_key AS key, kind, event_type_id AS eventTypeId, created_at AS createdTime, user_name AS userName,
  host_moid AS hostMoid, host_name AS hostName, ruleset, message, data, outcome`;

export class EventRepository {
  private readonly insert;
  private readonly selectPosition;
  private readonly upsertPosition;
  private readonly selectBetween;
  private readonly selectStoredAfter;
  private readonly updateOutcome;

  constructor(db: Db) {
    this.insert = db.prepare(
      `INSERT INTO vcenter_events (vcenter_id, event_key, event_type_id, kind, created_at, user_name, host_moid, host_name, ruleset, message, data, poll_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (vcenter_id, event_key) DO NOTHING`,
    );
    this.selectPosition = db.prepare('SELECT last_key AS lastKey, last_created_at AS lastCreatedAt FROM event_positions WHERE vcenter_id = ?');
    this.upsertPosition = db.prepare(
      `INSERT INTO event_positions (vcenter_id, last_key, last_created_at) VALUES (?, ?, ?)
       ON CONFLICT (vcenter_id) DO UPDATE SET last_key = excluded.last_key, last_created_at = excluded.last_created_at`,
    );
    this.selectBetween = db.prepare(`SELECT ${COLUMNS} FROM vcenter_events WHERE vcenter_id = ? AND created_at > ? AND created_at <= ? ORDER BY event_key`);
    // The unary plus keeps SQLite on the rowid range instead of scanning the vCenter's whole history.
    this.selectStoredAfter = db.prepare(`SELECT ${COLUMNS} FROM vcenter_events WHERE id > ? AND +vcenter_id = ? ORDER BY event_key`);
    this.updateOutcome = db.prepare('UPDATE vcenter_events SET outcome = ? WHERE vcenter_id = ? AND event_key = ? AND outcome IS NULL');
  }

  position(vcenterId: number): EventPosition | null {
    return (this.selectPosition.get(vcenterId) as EventPosition | undefined) ?? null;
  }

  /** Stores new events and the position after them; events already stored are skipped. */
  record(vcenterId: number, events: readonly FirewallEvent[], position: EventPosition, pollId: number | null): void {
    for (const event of events) {
      this.insert.run(vcenterId, event.key, event.eventTypeId, event.kind, event.createdTime, event.userName, event.hostMoid, event.hostName, event.ruleset, event.message, JSON.stringify(event.data), pollId);
    }
    this.upsertPosition.run(vcenterId, position.lastKey, position.lastCreatedAt);
  }

  /** Events created after `from` (exclusive) up to `to` (inclusive). */
  between(vcenterId: number, from: string, to: string): StoredEvent[] {
    return (this.selectBetween.all(vcenterId, from, to) as (Omit<StoredEvent, 'data'> & { data: string })[]).map(parse);
  }

  /** Events stored after row `rowId` of vcenter_events, in key order. */
  storedAfter(vcenterId: number, rowId: number): StoredEvent[] {
    return (this.selectStoredAfter.all(rowId, vcenterId) as (Omit<StoredEvent, 'data'> & { data: string })[]).map(parse);
  }

  /** Records what became of an event, once. */
  setOutcome(vcenterId: number, eventKey: number, outcome: string): void {
    this.updateOutcome.run(outcome, vcenterId, eventKey);
  }
}

function parse(row: Omit<StoredEvent, 'data'> & { data: string }): StoredEvent {
  return { ...row, data: JSON.parse(row.data) as Record<string, string> };
}
