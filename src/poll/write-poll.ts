// Everything one poll writes, in its one transaction: the poll and its
// hosts, the events and interval findings, the windows and exceptions in
// force, and the notifications that follow.
import type { EventRead } from '../collect/events.js';
import type { ObjectCache } from '../collect/object-cache.js';
import type { Config, VcenterConfig } from '../config/config-types.js';
import type { ExceptionEntry } from '../config/exceptions.js';
import type { LoadedBaseline } from '../model/baseline.js';
import type { HostObservation } from '../model/host.js';
import { planNotifications } from '../notify/plan.js';
import type { PollKind, PollOutcome } from '../store/polls.js';
import type { Store } from '../store/store.js';
import { recordChanges } from './record-changes.js';
import { recordPoll, type RecordResult } from './record-poll.js';

export interface PollWrite {
  kind: PollKind;
  vcenter: VcenterConfig;
  startedAt: Date;
  finishedAt: Date;
  outcome: PollOutcome;
  error: string | null;
  hosts: readonly HostObservation[];
  roundTrips: number;
  apiVersion: string | null;
  decoded: ObjectCache['decoded'];
  events: EventRead | null;
}

export interface WriteContext {
  store: Store;
  baselines: readonly LoadedBaseline[];
  exceptions: readonly ExceptionEntry[];
  settings: Pick<Config, 'service' | 'notifications' | 'windows' | 'changes'>;
}

export function writePoll(context: WriteContext, write: PollWrite): { record: RecordResult; queued: number } {
  const { store, settings } = context;
  const at = write.finishedAt.toISOString();
  const record = recordPoll(store, {
    kind: write.kind,
    vcenter: write.vcenter.name,
    username: write.vcenter.username,
    startedAt: write.startedAt.toISOString(),
    finishedAt: at,
    outcome: write.outcome,
    error: write.error,
    hosts: write.hosts,
    roundTrips: write.roundTrips,
    apiVersion: write.apiVersion,
    baselines: context.baselines,
    decoded: write.decoded,
    unreachableAfter: settings.service.unreachableAfter,
  });
  record.transitions.push(
    ...recordChanges(store, {
      kind: write.kind,
      vcenter: write.vcenter.name,
      vcenterId: record.vcenterId,
      stamp: { pollId: record.pollId, at },
      events: write.events,
      transitions: record.transitions,
      settings: settings.changes,
    }),
  );
  store.windows.syncConfig(settings.windows, at);
  store.exceptions.syncFiles(context.exceptions, at);
  const plan = planNotifications(store, {
    vcenter: write.vcenter.name,
    pollId: record.pollId,
    now: at,
    transitions: record.transitions,
    settings: settings.notifications,
    windows: store.windows.list(),
    exceptions: store.exceptions.active(at),
  });
  return { record, queued: plan.queued };
}
