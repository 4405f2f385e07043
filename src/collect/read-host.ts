// Reading one host again, for the re-read that follows its firewall events:
// one RetrievePropertiesEx for that host alone.
import type { HostObservation } from '../model/host.js';
import { ref, text, texts } from '../vsphere/envelope.js';
import { retrieveAll } from '../vsphere/property-collector.js';
import type { VcenterSession } from '../vsphere/session.js';
import type { ObjectContent } from '../vsphere/types.js';
import { rejectExpiredSession } from './collect.js';
import type { ObjectCache } from './object-cache.js';
import { HOST_PATHS, resolveParents, shapeHost, type PendingHost } from './shape.js';

/** Reads one host by moid; null when vCenter no longer knows it. */
export async function readHost(session: VcenterSession, moid: string, cache: ObjectCache): Promise<HostObservation | null> {
  return session.run(async (client) => {
    const specSet = `<specSet><propSet>${text('type', 'HostSystem')}${texts('pathSet', HOST_PATHS)}</propSet><objectSet>${ref('obj', { type: 'HostSystem', value: moid })}</objectSet><reportMissingObjectsInResults>true</reportMissingObjectsInResults></specSet>`;
    const pending: PendingHost[] = [];
    const onObject = (content: ObjectContent): (() => void) => {
      rejectExpiredSession(content, client.transport.target);
      const shaped = content.obj.value === moid && (content.propSet?.length ?? 0) > 0 ? shapeHost(content) : null;
      return () => {
        if (shaped) {
          pending.push(shaped);
        }
      };
    };
    await retrieveAll(client, specSet, onObject, { maxObjects: 1, maxPages: 2 });
    return resolveParents(pending, cache.parents())[0] ?? null;
  });
}
