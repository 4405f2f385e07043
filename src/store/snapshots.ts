import type { FirewallState } from '../model/firewall.js';
import { parsedState } from '../collect/normalize.js';
import type { Db } from './database.js';

export class SnapshotRepository {
  private readonly insert;
  private readonly select;

  constructor(db: Db) {
    this.insert = db.prepare('INSERT INTO snapshots (hash, body, first_seen_at) VALUES (?, ?, ?) ON CONFLICT (hash) DO NOTHING');
    this.select = db.prepare('SELECT body FROM snapshots WHERE hash = ?').pluck();
  }

  /** Stores a snapshot unless one with the same hash exists; returns whether a row was added. */
  put(hash: string, body: string, at: string): boolean {
    return this.insert.run(hash, body, at).changes > 0;
  }

  body(hash: string): string | null {
    return (this.select.get(hash) as string | undefined) ?? null;
  }

  /** Returns the parsed state, frozen and shared through the parse cache, or null when the hash is unknown. */
  state(hash: string): FirewallState | null {
    const body = this.body(hash);
    return body === null ? null : parsedState(hash, () => body);
  }
}
