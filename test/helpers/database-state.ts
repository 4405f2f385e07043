// Read-only views of a vdrift database for tests that must show what a
// failed, killed or hostile poll left behind, and a check for stack traces
// in command output.
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { packagePath } from '../../src/model/paths.js';

/** Tables that record what polls saw and judged, in the order migrations create them. */
export const STATE_TABLES = [
  'vcenters',
  'snapshots',
  'baseline_versions',
  'hosts',
  'compute_resources',
  'host_states',
  'findings',
  'finding_severity_changes',
] as const;

export interface PollRowState {
  id: number;
  outcome: string;
  error: string | null;
  hostsSeen: number;
  hostsChecked: number;
}

/** Runs work on a read-only connection to the database and closes it. */
export function withDatabase<T>(database: string, work: (db: Database.Database) => T): T {
  const db = new Database(database, { readonly: true, fileMustExist: true });
  try {
    return work(db);
  } finally {
    db.close();
  }
}

/**
 * Returns every row of each state table, ordered by its primary key, keyed
 * by table name. Columns named "table.column" in ignoreColumns are left out.
 */
export function stateTables(database: string, ignoreColumns: readonly string[] = []): Record<string, unknown[]> {
  return withDatabase(database, (db) => {
    const dump: Record<string, unknown[]> = {};
    for (const table of STATE_TABLES) {
      // rowid tables sort by rowid, and the two WITHOUT ROWID tables by their primary key.
      let order = 'rowid';
      if (table === 'snapshots') {
        order = 'hash';
      } else if (table === 'compute_resources') {
        order = 'vcenter_id, moid';
      }
      const rows = db.prepare(`SELECT * FROM ${table} ORDER BY ${order}`).all() as Record<string, unknown>[];
      for (const row of rows) {
        for (const column of Object.keys(row)) {
          if (ignoreColumns.includes(`${table}.${column}`)) {
            delete row[column];
          }
        }
      }
      dump[table] = rows;
    }
    return dump;
  });
}

/** Returns the rows of the polls table, oldest first. */
export function pollRows(database: string): PollRowState[] {
  return withDatabase(database, (db) =>
    db
      .prepare('SELECT id, outcome, error, hosts_seen AS hostsSeen, hosts_checked AS hostsChecked FROM polls ORDER BY id')
      .all() as PollRowState[],
  );
}

/**
 * A stack frame as V8 prints it ("    at fn (file:1:2)"), either on its own
 * line or inside a JSON log line, where the newline before it is written "\n".
 */
const STACK_FRAME = /(?:^|\n|\\n)\s+at\s+(?:\S+\s+\()?\S+:\d+:\d+\)?/;

/** Tells whether text contains a JavaScript stack trace. */
export function hasStackTrace(text: string): boolean {
  return STACK_FRAME.test(text);
}

/** Returns the starter baseline shipped in baselines/esxi-hardened.json, parsed. */
export function starterBaseline(): Record<string, unknown> {
  return JSON.parse(readFileSync(packagePath('baselines', 'esxi-hardened.json'), 'utf8')) as Record<string, unknown>;
}

/** Parses winston's JSON log lines from stderr. Lines that are not JSON objects are skipped. */
export function logLines(stderr: string): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) {
      continue;
    }
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // A line that starts like JSON but is not: plain text from the command, skipped.
    }
  }
  return lines;
}
