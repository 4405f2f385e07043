// The notification side of findings: whether an open finding's opening has
// been notified, what holds it back, and when it was last notified.
import type { StoredAttribution } from '../model/attribution.js';
import type { RuleId, Severity } from '../model/finding.js';
import type { Db } from './database.js';

export type HoldKind = 'window' | 'maintenance' | 'exception';

/** The fields that decide a finding's hold and its channels, without details, because a first poll can open tens of thousands. */
export interface HoldSubject {
  id: number;
  rule: RuleId;
  severity: Severity;
  status: 'open' | 'resolved';
  vcenter: string;
  cluster: string | null;
  host: string | null;
  hostMoid: string | null;
  ruleset: string | null;
  holdKind: HoldKind | null;
  holdRef: string | null;
  notifiedAt: string | null;
  /** Whether the finding's host is in vSphere maintenance mode now. */
  inMaintenance: boolean;
}

/** A finding with every field a notification about it contains. */
export interface NotifiableFinding extends HoldSubject {
  fingerprint: string;
  expected: unknown;
  actual: unknown;
  message: string;
  firstSeen: string;
  resolvedAt: string | null;
  windowTicket: string | null;
  lastNotifiedAt: string | null;
  attribution: StoredAttribution | null;
}

const SUBJECT_COLUMNS = `f.id, f.rule, f.severity, f.status, f.vcenter, f.cluster, f.host, f.host_moid AS hostMoid, f.ruleset,
  f.hold_kind AS holdKind, f.hold_ref AS holdRef, f.notified_at AS notifiedAt, coalesce(h.in_maintenance, 0) AS inMaintenance`;
const DETAIL_COLUMNS = `${SUBJECT_COLUMNS}, f.fingerprint, f.expected, f.actual, f.message, f.first_seen_at AS firstSeen,
  f.resolved_at AS resolvedAt, f.window_ticket AS windowTicket, f.last_notified_at AS lastNotifiedAt, f.attribution`;
const FROM = 'FROM findings f LEFT JOIN hosts h ON h.id = f.host_id';
const BY_IDS = 'WHERE f.id IN (SELECT value FROM json_each(?)) ORDER BY f.id';

type SubjectRow = Omit<HoldSubject, 'inMaintenance'> & { inMaintenance: number };
type DetailRow = Omit<NotifiableFinding, 'inMaintenance' | 'expected' | 'actual' | 'attribution'> & { inMaintenance: number; expected: string; actual: string; attribution: string | null };

export class FindingHoldRepository {
  private readonly selectByIds;
  private readonly selectSubjects;
  private readonly selectUnnotified;
  private readonly selectHeldByException;
  private readonly selectCovered;
  private readonly selectRepeat;
  private readonly hold;
  private readonly notified;
  private readonly renotified;
  private readonly notifiedMany;

  constructor(db: Db) {
    this.selectByIds = db.prepare(`SELECT ${DETAIL_COLUMNS} ${FROM} ${BY_IDS}`);
    this.selectSubjects = db.prepare(`SELECT ${SUBJECT_COLUMNS} ${FROM} ${BY_IDS}`);
    this.selectUnnotified = db.prepare(`SELECT ${SUBJECT_COLUMNS} ${FROM} WHERE f.status = 'open' AND f.notified_at IS NULL AND f.vcenter = ?`);
    this.selectHeldByException = db.prepare(`SELECT ${SUBJECT_COLUMNS} ${FROM} WHERE f.status = 'open' AND f.hold_kind = 'exception' AND f.vcenter = ?`);
    this.selectCovered = db.prepare(
      `SELECT ${SUBJECT_COLUMNS} ${FROM}
       WHERE f.status = 'open' AND f.vcenter = @vcenter AND f.rule = @rule AND f.ruleset IS @ruleset
         AND (f.host = @host OR f.cluster = @cluster)`,
    );
    this.selectRepeat = db.prepare(
      `SELECT ${SUBJECT_COLUMNS} ${FROM}
       WHERE f.status = 'open' AND f.vcenter = ? AND f.severity = 'critical' AND f.hold_kind IS NULL
         AND f.notified_at IS NOT NULL AND f.last_notified_at <= ?`,
    );
    this.hold = db.prepare('UPDATE findings SET hold_kind = ?, hold_ref = ?, window_ticket = coalesce(?, window_ticket) WHERE id = ?');
    this.notified = db.prepare('UPDATE findings SET notified_at = coalesce(notified_at, ?), last_notified_at = ?, hold_kind = NULL, hold_ref = NULL WHERE id = ?');
    this.renotified = db.prepare('UPDATE findings SET last_notified_at = ? WHERE id = ?');
    this.notifiedMany = db.prepare(
      `UPDATE findings SET notified_at = coalesce(notified_at, @at), last_notified_at = @at, hold_kind = NULL, hold_ref = NULL
       WHERE id IN (SELECT value FROM json_each(@ids))`,
    );
  }

  byIds(ids: readonly number[]): NotifiableFinding[] {
    if (ids.length === 0) {
      return [];
    }
    return (this.selectByIds.all(JSON.stringify(ids)) as DetailRow[]).map((row) => ({
      ...row,
      expected: JSON.parse(row.expected) as unknown,
      actual: JSON.parse(row.actual) as unknown,
      inMaintenance: row.inMaintenance === 1,
      attribution: row.attribution === null ? null : (JSON.parse(row.attribution) as StoredAttribution),
    }));
  }

  subjects(ids: readonly number[]): HoldSubject[] {
    return ids.length === 0 ? [] : this.rows(this.selectSubjects.all(JSON.stringify(ids)));
  }

  /** Open findings of a vCenter whose opening has not been notified: held ones. */
  unnotified(vcenter: string): HoldSubject[] {
    return this.rows(this.selectUnnotified.all(vcenter));
  }

  heldByException(vcenter: string): HoldSubject[] {
    return this.rows(this.selectHeldByException.all(vcenter));
  }

  /** Open findings of `vcenter` for this rule and ruleset on this host or cluster. */
  covered(target: { vcenter: string; rule: string; ruleset: string | null; host: string | null; cluster: string | null }): HoldSubject[] {
    return this.rows(this.selectCovered.all(target));
  }

  /** Open, notified critical findings without a hold that were last notified at or before `before`. */
  dueForRepeat(vcenter: string, before: string): HoldSubject[] {
    return this.rows(this.selectRepeat.all(vcenter, before));
  }

  setHold(id: number, kind: HoldKind, ref: string, windowTicket: string | null): void {
    this.hold.run(kind, ref, windowTicket, id);
  }

  /** Records a notification about the finding and clears its hold. */
  markNotified(id: number, at: string): void {
    this.notified.run(at, at, id);
  }

  /** markNotified for many findings in one statement, for first polls that open thousands. */
  markManyNotified(ids: readonly number[], at: string): void {
    if (ids.length > 0) {
      this.notifiedMany.run({ at, ids: JSON.stringify(ids) });
    }
  }

  /** Records a repeat or severity notification without touching the first notification time. */
  markRenotified(id: number, at: string): void {
    this.renotified.run(at, id);
  }

  private rows(rows: unknown[]): HoldSubject[] {
    return (rows as SubjectRow[]).map((row) => ({ ...row, inMaintenance: row.inMaintenance === 1 }));
  }
}
