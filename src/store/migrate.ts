// Schema migrations: numbered SQL files in migrations/, each applied in its
// own transaction and recorded in schema_migrations, so a failed migration
// leaves the database at the previous version.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { packagePath } from '../model/paths.js';
import { StoreError } from './store-error.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const MIGRATION_FILE = /^(\d{3,})_([a-z0-9_]+)\.sql$/;

export function readMigrations(dir = packagePath('migrations')): Migration[] {
  const migrations: Migration[] = [];
  for (const file of readdirSync(dir).sort()) {
    const match = MIGRATION_FILE.exec(file);
    if (match) {
      migrations.push({ version: Number(match[1]), name: match[2]!, sql: readFileSync(join(dir, file), 'utf8') });
    }
  }
  return migrations;
}

/** Applies every migration newer than the database; returns the versions applied. */
export function migrate(db: Database.Database, migrations: Migration[] = readMigrations()): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
  const newest = Math.max(0, ...applied);
  const known = Math.max(0, ...migrations.map((m) => m.version));
  if (newest > known) {
    throw new StoreError(`the database is at schema version ${newest}, newer than this vdrift knows (${known}); upgrade vdrift`);
  }

  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const isApplied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').pluck();
  const done: number[] = [];
  for (const migration of migrations) {
    if (applied.has(migration.version)) {
      continue;
    }
    // IMMEDIATE takes the write lock first, so a second process opening the
    // same new database waits here and then sees the migration applied.
    const ran = db.transaction(() => {
      if (isApplied.get(migration.version) !== undefined) {
        return false;
      }
      db.exec(migration.sql);
      record.run(migration.version, migration.name, new Date().toISOString());
      return true;
    }).immediate();
    if (ran) {
      done.push(migration.version);
    }
  }
  return done;
}
