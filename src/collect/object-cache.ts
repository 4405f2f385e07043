// Shaped results of property-collector objects, keyed by the SHA-256 of
// their bytes, so that a poll does not decode, normalize and hash an
// unchanged host again. The poll layer fills it from the database before a
// read and stores what the read decoded afterwards.
import type { FragmentCache } from '../vsphere/xml/fragment-reader.js';
import type { ParentInfo, PendingHost } from './shape.js';

export type CachedObject = { kind: 'host'; host: PendingHost } | { kind: 'parent'; moid: string; parent: ParentInfo };

/**
 * Part of every key. Change it whenever shaping or normalization changes
 * what the same bytes decode to, so that entries written by an older vdrift
 * are decoded again instead of reused.
 */
export const CACHE_VERSION = 'v1';

function versioned(key: string): string {
  return `${CACHE_VERSION}:${key}`;
}

export class ObjectCache implements FragmentCache {
  private readonly entries = new Map<string, CachedObject>();
  private sink: ((entry: CachedObject) => void) | null = null;
  /** Objects decoded during the current read, with their keys, for the caller to store. */
  decoded: { key: string; entry: CachedObject }[] = [];
  /** Objects served from the cache during the current read. */
  reused = 0;

  get size(): number {
    return this.entries.size;
  }

  /** Adds an entry known from an earlier read, under the versioned key it was stored with. */
  add(storedKey: string, entry: CachedObject): void {
    this.entries.set(storedKey, entry);
  }

  /** Starts a read; reused entries go to `sink`. */
  begin(sink: (entry: CachedObject) => void): void {
    this.decoded = [];
    this.reused = 0;
    this.sink = sink;
  }

  has(key: string): boolean {
    return this.entries.has(versioned(key));
  }

  reuse(key: string): void {
    this.reused += 1;
    this.sink?.(this.entries.get(versioned(key))!);
  }

  /** Records an object decoded in this read; `decoded` lists it under its versioned key. */
  remember(key: string, entry: CachedObject): void {
    this.decoded.push({ key: versioned(key), entry });
  }

  end(): void {
    this.sink = null;
  }

  /** Returns every compute resource known from earlier reads, by moid. */
  parents(): Map<string, ParentInfo> {
    const parents = new Map<string, ParentInfo>();
    for (const entry of this.entries.values()) {
      if (entry.kind === 'parent') {
        parents.set(entry.moid, entry.parent);
      }
    }
    return parents;
  }
}
