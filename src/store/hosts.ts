// Hosts and their state history. A host's state is the triple of snapshot,
// not-checked reason and baseline version. A new host_states row starts only
// when that triple changes, so unchanged polls update rows in place and the
// database grows with changes, not with polls.
import type { HostObservation } from '../model/host.js';
import type { Db } from './database.js';

export interface HostRow {
  id: number;
  moid: string;
  name: string;
  lastSeenAt: string;
  lastSeenPollId: number;
  lastCheckedAt: string | null;
  lastCheckedPollId: number | null;
  removedAt: string | null;
  stateId: number | null;
  snapshotHash: string | null;
  notCheckedReason: string | null;
  baselineVersionId: number | null;
  serviceState: string | null;
}

export interface HostStateKey {
  snapshotHash: string | null;
  notCheckedReason: string | null;
  notCheckedDetail: string | null;
  baselineVersionId: number | null;
  /** The esxcli firewall state as JSON, `"unknown"` when the probe failed, or null without a probe. */
  serviceState: string | null;
}

export interface HostLookup {
  id: number;
  vcenter: string;
  name: string;
  cluster: string | null;
  lastSeenAt: string;
  removedAt: string | null;
}

/** The shape a host's property-collector bytes decoded to when last read, kept for reuse. */
export interface HostFragment {
  moid: string;
  fragmentKey: string;
  observation: string;
}

export interface PollStamp {
  pollId: number;
  at: string;
}

export function sameState(row: HostRow, key: HostStateKey): boolean {
  return (
    row.stateId !== null &&
    row.snapshotHash === key.snapshotHash &&
    row.notCheckedReason === key.notCheckedReason &&
    row.baselineVersionId === key.baselineVersionId &&
    row.serviceState === key.serviceState
  );
}

export class HostRepository {
  private readonly selectAll;
  private readonly insertHost;
  private readonly touchHost;
  private readonly markChecked;
  private readonly insertState;
  private readonly closeState;
  private readonly setCurrent;
  private readonly markRemovedStmt;
  private readonly lastSnapshot;
  private readonly byName;
  private readonly selectFragments;
  private readonly countActiveStmt;
  private readonly currentHash;
  private readonly updateFragment;

  constructor(db: Db) {
    this.selectAll = db.prepare(
      `SELECT h.id, h.moid, h.name, h.last_seen_at AS lastSeenAt, h.last_seen_poll_id AS lastSeenPollId,
              h.last_checked_at AS lastCheckedAt, h.last_checked_poll_id AS lastCheckedPollId,
              h.removed_at AS removedAt, h.current_state_id AS stateId, s.snapshot_hash AS snapshotHash,
              s.not_checked_reason AS notCheckedReason, s.baseline_version_id AS baselineVersionId,
              s.service_state AS serviceState
       FROM hosts h LEFT JOIN host_states s ON s.id = h.current_state_id
       WHERE h.vcenter_id = ?`,
    );
    this.insertHost = db.prepare(
      `INSERT INTO hosts (vcenter_id, moid, name, cluster, connection_state, in_maintenance, product_version,
                          api_version, first_seen_at, last_seen_at, last_seen_poll_id)
       VALUES (@vcenterId, @moid, @name, @cluster, @connectionState, @inMaintenance, @productVersion,
               @apiVersion, @at, @at, @pollId)`,
    );
    this.touchHost = db.prepare(
      `UPDATE hosts SET name = @name, cluster = @cluster, connection_state = @connectionState,
              in_maintenance = @inMaintenance, product_version = @productVersion, api_version = @apiVersion,
              last_seen_at = @at, last_seen_poll_id = @pollId, removed_at = NULL, service_error = @serviceError
       WHERE id = @id`,
    );
    this.markChecked = db.prepare('UPDATE hosts SET last_checked_at = ?, last_checked_poll_id = ? WHERE id = ?');
    this.insertState = db.prepare(
      `INSERT INTO host_states (host_id, snapshot_hash, not_checked_reason, not_checked_detail, baseline_version_id,
                                service_state, first_poll_id, first_seen_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.closeState = db.prepare('UPDATE host_states SET last_poll_id = ?, last_seen_at = ? WHERE id = ?');
    this.setCurrent = db.prepare('UPDATE hosts SET current_state_id = ? WHERE id = ?');
    this.markRemovedStmt = db.prepare('UPDATE hosts SET removed_at = ? WHERE id = ?');
    this.lastSnapshot = db
      .prepare('SELECT snapshot_hash FROM host_states WHERE host_id = ? AND snapshot_hash IS NOT NULL ORDER BY id DESC LIMIT 1')
      .pluck();
    this.byName = db.prepare(
      `SELECT h.id, v.name AS vcenter, h.name, h.cluster, h.last_seen_at AS lastSeenAt, h.removed_at AS removedAt
       FROM hosts h JOIN vcenters v ON v.id = h.vcenter_id
       WHERE h.name = ? COLLATE NOCASE ORDER BY v.name`,
    );
    this.selectFragments = db.prepare(
      `SELECT moid, fragment_key AS fragmentKey, observation FROM hosts
       WHERE vcenter_id = ? AND fragment_key IS NOT NULL AND removed_at IS NULL`,
    );
    this.countActiveStmt = db
      .prepare('SELECT count(*) FROM hosts h JOIN vcenters v ON v.id = h.vcenter_id WHERE v.name = ? AND h.removed_at IS NULL')
      .pluck();
    this.currentHash = db
      .prepare(
        `SELECT s.snapshot_hash FROM hosts h JOIN vcenters v ON v.id = h.vcenter_id JOIN host_states s ON s.id = h.current_state_id
         WHERE v.name = ? AND h.moid = ?`,
      )
      .pluck();
    this.updateFragment = db.prepare('UPDATE hosts SET fragment_key = ?, observation = ? WHERE vcenter_id = ? AND moid = ?');
  }

  /** Returns the snapshot hash of a host's current state, or null. */
  currentSnapshotHash(vcenter: string, moid: string): string | null {
    return (this.currentHash.get(vcenter, moid) as string | null | undefined) ?? null;
  }

  /** Counts the hosts of a vCenter that the last complete poll still saw. */
  countActive(vcenter: string): number {
    return this.countActiveStmt.get(vcenter) as number;
  }

  /** Returns the stored decoding of each host of a vCenter that has one. */
  fragments(vcenterId: number): HostFragment[] {
    return this.selectFragments.all(vcenterId) as HostFragment[];
  }

  setFragment(vcenterId: number, moid: string, fragmentKey: string, observation: string): void {
    this.updateFragment.run(fragmentKey, observation, vcenterId, moid);
  }

  /** Hosts with this name (case-insensitive, as DNS names are), in every vCenter. */
  findByName(name: string): HostLookup[] {
    return this.byName.all(name) as HostLookup[];
  }

  forVcenter(vcenterId: number): Map<string, HostRow> {
    const rows = this.selectAll.all(vcenterId) as HostRow[];
    return new Map(rows.map((row) => [row.moid, row]));
  }

  insert(vcenterId: number, host: HostObservation, stamp: PollStamp): HostRow {
    const result = this.insertHost.run({ vcenterId, ...identity(host), ...stamp });
    return {
      id: Number(result.lastInsertRowid),
      moid: host.moid,
      name: host.name,
      lastSeenAt: stamp.at,
      lastSeenPollId: stamp.pollId,
      lastCheckedAt: null,
      lastCheckedPollId: null,
      removedAt: null,
      stateId: null,
      snapshotHash: null,
      notCheckedReason: null,
      baselineVersionId: null,
      serviceState: null,
    };
  }

  /** Records that the host was seen in this poll, and judged if `checked`. */
  touch(row: HostRow, host: HostObservation, stamp: PollStamp, checked: boolean): void {
    this.touchHost.run({ id: row.id, ...identity(host), ...stamp, serviceError: host.firewallService?.status === 'unknown' ? host.firewallService.error : null });
    if (checked) {
      this.markChecked.run(stamp.at, stamp.pollId, row.id);
    }
  }

  /** Ends the host's current state run at its last poll and starts a new one. */
  changeState(row: HostRow, key: HostStateKey, stamp: PollStamp): void {
    if (row.stateId !== null) {
      this.closeState.run(row.lastSeenPollId, row.lastSeenAt, row.stateId);
    }
    const stateId = Number(
      this.insertState.run(row.id, key.snapshotHash, key.notCheckedReason, key.notCheckedDetail, key.baselineVersionId, key.serviceState, stamp.pollId, stamp.at)
        .lastInsertRowid,
    );
    this.setCurrent.run(stateId, row.id);
  }

  /** Returns the hash of the latest snapshot read for the host, even when later polls could not read it. */
  latestSnapshotHash(hostId: number): string | null {
    return (this.lastSnapshot.get(hostId) as string | undefined) ?? null;
  }

  markRemoved(row: HostRow, at: string): void {
    if (row.stateId !== null) {
      this.closeState.run(row.lastSeenPollId, row.lastSeenAt, row.stateId);
      this.setCurrent.run(null, row.id);
    }
    this.markRemovedStmt.run(at, row.id);
  }
}

function identity(host: HostObservation) {
  return {
    moid: host.moid,
    name: host.name,
    cluster: host.cluster,
    connectionState: host.connectionState,
    inMaintenance: host.inMaintenanceMode ? 1 : 0,
    productVersion: host.productVersion,
    apiVersion: host.apiVersion,
  };
}
