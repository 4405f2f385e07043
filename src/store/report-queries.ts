// Read-only queries for reports, `vdrift history` and `vdrift diff`. Every
// list has an ORDER BY that ends in a unique column, so the same database
// always gives rows in the same order.
import type { Db } from './database.js';
import type { FindingColumns } from './findings.js';
import type { WindowRow } from './holds.js';
import type { PollOutcome } from './polls.js';

export interface ReportHostRow {
  id: number;
  vcenter: string;
  moid: string;
  name: string;
  cluster: string | null;
  firstSeenAt: string;
  lastSeenAt: string;
  lastSeenPollId: number;
  removedAt: string | null;
}

/** A run of polls in which a host showed one state. For the current run, `lastPollId` and `lastSeenAt` come from the host row. */
export interface StateRunRow {
  id: number;
  snapshotHash: string | null;
  notCheckedReason: string | null;
  notCheckedDetail: string | null;
  baselineVersionId: number | null;
  /** The esxcli firewall state as JSON, `unknown` when the probe failed, or null without a probe. */
  serviceState: string | null;
  firstPollId: number;
  firstSeenAt: string;
  lastPollId: number;
  lastSeenAt: string;
  current: boolean;
}

export interface ReportFindingRow extends FindingColumns {
  baselineVersionId: number | null;
  firstSeenAt: string;
  firstPollId: number | null;
  seenUntil: string;
  resolvedAt: string | null;
  resolvedPollId: number | null;
  resolution: string | null;
  windowTicket: string | null;
  attribution: string | null;
}

export interface SeverityChangeRow {
  findingId: number;
  pollId: number | null;
  at: string;
  severity: string;
  previousSeverity: string;
}

export interface PollTimeRow {
  id: number;
  startedAt: string;
  finishedAt: string;
  outcome: PollOutcome;
  error: string | null;
}

export interface BaselineVersionRow {
  rowId: number;
  id: string;
  version: number;
  hash: string;
  body: string;
  file: string;
  approvedBy: string;
  approvedAt: string;
  ticket: string;
  firstLoadedAt: string;
  lastLoadedAt: string;
}

/** First and last poll time of the host state runs that a baseline version judged. */
export interface BaselineSpanRow {
  baselineVersionId: number;
  firstInForce: string;
  lastInForce: string;
}

export type WindowHistoryRow = WindowRow & { createdAt: string };

export interface ExceptionHistoryRow {
  exceptionId: string;
  source: string;
  vcenter: string | null;
  cluster: string | null;
  host: string | null;
  ruleset: string | null;
  rule: string;
  reason: string;
  approvedBy: string;
  expiresAt: string;
  createdAt: string;
  withdrawnAt: string | null;
}

const FINDING_COLUMNS = `id, fingerprint, rule, severity, vcenter, host, host_moid AS hostMoid, cluster, ruleset, expected, actual,
  message, baseline_version_id AS baselineVersionId, status, first_seen_at AS firstSeenAt, first_poll_id AS firstPollId,
  seen_until AS seenUntil, resolved_at AS resolvedAt, resolved_poll_id AS resolvedPollId, resolution,
  window_ticket AS windowTicket, attribution`;

// Findings whose open time overlaps [from, to]: opened by the end, and not resolved before the start.
const OVERLAPS = 'first_seen_at <= @to AND (resolved_at IS NULL OR resolved_at >= @from)';

export class ReportQueries {
  private readonly selectVcenters;
  private readonly selectHosts;
  private readonly selectStates;
  private readonly selectHostFindings;
  private readonly selectVcenterFindings;
  private readonly selectHostSeverityChanges;
  private readonly selectVcenterSeverityChanges;
  private readonly selectPolls;
  private readonly selectLastPoll;
  private readonly selectFirstPoll;
  private readonly selectBaseline;
  private readonly selectBaselineSpans;
  private readonly selectWindows;
  private readonly selectExceptions;

  constructor(private readonly db: Db) {
    this.selectVcenters = db.prepare('SELECT id, name FROM vcenters ORDER BY name, id');

    this.selectHosts = db.prepare(
      `SELECT h.id, v.name AS vcenter, h.moid, h.name, h.cluster, h.first_seen_at AS firstSeenAt, h.last_seen_at AS lastSeenAt,
              h.last_seen_poll_id AS lastSeenPollId, h.removed_at AS removedAt
       FROM hosts h JOIN vcenters v ON v.id = h.vcenter_id
       ORDER BY v.name, coalesce(h.cluster, ''), h.name, h.moid, h.id`,
    );

    this.selectStates = db.prepare(
      `SELECT s.id, s.snapshot_hash AS snapshotHash, s.not_checked_reason AS notCheckedReason,
              s.not_checked_detail AS notCheckedDetail, s.baseline_version_id AS baselineVersionId,
              s.service_state AS serviceState, s.first_poll_id AS firstPollId, s.first_seen_at AS firstSeenAt,
              coalesce(s.last_poll_id, h.last_seen_poll_id) AS lastPollId, coalesce(s.last_seen_at, h.last_seen_at) AS lastSeenAt,
              s.last_poll_id IS NULL AS current
       FROM host_states s JOIN hosts h ON h.id = s.host_id
       WHERE s.host_id = ? ORDER BY s.id`,
    );

    this.selectHostFindings = db.prepare(`SELECT ${FINDING_COLUMNS} FROM finding_list WHERE host_id = @hostId AND ${OVERLAPS} ORDER BY first_seen_at, rule, coalesce(ruleset, ''), id`);
    this.selectVcenterFindings = db.prepare(
      `SELECT ${FINDING_COLUMNS} FROM finding_list WHERE host_id IS NULL AND vcenter = @vcenter AND ${OVERLAPS}
       ORDER BY first_seen_at, rule, coalesce(ruleset, ''), id`,
    );

    const changeColumns = `c.finding_id AS findingId, c.poll_id AS pollId, c.at, c.severity, c.previous_severity AS previousSeverity`;
    this.selectHostSeverityChanges = db.prepare(
      `SELECT ${changeColumns} FROM finding_severity_changes c JOIN findings f ON f.id = c.finding_id WHERE f.host_id = ? ORDER BY c.id`,
    );
    this.selectVcenterSeverityChanges = db.prepare(
      `SELECT ${changeColumns} FROM finding_severity_changes c JOIN findings f ON f.id = c.finding_id
       WHERE f.host_id IS NULL AND f.vcenter = ? ORDER BY c.id`,
    );

    this.selectPolls = db.prepare(
      `SELECT id, started_at AS startedAt, finished_at AS finishedAt, outcome, error FROM polls
       WHERE vcenter_id = ? AND started_at >= ? AND started_at < ? AND kind = 'inventory' ORDER BY started_at, id`,
    );
    this.selectFirstPoll = db.prepare(`SELECT min(started_at) FROM polls WHERE vcenter_id = ? AND kind = 'inventory'`).pluck();
    this.selectLastPoll = db.prepare(
      `SELECT id, started_at AS startedAt, finished_at AS finishedAt, outcome, error FROM polls
       WHERE vcenter_id = ? AND finished_at <= ? AND kind = 'inventory' ORDER BY id DESC LIMIT 1`,
    );

    this.selectBaseline = db.prepare(
      `SELECT id AS rowId, baseline_id AS id, version, hash, body, file, approved_by AS approvedBy, approved_at AS approvedAt,
              ticket, first_loaded_at AS firstLoadedAt, last_loaded_at AS lastLoadedAt
       FROM baseline_versions WHERE id = ?`,
    );
    this.selectBaselineSpans = db.prepare(
      `SELECT s.baseline_version_id AS baselineVersionId, min(s.first_seen_at) AS firstInForce,
              max(coalesce(s.last_seen_at, h.last_seen_at)) AS lastInForce
       FROM host_states s JOIN hosts h ON h.id = s.host_id
       WHERE s.baseline_version_id IS NOT NULL GROUP BY s.baseline_version_id ORDER BY s.baseline_version_id`,
    );

    this.selectWindows = db.prepare(
      `SELECT id, source, scope, starts_at AS startsAt, ends_at AS endsAt, ended_at AS endedAt, ticket, created_by AS createdBy,
              reason, created_at AS createdAt
       FROM windows ORDER BY starts_at, id`,
    );
    this.selectExceptions = db.prepare(
      `SELECT exception_id AS exceptionId, source, vcenter, cluster, host, ruleset, rule, reason, approved_by AS approvedBy,
              expires_at AS expiresAt, created_at AS createdAt, withdrawn_at AS withdrawnAt
       FROM exceptions ORDER BY exception_id`,
    );
  }

  /**
   * Runs `work` in one read transaction. In WAL mode every query inside it
   * reads the database as it was at the first one, so a poll that commits
   * meanwhile cannot make two parts of a report disagree.
   */
  consistently<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  vcenters(): { id: number; name: string }[] {
    return this.selectVcenters.all() as { id: number; name: string }[];
  }

  /** Returns every host ever seen, ordered by vCenter, cluster, name and moid. */
  hosts(): ReportHostRow[] {
    return this.selectHosts.all() as ReportHostRow[];
  }

  /** Returns the host's state runs, oldest first. */
  states(hostId: number): StateRunRow[] {
    const rows = this.selectStates.all(hostId) as (Omit<StateRunRow, 'current'> & { current: number })[];
    return rows.map((row) => ({ ...row, current: row.current === 1 }));
  }

  hostFindings(hostId: number, from: string, to: string): ReportFindingRow[] {
    return this.selectHostFindings.all({ hostId, from, to }) as ReportFindingRow[];
  }

  /** Findings about a vCenter as a whole (no host) that were open at some time in [from, to]. */
  vcenterFindings(vcenter: string, from: string, to: string): ReportFindingRow[] {
    return this.selectVcenterFindings.all({ vcenter, from, to }) as ReportFindingRow[];
  }

  hostSeverityChanges(hostId: number): SeverityChangeRow[] {
    return this.selectHostSeverityChanges.all(hostId) as SeverityChangeRow[];
  }

  vcenterSeverityChanges(vcenter: string): SeverityChangeRow[] {
    return this.selectVcenterSeverityChanges.all(vcenter) as SeverityChangeRow[];
  }

  /** Inventory polls of a vCenter that started in [from, to), in start order. */
  polls(vcenterId: number, from: string, to: string): PollTimeRow[] {
    return this.selectPolls.all(vcenterId, from, to) as PollTimeRow[];
  }

  /** Returns when vdrift first polled the vCenter, or null when it never did. */
  firstPollAt(vcenterId: number): string | null {
    return (this.selectFirstPoll.get(vcenterId) as string | null | undefined) ?? null;
  }

  /** Returns the vCenter's last inventory poll that finished at or before `at`, or null. */
  lastPollBy(vcenterId: number, at: string): PollTimeRow | null {
    return (this.selectLastPoll.get(vcenterId, at) as PollTimeRow | undefined) ?? null;
  }

  baselineVersion(rowId: number): BaselineVersionRow | null {
    return (this.selectBaseline.get(rowId) as BaselineVersionRow | undefined) ?? null;
  }

  baselineSpans(): BaselineSpanRow[] {
    return this.selectBaselineSpans.all() as BaselineSpanRow[];
  }

  windows(): WindowHistoryRow[] {
    return this.selectWindows.all() as WindowHistoryRow[];
  }

  exceptions(): ExceptionHistoryRow[] {
    return this.selectExceptions.all() as ExceptionHistoryRow[];
  }
}
