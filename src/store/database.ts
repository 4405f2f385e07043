import { closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { migrate } from './migrate.js';
import { StoreError } from './store-error.js';

export type Db = Database.Database;

export interface OpenOptions {
  /** How long a writer waits for another process's write lock, in milliseconds. */
  busyTimeoutMs?: number;
}

/**
 * Opens (creating with mode 0600 if needed) and migrates the database.
 *
 * WAL lets readers (reports, `vdrift findings`) run while a poll writes.
 * synchronous=NORMAL in WAL mode loses no committed transaction when the
 * process crashes; only a power loss or kernel crash can drop the last
 * commits, and the next poll then rebuilds the same state and findings.
 */
export function openDatabase(path: string, options: OpenOptions = {}): Db {
  let db: Db;
  try {
    closeSync(openSync(path, 'a', 0o600));
    db = new Database(path);
  } catch (err) {
    throw new StoreError(`cannot open database ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
    migrate(db);
    return db;
  } catch (err) {
    db.close();
    if (err instanceof StoreError) {
      throw err;
    }
    throw new StoreError(`cannot prepare database ${path}: ${(err as Error).message}`, { cause: err });
  }
}
