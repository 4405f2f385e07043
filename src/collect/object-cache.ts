// Shaped results of the property-collector objects of the last poll, keyed
// by the SHA-256 of their bytes, so that a long-running service does not
// decode, normalize and hash an unchanged host again. Entries not seen in a
// complete read are dropped, so the cache holds one inventory at most.
import type { FragmentCache } from '../vsphere/xml/fragment-reader.js';
import type { ParentInfo, PendingHost } from './shape.js';

export type CachedObject = { kind: 'host'; host: PendingHost } | { kind: 'parent'; moid: string; parent: ParentInfo };

export class ObjectCache implements FragmentCache {
  private current = new Map<string, CachedObject>();
  private next = new Map<string, CachedObject>();
  private sink: ((entry: CachedObject) => void) | null = null;

  get size(): number {
    return this.current.size;
  }

  /** Starts a read; reused entries go to `sink`. */
  begin(sink: (entry: CachedObject) => void): void {
    this.next = new Map();
    this.sink = sink;
  }

  has(key: string): boolean {
    return this.current.has(key);
  }

  reuse(key: string): void {
    const entry = this.current.get(key)!;
    this.next.set(key, entry);
    this.sink?.(entry);
  }

  remember(key: string, entry: CachedObject): void {
    this.next.set(key, entry);
  }

  /** Keeps what the finished read saw, and nothing else. */
  commit(): void {
    this.current = this.next;
    this.next = new Map();
    this.sink = null;
  }

  /** Forgets a read that failed, keeping the last complete one. */
  abandon(): void {
    this.next = new Map();
    this.sink = null;
  }
}
