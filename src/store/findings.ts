// Findings and their lifecycle. A finding opens the first time a poll
// produces its fingerprint, stays one row while later polls produce it
// again, and resolves when a poll that judged its host no longer does.
// Opening and resolving are kept on the finding row, severity changes in
// finding_severity_changes; the poll returns all three as transitions.
import { attributed, type StoredAttribution } from '../model/attribution.js';
import { canonicalJson } from '../model/canonical.js';
import type { Finding, FindingHold, Severity, StoredFinding } from '../model/finding.js';
import type { Db } from './database.js';
import type { PollStamp } from './hosts.js';

export interface OpenFinding {
  id: number;
  hostId: number | null;
  fingerprint: string;
  rule: string;
  severity: Severity;
  expected: string;
  actual: string;
  message: string;
  baselineVersionId: number | null;
  /** JSON StoredAttribution, or null. */
  attribution: string | null;
}

export type TransitionKind = 'opened' | 'severity-changed' | 'resolved';

export interface Transition {
  findingId: number;
  kind: TransitionKind;
  severity: Severity;
  previousSeverity: Severity | null;
  fingerprint: string;
}

export interface ReconcileScope {
  hostId: number | null;
  baselineVersionId: number | null;
  /** The last time each open finding held, for those that resolve now; null keeps the time stored on the row. */
  lastSeen(rule: string): PollStamp | null;
  resolution: string;
}

export interface FindingFilter {
  status?: 'open' | 'resolved';
  vcenter?: string;
}

const LIST_COLUMNS = `id, fingerprint, rule, severity, vcenter, host, host_moid AS hostMoid, cluster, ruleset, expected, actual,
  message, status, first_seen_at AS firstSeen, seen_until AS lastSeen, resolved_at AS resolvedAt, resolution,
  baseline_id AS baselineId, baseline_version AS baselineVersion, baseline_hash AS baselineHash, hold_kind AS holdKind,
  hold_ref AS holdRef, window_ticket AS windowTicket, notified_at AS notifiedAt, attribution`;

export class FindingRepository {
  private readonly selectOpenForHost;
  private readonly selectOpenWithoutHost;
  private readonly insert;
  private readonly updateDetails;
  private readonly updateSeen;
  private readonly resolveStmt;
  private readonly insertSeverityChange;
  private readonly selectOpenByRules;
  private readonly updateAttribution;

  constructor(private readonly db: Db) {
    const openColumns = `id, host_id AS hostId, fingerprint, rule, severity, expected, actual, message, baseline_version_id AS baselineVersionId, attribution`;
    this.selectOpenForHost = db.prepare(`SELECT ${openColumns} FROM findings WHERE host_id = ? AND status = 'open'`);
    this.selectOpenWithoutHost = db.prepare(`SELECT ${openColumns} FROM findings WHERE host_id IS NULL AND vcenter = ? AND status = 'open'`);
    // Positional parameters: on first polls this runs once per finding, and
    // binding an array is faster than binding named members of an object.
    this.insert = db.prepare(
      `INSERT INTO findings (fingerprint, rule, severity, vcenter, host_id, host, host_moid, cluster, ruleset, expected,
                             actual, message, baseline_version_id, status, first_seen_at, first_poll_id, last_seen_at,
                             last_poll_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?)`,
    );
    this.updateDetails = db.prepare(
      `UPDATE findings SET severity = @severity, expected = @expected, actual = @actual, message = @message,
              host = @host, cluster = @cluster, baseline_version_id = @baselineVersionId
       WHERE id = @id`,
    );
    this.updateSeen = db.prepare('UPDATE findings SET last_seen_at = ?, last_poll_id = ? WHERE id = ?');
    this.resolveStmt = db.prepare(
      `UPDATE findings SET status = 'resolved', last_seen_at = max(last_seen_at, coalesce(@lastSeenAt, last_seen_at)),
              last_poll_id = max(last_poll_id, coalesce(@lastPollId, last_poll_id)), resolved_at = @at, resolved_poll_id = @pollId,
              resolution = @resolution
       WHERE id = @id`,
    );
    this.selectOpenByRules = db.prepare(
      `SELECT ${openColumns} FROM findings WHERE vcenter = ? AND status = 'open' AND rule IN (SELECT value FROM json_each(?))`,
    );
    this.updateAttribution = db.prepare('UPDATE findings SET attribution = ?, severity = ?, message = ? WHERE id = ?');
    this.insertSeverityChange = db.prepare(
      `INSERT INTO finding_severity_changes (finding_id, poll_id, at, severity, previous_severity)
       VALUES (?, ?, ?, ?, ?)`,
    );
  }

  openForHost(hostId: number): OpenFinding[] {
    return this.selectOpenForHost.all(hostId) as OpenFinding[];
  }

  /** Open findings of these rules in a vCenter, with and without a host. */
  openByRules(vcenter: string, rules: readonly string[]): OpenFinding[] {
    return this.selectOpenByRules.all(vcenter, JSON.stringify(rules)) as OpenFinding[];
  }

  /** Records who made the change behind a finding, with the severity and message that follow from it. */
  setAttribution(id: number, attribution: StoredAttribution, severity: Severity, message: string): void {
    this.updateAttribution.run(JSON.stringify(attribution), severity, message, id);
  }

  openWithoutHost(vcenter: string): OpenFinding[] {
    return this.selectOpenWithoutHost.all(vcenter) as OpenFinding[];
  }

  /** Brings the stored findings of one scope in line with what this poll found. */
  reconcile(scope: ReconcileScope, current: readonly Finding[], open: readonly OpenFinding[], stamp: PollStamp): Transition[] {
    const transitions: Transition[] = [];
    const before = new Map(open.map((row) => [row.fingerprint, row]));
    for (const finding of current) {
      const row = before.get(finding.fingerprint);
      before.delete(finding.fingerprint);
      if (row) {
        this.keep(scope, row, finding, stamp, transitions);
      } else {
        this.open(scope, finding, stamp, transitions);
      }
    }
    for (const row of before.values()) {
      this.resolve(row, scope.lastSeen(row.rule), stamp, scope.resolution);
      transitions.push({ findingId: row.id, kind: 'resolved', severity: row.severity, previousSeverity: null, fingerprint: row.fingerprint });
    }
    return transitions;
  }

  openCountsBySeverity(): { severity: Severity; count: number }[] {
    return this.db.prepare(`SELECT severity, count(*) AS count FROM findings WHERE status = 'open' GROUP BY severity`).all() as { severity: Severity; count: number }[];
  }

  list(filter: FindingFilter = {}): StoredFinding[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.status) {
      where.push('status = ?');
      params.push(filter.status);
    }
    if (filter.vcenter) {
      where.push('vcenter = ?');
      params.push(filter.vcenter);
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const rows = this.db.prepare(`SELECT ${LIST_COLUMNS} FROM finding_list ${clause} ORDER BY vcenter, host, ruleset, rule, id`).all(...params);
    return (rows as StoredRow[]).map(toStoredFinding);
  }

  private open(scope: ReconcileScope, finding: Finding, stamp: PollStamp, transitions: Transition[]): void {
    const result = this.insert.run(
      finding.fingerprint,
      finding.rule,
      finding.severity,
      finding.vcenter,
      scope.hostId,
      finding.host,
      finding.hostMoid,
      finding.cluster,
      finding.ruleset,
      canonicalJson(finding.expected),
      canonicalJson(finding.actual),
      finding.message,
      scope.baselineVersionId,
      stamp.at,
      stamp.pollId,
      stamp.at,
      stamp.pollId,
    );
    transitions.push({ findingId: Number(result.lastInsertRowid), kind: 'opened', severity: finding.severity, previousSeverity: null, fingerprint: finding.fingerprint });
  }

  private keep(scope: ReconcileScope, row: OpenFinding, evaluated: Finding, stamp: PollStamp, transitions: Transition[]): void {
    // An escalation for an unauthorized change stays while the finding is open.
    const finding = attributed(evaluated, row.attribution === null ? null : (JSON.parse(row.attribution) as StoredAttribution));
    const expected = canonicalJson(finding.expected);
    const actual = canonicalJson(finding.actual);
    const changed =
      row.severity !== finding.severity ||
      row.expected !== expected ||
      row.actual !== actual ||
      row.message !== finding.message ||
      row.baselineVersionId !== scope.baselineVersionId;
    if (changed) {
      this.updateDetails.run({ ...finding, id: row.id, expected, actual, baselineVersionId: scope.baselineVersionId });
    }
    if (row.severity !== finding.severity) {
      this.insertSeverityChange.run(row.id, stamp.pollId, stamp.at, finding.severity, row.severity);
      transitions.push({ findingId: row.id, kind: 'severity-changed', severity: finding.severity, previousSeverity: row.severity, fingerprint: row.fingerprint });
    }
    if (scope.hostId === null) {
      this.updateSeen.run(stamp.at, stamp.pollId, row.id);
    }
  }

  private resolve(row: OpenFinding, lastSeen: PollStamp | null, stamp: PollStamp, resolution: string): void {
    this.resolveStmt.run({ id: row.id, lastSeenAt: lastSeen?.at ?? null, lastPollId: lastSeen?.pollId ?? null, at: stamp.at, pollId: stamp.pollId, resolution });
  }
}

/** The columns every finding row has, with expected and actual as stored JSON. */
export type FindingColumns = Omit<Finding, 'expected' | 'actual' | 'baseline'> & {
  id: number;
  expected: string;
  actual: string;
  status: StoredFinding['status'];
};

interface StoredRow extends FindingColumns {
  firstSeen: string;
  lastSeen: string;
  resolvedAt: string | null;
  resolution: string | null;
  baselineId: string | null;
  baselineVersion: number | null;
  baselineHash: string | null;
  holdKind: FindingHold['kind'] | null;
  holdRef: string | null;
  windowTicket: string | null;
  notifiedAt: string | null;
  attribution: string | null;
}

function toStoredFinding(row: StoredRow): StoredFinding {
  const { baselineId, baselineVersion, baselineHash, holdKind, holdRef, attribution, ...rest } = row;
  return {
    ...rest,
    attribution: attribution === null ? null : (JSON.parse(attribution) as StoredAttribution),
    expected: JSON.parse(row.expected),
    actual: JSON.parse(row.actual),
    baseline: baselineId === null ? null : { id: baselineId, version: baselineVersion!, hash: baselineHash! },
    hold: holdKind === null ? null : { kind: holdKind, ref: holdRef ?? '' },
  };
}
