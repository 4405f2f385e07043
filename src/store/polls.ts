import type { Db } from './database.js';

export type PollOutcome = 'complete' | 'incomplete' | 'failed';

/** An inventory poll reads every host; a host poll re-reads one host after its firewall events. */
export type PollKind = 'inventory' | 'host';

export interface PollCounts {
  hostsSeen: number;
  hostsChecked: number;
  roundTrips: number;
  apiVersion: string | null;
}

export class PollRepository {
  private readonly upsertVcenter;
  private readonly selectVcenter;
  private readonly insert;
  private readonly update;
  private readonly eventsThrough;
  private readonly outcomes;

  constructor(db: Db) {
    this.upsertVcenter = db.prepare('INSERT INTO vcenters (name) VALUES (?) ON CONFLICT (name) DO NOTHING');
    this.selectVcenter = db.prepare('SELECT id FROM vcenters WHERE name = ?').pluck();
    this.insert = db.prepare(
      `INSERT INTO polls (vcenter_id, started_at, finished_at, outcome, error, kind)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.update = db.prepare(
      `UPDATE polls SET hosts_seen = ?, hosts_checked = ?, round_trips = ?, api_version = ?
       WHERE id = ?`,
    );
    this.outcomes = db.prepare(`SELECT outcome FROM polls WHERE vcenter_id = ? AND kind = 'inventory' ORDER BY id DESC`).pluck();
    this.eventsThrough = db.prepare('UPDATE polls SET events_through = (SELECT max(id) FROM vcenter_events WHERE vcenter_id = ?) WHERE id = ?');
  }

  /** Returns the id of a vCenter already in the database, or null. */
  knownVcenterId(name: string): number | null {
    return (this.selectVcenter.get(name) as number | undefined) ?? null;
  }

  /** Counts the failed polls of a vCenter since its last poll that did not fail. */
  consecutiveFailures(vcenterId: number): number {
    let count = 0;
    for (const outcome of this.outcomes.iterate(vcenterId) as Iterable<string>) {
      if (outcome !== 'failed') {
        break;
      }
      count += 1;
    }
    return count;
  }

  vcenterId(name: string): number {
    this.upsertVcenter.run(name);
    return this.selectVcenter.get(name) as number;
  }

  start(vcenterId: number, startedAt: string, finishedAt: string, outcome: PollOutcome, error: string | null, kind: PollKind = 'inventory'): number {
    return Number(this.insert.run(vcenterId, startedAt, finishedAt, outcome, error, kind).lastInsertRowid);
  }

  setCounts(pollId: number, counts: PollCounts): void {
    this.update.run(counts.hostsSeen, counts.hostsChecked, counts.roundTrips, counts.apiVersion, pollId);
  }

  /** Records the last event row stored so far, so the next poll judges only events stored after it. */
  markEventsThrough(pollId: number, vcenterId: number): void {
    this.eventsThrough.run(vcenterId, pollId);
  }
}
