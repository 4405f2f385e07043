import type { LoadedBaseline } from '../model/baseline.js';
import type { Db } from './database.js';

export class BaselineRepository {
  private readonly upsert;
  private readonly select;

  constructor(db: Db) {
    this.upsert = db.prepare(
      `INSERT INTO baseline_versions
         (baseline_id, version, hash, body, file, approved_by, approved_at, ticket, first_loaded_at, last_loaded_at)
       VALUES (@id, @version, @hash, @body, @file, @by, @at, @ticket, @now, @now)
       ON CONFLICT (baseline_id, version, hash) DO UPDATE SET last_loaded_at = @now, file = @file`,
    );
    this.select = db.prepare('SELECT id FROM baseline_versions WHERE baseline_id = ? AND version = ? AND hash = ?').pluck();
  }

  /** Records each loaded baseline version (once per content hash); returns row ids keyed by hash. */
  register(baselines: readonly LoadedBaseline[], now: string): Map<string, number> {
    const ids = new Map<string, number>();
    for (const loaded of baselines) {
      const { baseline } = loaded;
      this.upsert.run({
        id: baseline.id,
        version: baseline.version,
        hash: loaded.hash,
        body: JSON.stringify(baseline),
        file: loaded.file,
        by: baseline.approval.by,
        at: baseline.approval.at,
        ticket: baseline.approval.ticket,
        now,
      });
      ids.set(loaded.hash, this.select.get(baseline.id, baseline.version, loaded.hash) as number);
    }
    return ids;
  }
}
