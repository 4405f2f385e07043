// One poll of one vCenter: fetch everything first (async), then record it in
// one synchronous transaction together with the notifications it causes. A
// vCenter that fails is recorded as a failed poll; it never stops the others.
import { performance } from 'node:perf_hooks';
import type { Config, VcenterConfig } from '../config/config-types.js';
import type { ExceptionEntry } from '../config/exceptions.js';
import { collectHosts, type CollectOptions, type Collection } from '../collect/collect.js';
import type { LoadedBaseline } from '../model/baseline.js';
import type { Logger } from '../model/logger.js';
import { planNotifications } from '../notify/plan.js';
import type { Transition } from '../store/findings.js';
import type { PollOutcome } from '../store/polls.js';
import type { Store } from '../store/store.js';
import { VcenterSession } from '../vsphere/session.js';
import { recordPoll, type RecordResult } from './record-poll.js';
import { loadObjectCache } from './stored-objects.js';
import { transportOptions } from './transport-options.js';

export interface PollContext {
  store: Store;
  baselines: readonly LoadedBaseline[];
  /** Exceptions from the reviewed files; exceptions added on the command line are in the store. */
  exceptions: readonly ExceptionEntry[];
  settings: Pick<Config, 'service' | 'notifications' | 'windows'>;
  logger: Logger;
  now?: () => Date;
}

export interface VcenterPollResult {
  vcenter: string;
  pollId: number;
  outcome: PollOutcome;
  error: string | null;
  hostsSeen: number;
  hostsChecked: number;
  hostsEvaluated: number;
  roundTrips: number;
  durationMs: number;
  /** Time spent reading from vCenter, and then writing and evaluating in one transaction. */
  fetchMs: number;
  writeMs: number;
  /** Objects (hosts and compute resources) parsed in this poll, and those whose bytes matched an earlier poll. */
  objectsDecoded: number;
  objectsReused: number;
  transitions: Transition[];
  /** Messages queued in the outbox by this poll. */
  notificationsQueued: number;
}

interface Fetched {
  collection: Collection | null;
  error: string | null;
  roundTrips: number;
}

/**
 * Polls one vCenter again and again with one session, so a long-running
 * service logs in once and again only when the session expires.
 */
export class VcenterPoller {
  private session: VcenterSession | null = null;
  private readonly logger: Logger;

  constructor(
    readonly vcenter: VcenterConfig,
    private readonly context: PollContext,
  ) {
    this.logger = context.logger.child({ vcenter: vcenter.name });
  }

  /** Polls once. With `signal` aborted before the read finishes, nothing is written and null is returned. */
  async poll(signal?: AbortSignal): Promise<VcenterPollResult | null> {
    const now = this.context.now ?? (() => new Date());
    const { store } = this.context;
    const started = now();
    const cache = loadObjectCache(store, this.vcenter.name);
    const knownHosts = store.hosts.countActive(this.vcenter.name);
    const roundTripsBefore = this.session?.roundTrips ?? 0;
    const fetched = await this.fetch({ maxObjects: this.vcenter.maxObjects, cache, knownHosts }, roundTripsBefore);
    const finished = now();
    if (signal?.aborted) {
      return null;
    }

    const outcome = outcomeOf(fetched.collection);
    const writeStarted = performance.now();
    const { record, queued } = store.write(() => this.record(fetched, outcome, started, finished, cache.decoded));
    const writeMs = Math.round(performance.now() - writeStarted);
    const fetchMs = finished.getTime() - started.getTime();
    const result: VcenterPollResult = {
      vcenter: this.vcenter.name,
      pollId: record.pollId,
      outcome,
      error: fetched.error,
      hostsSeen: record.hostsSeen,
      hostsChecked: record.hostsChecked,
      hostsEvaluated: record.hostsEvaluated,
      roundTrips: fetched.roundTrips,
      durationMs: fetchMs + writeMs,
      fetchMs,
      writeMs,
      objectsDecoded: fetched.collection ? cache.decoded.length : 0,
      objectsReused: fetched.collection ? cache.reused : 0,
      transitions: record.transitions,
      notificationsQueued: queued,
    };
    logResult(this.logger, result);
    return result;
  }

  /** Logs out and closes connections; the next poll logs in again. */
  async close(): Promise<void> {
    const session = this.session;
    this.session = null;
    await session?.close();
  }

  private record(fetched: Fetched, outcome: PollOutcome, started: Date, finished: Date, decoded: ReturnType<typeof loadObjectCache>['decoded']): { record: RecordResult; queued: number } {
    const { store, settings } = this.context;
    const at = finished.toISOString();
    const record = recordPoll(store, {
      vcenter: this.vcenter.name,
      username: this.vcenter.username,
      startedAt: started.toISOString(),
      finishedAt: at,
      outcome,
      error: fetched.error,
      hosts: fetched.collection?.hosts ?? [],
      roundTrips: fetched.roundTrips,
      apiVersion: fetched.collection?.about.apiVersion ?? null,
      baselines: this.context.baselines,
      decoded: fetched.collection ? decoded : [],
      unreachableAfter: settings.service.unreachableAfter,
    });
    store.windows.syncConfig(settings.windows, at);
    store.exceptions.syncFiles(this.context.exceptions, at);
    const plan = planNotifications(store, {
      vcenter: this.vcenter.name,
      pollId: record.pollId,
      now: at,
      transitions: record.transitions,
      settings: settings.notifications,
      windows: store.windows.list(),
      exceptions: store.exceptions.active(at),
    });
    return { record, queued: plan.queued };
  }

  private async fetch(options: CollectOptions, roundTripsBefore: number): Promise<Fetched> {
    try {
      this.session ??= new VcenterSession(await transportOptions(this.vcenter, this.logger), { username: this.vcenter.username, password: this.vcenter.password });
      if (this.vcenter.tls.insecure) {
        this.logger.warn('TLS certificate verification is off for this vCenter (tls.insecure in the config)');
      }
      const collection = await collectHosts(this.session, options);
      return { collection, error: collection.error, roundTrips: this.session.roundTrips - roundTripsBefore };
    } catch (err) {
      const roundTrips = (this.session?.roundTrips ?? 0) - roundTripsBefore;
      // A session that failed may be broken in ways a re-login does not show; start afresh next time.
      await this.close();
      return { collection: null, error: (err as Error).message ?? String(err), roundTrips };
    }
  }
}

function outcomeOf(collection: Collection | null): PollOutcome {
  if (!collection) {
    return 'failed';
  }
  return collection.complete ? 'complete' : 'incomplete';
}

function logResult(logger: Logger, result: VcenterPollResult): void {
  const fields = {
    pollId: result.pollId,
    outcome: result.outcome,
    hostsSeen: result.hostsSeen,
    hostsChecked: result.hostsChecked,
    hostsEvaluated: result.hostsEvaluated,
    roundTrips: result.roundTrips,
    durationMs: result.durationMs,
    fetchMs: result.fetchMs,
    writeMs: result.writeMs,
    objectsDecoded: result.objectsDecoded,
    objectsReused: result.objectsReused,
    transitions: result.transitions.length,
    notificationsQueued: result.notificationsQueued,
  };
  if (result.outcome === 'failed') {
    logger.error('poll failed', { ...fields, error: result.error });
  } else if (result.outcome === 'incomplete') {
    logger.warn('poll incomplete', { ...fields, error: result.error });
  } else {
    logger.info('poll finished', fields);
  }
}

/** Polls one vCenter once with a new session, then logs out. */
export async function pollVcenter(vcenter: VcenterConfig, context: PollContext): Promise<VcenterPollResult> {
  const poller = new VcenterPoller(vcenter, context);
  try {
    return (await poller.poll())!;
  } finally {
    await poller.close();
  }
}

/** Polls every vCenter once, at most `concurrency` at a time; results keep the config's order. */
export async function pollAll(vcenters: readonly VcenterConfig[], context: PollContext, concurrency = 4): Promise<VcenterPollResult[]> {
  const results: VcenterPollResult[] = new Array(vcenters.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < vcenters.length) {
      const index = next;
      next += 1;
      results[index] = await pollVcenter(vcenters[index]!, context);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, vcenters.length) }, worker));
  return results;
}
