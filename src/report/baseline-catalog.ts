// Baseline versions by row id, read once per report. A report names few
// versions, so every one read stays cached.
import type { Baseline } from '../model/baseline.js';
import type { BaselineVersionRow, ReportQueries } from '../store/report-queries.js';
import type { BaselineInfo } from './types.js';

export interface BaselineVersion {
  info: BaselineInfo;
  baseline: Baseline;
  firstLoadedAt: string;
  lastLoadedAt: string;
}

export class BaselineCatalog {
  private readonly versions = new Map<number, BaselineVersion | null>();

  constructor(private readonly queries: ReportQueries) {}

  get(rowId: number | null): BaselineVersion | null {
    if (rowId === null) {
      return null;
    }
    let version = this.versions.get(rowId);
    if (version === undefined) {
      const row = this.queries.baselineVersion(rowId);
      version = row ? toVersion(row) : null;
      this.versions.set(rowId, version);
    }
    return version;
  }

  /** Returns the short reference that findings and states carry. */
  ref(rowId: number | null): { rowId: number; id: string; version: number; hash: string } | null {
    const info = this.get(rowId)?.info;
    return info ? { rowId: info.rowId, id: info.id, version: info.version, hash: info.hash } : null;
  }
}

function toVersion(row: BaselineVersionRow): BaselineVersion {
  return {
    info: {
      rowId: row.rowId,
      id: row.id,
      version: row.version,
      hash: row.hash,
      file: row.file,
      approvedBy: row.approvedBy,
      approvedAt: row.approvedAt,
      ticket: row.ticket,
    },
    baseline: JSON.parse(row.body) as Baseline,
    firstLoadedAt: row.firstLoadedAt,
    lastLoadedAt: row.lastLoadedAt,
  };
}
