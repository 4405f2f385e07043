// One vCenter to host observations: one container view over HostSystem and
// ComputeResource, read with RetrievePropertiesEx page by page. Each host is
// normalized and hashed as it arrives, so only the compact snapshots stay
// in memory, never the inventory's XML.
import type { HostObservation } from '../model/host.js';
import { VdriftError } from '../model/vdrift-error.js';
import type { VimClient } from '../vsphere/client.js';
import { IncompleteRetrievalError, retrieveFromView, type PropertySpec } from '../vsphere/property-collector.js';
import { SoapFault } from '../vsphere/soap-fault.js';
import type { VcenterSession } from '../vsphere/session.js';
import type { AboutInfo, ObjectContent } from '../vsphere/types.js';
import type { CachedObject, ObjectCache } from './object-cache.js';
import { HOST_PATHS, PARENT_PATHS, detached, missingFault, resolveParents, shapeHost, type ParentInfo, type PendingHost } from './shape.js';

export interface CollectOptions {
  maxObjects: number;
  maxPages?: number;
  /** Reuses objects whose bytes were decoded before; see ObjectCache. */
  cache?: ObjectCache;
  /**
   * Hosts that earlier polls saw in this vCenter. A response with no hosts
   * at all is then not believed, because some vCenters respond that way to an
   * expired session, so the read is repeated once after a fresh login.
   */
  knownHosts?: number;
}

export interface Collection {
  about: AboutInfo;
  hosts: HostObservation[];
  pages: number;
  /** False when paging stopped midway: `hosts` contains what was read, and `error` gives why the rest is missing. */
  complete: boolean;
  error: string | null;
}

/** Raised when a vCenter that had hosts returns none, even after a fresh login. */
export class EmptyInventoryError extends VdriftError {}

const PROP_SET: PropertySpec[] = [
  { type: 'HostSystem', pathSet: HOST_PATHS },
  { type: 'ComputeResource', pathSet: PARENT_PATHS },
];

const VIEW_TYPES = ['HostSystem', 'ComputeResource'];

export async function collectHosts(session: VcenterSession, options: CollectOptions): Promise<Collection> {
  return session.run(
    (client) => readInventory(client, options),
    (err) => err instanceof EmptyInventoryError,
  );
}

async function readInventory(client: VimClient, options: CollectOptions): Promise<Collection> {
  const pending: PendingHost[] = [];
  const parents = new Map<string, ParentInfo>();
  const { cache } = options;

  const take = (entry: CachedObject): void => {
    if (entry.kind === 'host') {
      // resolveParents fills in the cluster, so each read gets its own copy.
      pending.push({ observation: { ...entry.host.observation, cluster: null }, parent: entry.host.parent });
    } else {
      parents.set(entry.moid, entry.parent);
    }
  };
  const onObject = (content: ObjectContent, cacheKey: string | null): (() => void) => {
    if (content.obj.type === 'HostSystem') {
      rejectExpiredSession(content, client.transport.target);
    }
    const entry = shapeObject(content);
    return () => {
      take(entry);
      if (cacheKey && cache) {
        cache.remember(cacheKey, entry);
      }
    };
  };

  cache?.begin(take);
  let pages = 0;
  let error: string | null = null;
  try {
    const summary = await retrieveFromView(client, VIEW_TYPES, PROP_SET, onObject, {
      maxObjects: options.maxObjects,
      maxPages: options.maxPages ?? 10_000,
      ...(cache ? { cache } : {}),
    });
    pages = summary.pages;
  } catch (err) {
    if (!(err instanceof IncompleteRetrievalError)) {
      throw err;
    }
    pages = err.pagesRead;
    error = err.message;
  } finally {
    cache?.end();
  }

  if (pending.length === 0 && (options.knownHosts ?? 0) > 0) {
    throw new EmptyInventoryError(
      `${client.transport.target} returned no hosts although earlier polls saw ${options.knownHosts}; an expired session or lost permissions look like this, so the response is not believed`,
    );
  }
  // Compute resources this read did not reach keep the names stored earlier.
  const known = cache ? new Map([...cache.parents(), ...parents]) : parents;
  return { about: client.serviceContent.about, hosts: resolveParents(pending, known), pages, complete: error === null, error };
}

function shapeObject(content: ObjectContent): CachedObject {
  if (content.obj.type === 'HostSystem') {
    return { kind: 'host', host: shapeHost(content) };
  }
  return { kind: 'parent', moid: detached(content.obj.value), parent: { type: detached(content.obj.type), name: detached(String(content.propSet?.[0]?.val ?? content.obj.value)) } };
}

/**
 * vCenter may return objects whose properties all sit in missingSet with
 * NotAuthenticated when the session expired mid-read. That is a session
 * failure, not a host without a firewall.
 */
export function rejectExpiredSession(content: ObjectContent, target: string): void {
  if (missingFault(content, 'name') === 'NotAuthenticated' || missingFault(content, 'config.firewall') === 'NotAuthenticated') {
    throw new SoapFault('RetrievePropertiesEx', 'NotAuthenticated', 'properties came back in missingSet with NotAuthenticated', target);
  }
}
