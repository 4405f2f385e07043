// The decoding of each host and compute resource as last read, kept in the
// database so that any later poll, even in a new process, can skip parsing
// objects whose bytes did not change.
import { parsedState } from '../collect/normalize.js';
import { ObjectCache, type CachedObject } from '../collect/object-cache.js';
import type { FirewallState } from '../model/firewall.js';
import type { HostObservation, Snapshot } from '../model/host.js';
import { StoreError } from '../store/store-error.js';
import type { Store } from '../store/store.js';
import type { ManagedObjectReference } from '../vsphere/types.js';

/** A host observation as stored with its fragment key: the snapshot by hash only. */
interface StoredObservation extends Omit<HostObservation, 'snapshot' | 'cluster'> {
  snapshotHash: string | null;
  parent: ManagedObjectReference | null;
}

/** A snapshot already in the database, whose body is read only if evaluation needs it. */
class DatabaseSnapshot implements Snapshot {
  constructor(
    readonly hash: string,
    private readonly store: Store,
  ) {}

  get body(): string {
    const body = this.store.snapshots.body(this.hash);
    if (body === null) {
      throw new StoreError(`snapshot ${this.hash} is referenced by a host but missing from the snapshots table`);
    }
    return body;
  }

  get state(): FirewallState {
    return parsedState(this.hash, () => this.body);
  }
}

/** Builds the cache for one vCenter from what earlier polls stored. */
export function loadObjectCache(store: Store, vcenter: string): ObjectCache {
  const cache = new ObjectCache();
  const vcenterId = store.polls.knownVcenterId(vcenter);
  if (vcenterId === null) {
    return cache;
  }
  for (const row of store.hosts.fragments(vcenterId)) {
    cache.add(row.fragmentKey, hostEntry(JSON.parse(row.observation) as StoredObservation, store));
  }
  for (const row of store.computeResources.forVcenter(vcenterId)) {
    cache.add(row.fragmentKey, { kind: 'parent', moid: row.moid, parent: { type: row.type, name: row.name } });
  }
  return cache;
}

function hostEntry(stored: StoredObservation, store: Store): CachedObject {
  const { snapshotHash, parent, ...identity } = stored;
  const observation: HostObservation = { ...identity, cluster: null, snapshot: snapshotHash ? new DatabaseSnapshot(snapshotHash, store) : null };
  return { kind: 'host', host: { observation, parent } };
}

/** Stores the objects this read decoded, inside the poll's transaction and after its hosts exist. */
export function saveDecodedObjects(store: Store, vcenterId: number, decoded: ObjectCache['decoded']): void {
  for (const { key, entry } of decoded) {
    if (entry.kind === 'parent') {
      store.computeResources.put(vcenterId, { moid: entry.moid, type: entry.parent.type, name: entry.parent.name, fragmentKey: key });
      continue;
    }
    const { observation, parent } = entry.host;
    const { snapshot, cluster: _cluster, ...identity } = observation;
    const stored: StoredObservation = { ...identity, snapshotHash: snapshot?.hash ?? null, parent };
    store.hosts.setFragment(vcenterId, observation.moid, key, JSON.stringify(stored));
  }
}
