// The changes to a vCenter's hosts between two inventory polls, read from
// the host state history.
import type { Db } from './database.js';

export interface HostIntervalRow {
  hostId: number;
  moid: string;
  name: string;
  cluster: string | null;
  /** Snapshot hash when the interval began, if one was read by then. */
  beforeHash: string | null;
  /** Latest snapshot hash. */
  afterHash: string | null;
  /** When each change of the host's snapshot since the lookback time was first seen. */
  capturedAt: string[];
}

export interface InventoryPoll {
  id: number;
  finishedAt: string;
  /** The last vcenter_events row stored by the time this poll was written; null for polls older than that mark. */
  eventsThrough: number | null;
}

export class IntervalRepository {
  private readonly previous;
  private readonly changed;
  private readonly hostByMoid;
  private readonly hashBefore;
  private readonly latestHash;
  private readonly snapshotChanges;

  constructor(db: Db) {
    this.previous = db.prepare(
      `SELECT id, finished_at AS finishedAt, events_through AS eventsThrough FROM polls
       WHERE vcenter_id = ? AND kind = 'inventory' AND outcome != 'failed' AND id < ? ORDER BY id DESC LIMIT 1`,
    );
    // CROSS JOIN keeps host_states first, so the first_poll_id index reads only the new states.
    this.changed = db.prepare(
      `SELECT DISTINCT h.id, h.moid, h.name, h.cluster
       FROM host_states s CROSS JOIN hosts h ON h.id = s.host_id
       WHERE s.first_poll_id > ? AND h.vcenter_id = ?`,
    );
    this.hostByMoid = db.prepare('SELECT id, moid, name, cluster FROM hosts WHERE vcenter_id = ? AND moid = ?');
    this.hashBefore = db
      .prepare('SELECT snapshot_hash FROM host_states WHERE host_id = ? AND first_poll_id <= ? AND snapshot_hash IS NOT NULL ORDER BY id DESC LIMIT 1')
      .pluck();
    this.snapshotChanges = db
      .prepare(
        `SELECT first_seen_at FROM (
           SELECT snapshot_hash, first_seen_at, lag(snapshot_hash) OVER (ORDER BY id) AS previous
           FROM host_states WHERE host_id = ? AND snapshot_hash IS NOT NULL)
         WHERE (previous IS NULL OR previous != snapshot_hash) AND first_seen_at > ?`,
      )
      .pluck();
    this.latestHash = db.prepare('SELECT snapshot_hash FROM host_states WHERE host_id = ? AND snapshot_hash IS NOT NULL ORDER BY id DESC LIMIT 1').pluck();
  }

  /** Returns the last inventory poll before `pollId` that read hosts, or null for a first poll. */
  previousInventoryPoll(vcenterId: number, pollId: number): InventoryPoll | null {
    return (this.previous.get(vcenterId, pollId) as InventoryPoll | undefined) ?? null;
  }

  /**
   * Hosts whose state changed after poll `sincePollId`, plus the hosts named
   * in `alsoMoids` (hosts with events), with their state before and now and
   * the times their snapshot changed after `capturedSince`. That time lies
   * before the interval on purpose: a poll may read a change before it reads
   * the event that announced it.
   */
  hostsChangedSince(vcenterId: number, sincePollId: number, alsoMoids: readonly string[], capturedSince: string): HostIntervalRow[] {
    const changed = this.changed.all(sincePollId, vcenterId) as HostIdentityRow[];
    const rows = new Map<number, HostIntervalRow>();
    const add = (host: HostIdentityRow): void => {
      if (rows.has(host.id)) {
        return;
      }
      rows.set(host.id, {
        hostId: host.id,
        moid: host.moid,
        name: host.name,
        cluster: host.cluster,
        beforeHash: (this.hashBefore.get(host.id, sincePollId) as string | undefined) ?? null,
        afterHash: (this.latestHash.get(host.id) as string | undefined) ?? null,
        capturedAt: this.snapshotChanges.all(host.id, capturedSince) as string[],
      });
    };
    for (const host of changed) {
      add(host);
    }
    for (const moid of alsoMoids) {
      const host = this.hostByMoid.get(vcenterId, moid) as HostIdentityRow | undefined;
      if (host) {
        add(host);
      }
    }
    return [...rows.values()];
  }
}

interface HostIdentityRow {
  id: number;
  moid: string;
  name: string;
  cluster: string | null;
}
