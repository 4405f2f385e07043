import type { Db } from './database.js';

export interface ComputeResourceRow {
  moid: string;
  type: string;
  name: string;
  fragmentKey: string;
}

/** Clusters and standalone compute resources as last read, for naming hosts' clusters. */
export class ComputeResourceRepository {
  private readonly selectAll;
  private readonly upsert;

  constructor(db: Db) {
    this.selectAll = db.prepare('SELECT moid, type, name, fragment_key AS fragmentKey FROM compute_resources WHERE vcenter_id = ?');
    this.upsert = db.prepare(
      `INSERT INTO compute_resources (vcenter_id, moid, type, name, fragment_key) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (vcenter_id, moid) DO UPDATE SET type = excluded.type, name = excluded.name, fragment_key = excluded.fragment_key`,
    );
  }

  forVcenter(vcenterId: number): ComputeResourceRow[] {
    return this.selectAll.all(vcenterId) as ComputeResourceRow[];
  }

  put(vcenterId: number, row: ComputeResourceRow): void {
    this.upsert.run(vcenterId, row.moid, row.type, row.name, row.fragmentKey);
  }
}
