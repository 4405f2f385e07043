// Maintenance windows and exceptions as stored. Config windows and file
// exceptions are copied in on every load, so reports can show them after
// the config or file changed; nothing here is ever deleted.
import type { ExceptionEntry } from '../config/exceptions.js';
import type { WindowConfig } from '../config/notification-types.js';
import { canonicalJson } from '../model/canonical.js';
import type { MaintenanceWindow, RiskException, WindowScope } from '../model/hold.js';
import type { Db } from './database.js';

/** A window as stored: its scope is canonical JSON. */
export type WindowRow = Omit<MaintenanceWindow, 'scope'> & { scope: string };

const WINDOW_COLUMNS = `id, source, scope, starts_at AS startsAt, ends_at AS endsAt, ended_at AS endedAt, ticket,
  created_by AS createdBy, reason`;

export interface NewWindow {
  scope: WindowScope;
  startsAt: string;
  endsAt: string;
  ticket: string;
  createdBy: string;
  reason: string;
}

export class WindowRepository {
  private readonly insert;
  private readonly selectAll;
  private readonly selectOne;
  private readonly endStmt;

  constructor(db: Db) {
    this.insert = db.prepare(
      `INSERT INTO windows (source, scope, starts_at, ends_at, ticket, created_by, reason, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, scope, starts_at, ends_at, ticket) DO UPDATE SET id = id RETURNING id`,
    ).pluck();
    this.selectAll = db.prepare(`SELECT ${WINDOW_COLUMNS} FROM windows ORDER BY starts_at, id`);
    this.selectOne = db.prepare(`SELECT ${WINDOW_COLUMNS} FROM windows WHERE id = ?`);
    this.endStmt = db.prepare('UPDATE windows SET ended_at = ? WHERE id = ? AND ended_at IS NULL AND ends_at > ?');
  }

  /** Copies the config's windows in; windows already stored stay as they are. */
  syncConfig(windows: readonly WindowConfig[], now: string): void {
    for (const window of windows) {
      this.store('config', { scope: window.scope, startsAt: iso(window.from), endsAt: iso(window.to), ticket: window.ticket, createdBy: window.by, reason: window.reason }, now);
    }
  }

  add(window: NewWindow, now: string): number {
    return this.store('cli', window, now);
  }

  /** Ends a window early; false when it does not exist, has ended, or is over anyway. */
  end(id: number, now: string): boolean {
    return this.endStmt.run(now, id, now).changes > 0;
  }

  byId(id: number): MaintenanceWindow | null {
    const row = this.selectOne.get(id) as WindowRow | undefined;
    return row ? toWindow(row) : null;
  }

  list(): MaintenanceWindow[] {
    return (this.selectAll.all() as WindowRow[]).map(toWindow);
  }

  private store(source: 'config' | 'cli', window: NewWindow, now: string): number {
    const scope = canonicalJson(window.scope);
    // The same window added again returns the id it already has.
    return this.insert.get(source, scope, window.startsAt, window.endsAt, window.ticket, window.createdBy, window.reason, now) as number;
  }
}

function toWindow(row: WindowRow): MaintenanceWindow {
  return { ...row, scope: JSON.parse(row.scope) as WindowScope };
}

function iso(text: string): string {
  return new Date(text).toISOString();
}

type ExceptionRow = RiskException & { withdrawnAt: string | null };

const EXCEPTION_COLUMNS = `id, exception_id AS exceptionId, source, vcenter, cluster, host, ruleset, rule, reason,
  approved_by AS approvedBy, expires_at AS expiresAt, file, withdrawn_at AS withdrawnAt`;

export class ExceptionRepository {
  private readonly upsertFile;
  private readonly insertCli;
  private readonly selectAll;
  private readonly withdraw;

  constructor(db: Db) {
    this.upsertFile = db.prepare(
      `INSERT INTO exceptions (source, exception_id, vcenter, cluster, host, ruleset, rule, reason, approved_by, expires_at, file, created_at)
       VALUES ('file', @id, @vcenter, @cluster, @host, @ruleset, @rule, @reason, @approvedBy, @expiresAt, @file, @now)
       ON CONFLICT (exception_id) DO UPDATE SET vcenter = @vcenter, cluster = @cluster, host = @host, ruleset = @ruleset,
         rule = @rule, reason = @reason, approved_by = @approvedBy, expires_at = @expiresAt, file = @file, withdrawn_at = NULL
       WHERE source = 'file'`,
    );
    this.insertCli = db.prepare(
      `INSERT INTO exceptions (source, exception_id, vcenter, cluster, host, ruleset, rule, reason, approved_by, expires_at, created_at)
       VALUES ('cli', @id, @vcenter, @cluster, @host, @ruleset, @rule, @reason, @approvedBy, @expiresAt, @now)`,
    );
    this.selectAll = db.prepare(`SELECT ${EXCEPTION_COLUMNS} FROM exceptions ORDER BY expires_at, exception_id`);
    this.withdraw = db.prepare(`UPDATE exceptions SET withdrawn_at = ? WHERE source = 'file' AND withdrawn_at IS NULL AND exception_id = ?`);
  }

  /** Copies the files' exceptions in and withdraws file exceptions that are no longer in any file. */
  syncFiles(entries: readonly ExceptionEntry[], now: string): void {
    const current = new Set(entries.map((entry) => entry.id));
    for (const entry of entries) {
      this.upsertFile.run({ ...entry, now });
    }
    for (const row of this.rows()) {
      if (row.source === 'file' && row.withdrawnAt === null && !current.has(row.exceptionId)) {
        this.withdraw.run(now, row.exceptionId);
      }
    }
  }

  /** Adds an exception from the command line; throws if the id is taken. */
  add(entry: Omit<ExceptionEntry, 'file'>, now: string): void {
    this.insertCli.run({ ...entry, now });
  }

  /** Exceptions in force at `now`: not expired and, for file exceptions, still in their file. */
  active(now: string): RiskException[] {
    return this.rows()
      .filter((row) => row.withdrawnAt === null && row.expiresAt > now)
      .map(toException);
  }

  list(): (RiskException & { withdrawnAt: string | null })[] {
    return this.rows().map((row) => ({ ...toException(row), withdrawnAt: row.withdrawnAt }));
  }

  private rows(): ExceptionRow[] {
    return this.selectAll.all() as ExceptionRow[];
  }
}

function toException(row: ExceptionRow): RiskException {
  const { withdrawnAt: _withdrawn, ...exception } = row;
  return exception;
}
