// One vCenter polled again and again with one session, so a long-running
// service logs in once and again only when the session expires. Inventory
// polls, re-reads of single hosts and event reads of the same vCenter run
// one at a time, so an older read never overwrites a newer one.
import { performance } from 'node:perf_hooks';
import { collectHosts, type Collection } from '../collect/collect.js';
import { readFirewallEvents, type EventRead } from '../collect/events.js';
import { probeHosts } from '../collect/probe.js';
import { readHost } from '../collect/read-host.js';
import type { VcenterConfig } from '../config/config-types.js';
import type { FirewallEvent } from '../model/event.js';
import type { HostObservation } from '../model/host.js';
import type { Logger } from '../model/logger.js';
import type { PollOutcome } from '../store/polls.js';
import { VcenterSession } from '../vsphere/session.js';
import type { ManagedObjectReference } from '../vsphere/types.js';
import { logResult, type PollContext, type VcenterPollResult } from './poll-vcenter.js';
import { loadObjectCache } from './stored-objects.js';
import { transportOptions } from './transport-options.js';
import { writePoll } from './write-poll.js';

const PROBE_CONCURRENCY = 8;

interface Fetched {
  collection: Collection | null;
  events: EventRead | null;
  error: string | null;
  roundTrips: number;
}

/** The result of re-reading one host. */
export interface Reread {
  result: VcenterPollResult;
  /** Whether the re-read found drift: a new snapshot, or a finding opened or resolved. */
  changed: boolean;
}

export class VcenterPoller {
  private session: VcenterSession | null = null;
  private readonly logger: Logger;
  private readonly executers = new Map<string, ManagedObjectReference>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly vcenter: VcenterConfig,
    private readonly context: PollContext,
  ) {
    this.logger = context.logger.child({ vcenter: vcenter.name });
  }

  /** Polls every host once. With `signal` aborted before the read finishes, nothing is written and null is returned. */
  poll(signal?: AbortSignal): Promise<VcenterPollResult | null> {
    return this.exclusive(() => this.inventoryPoll(signal));
  }

  /** Re-reads one host after its firewall events and records it as a host poll; null when aborted or the host is gone. */
  rereadHost(moid: string, signal?: AbortSignal): Promise<Reread | null> {
    return this.exclusive(() => this.hostPoll(moid, signal));
  }

  /**
   * Reads and stores new firewall events; returns them, or null when events
   * are off or unreadable. It uses the session of the last poll and never
   * logs in by itself, so a rejected password is tried once per poll, not
   * once per watch: repeated failed logins can lock the account.
   */
  syncEvents(): Promise<FirewallEvent[] | null> {
    return this.exclusive(async () => {
      if (!this.session?.isOpen) {
        return null;
      }
      const read = await this.readEvents();
      if (!read) {
        return null;
      }
      const { store } = this.context;
      store.write(() => store.events.record(store.polls.vcenterId(this.vcenter.name), read.events, read.position, null));
      return read.events;
    });
  }

  /** Logs out and closes connections; the next call logs in again. */
  async close(): Promise<void> {
    const session = this.session;
    this.session = null;
    await session?.close();
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => {});
    return run;
  }

  private async inventoryPoll(signal?: AbortSignal): Promise<VcenterPollResult | null> {
    const now = this.context.now ?? (() => new Date());
    const { store } = this.context;
    const started = now();
    const cache = loadObjectCache(store, this.vcenter.name);
    const knownHosts = store.hosts.countActive(this.vcenter.name);
    const roundTripsBefore = this.session?.roundTrips ?? 0;
    const fetched = await this.fetchInventory(cache, knownHosts, roundTripsBefore);
    const finished = now();
    if (signal?.aborted) {
      return null;
    }
    const decoded = fetched.collection ? cache.decoded : [];
    return this.write('inventory', fetched, started, finished, decoded, { decoded: decoded.length, reused: fetched.collection ? cache.reused : 0 });
  }

  private async hostPoll(moid: string, signal?: AbortSignal): Promise<Reread | null> {
    const now = this.context.now ?? (() => new Date());
    const { store } = this.context;
    const started = now();
    const before = store.hosts.currentSnapshotHash(this.vcenter.name, moid);
    const roundTripsBefore = this.session?.roundTrips ?? 0;
    let host: HostObservation | null = null;
    let error: string | null = null;
    try {
      host = await readHost(await this.ensureSession(), moid, loadObjectCache(store, this.vcenter.name));
      if (host) {
        await this.probe([host]);
      }
    } catch (err) {
      error = (err as Error).message;
    }
    if (signal?.aborted || (!host && !error)) {
      return null;
    }
    const collection: Collection | null = host ? { about: {}, hosts: [host], pages: 1, complete: true, error: null } : null;
    const fetched: Fetched = { collection, events: null, error, roundTrips: (this.session?.roundTrips ?? 0) - roundTripsBefore };
    const result = this.write('host', fetched, started, now(), [], { decoded: host ? 1 : 0, reused: 0 });
    // A switched-off firewall leaves the ruleset state alone, so a finding
    // opened or resolved by this read counts as a change too.
    const snapshotChanged = host?.snapshot !== null && host?.snapshot !== undefined && host.snapshot.hash !== before;
    return { result, changed: snapshotChanged || result.transitions.length > 0 };
  }

  private write(kind: 'inventory' | 'host', fetched: Fetched, started: Date, finished: Date, decoded: ReturnType<typeof loadObjectCache>['decoded'], objects: { decoded: number; reused: number }): VcenterPollResult {
    const { store } = this.context;
    const outcome = outcomeOf(fetched.collection);
    const writeStarted = performance.now();
    const { record, queued } = store.write(() =>
      writePoll(this.context, {
        kind,
        vcenter: this.vcenter,
        startedAt: started,
        finishedAt: finished,
        outcome,
        error: fetched.error,
        hosts: fetched.collection?.hosts ?? [],
        roundTrips: fetched.roundTrips,
        apiVersion: fetched.collection?.about.apiVersion ?? null,
        decoded,
        events: fetched.events,
      }),
    );
    const writeMs = Math.round(performance.now() - writeStarted);
    const fetchMs = finished.getTime() - started.getTime();
    const result: VcenterPollResult = {
      vcenter: this.vcenter.name,
      kind,
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
      objectsDecoded: objects.decoded,
      objectsReused: objects.reused,
      transitions: record.transitions,
      notificationsQueued: queued,
      firewallStateUnknown: (fetched.collection?.hosts ?? []).flatMap((host) =>
        host.firewallService?.status === 'unknown' ? [{ host: host.name, error: host.firewallService.error }] : [],
      ),
    };
    logResult(this.logger, result);
    return result;
  }

  /** Returns the session, creating it on first use (reading the CA file, if any). */
  private async ensureSession(): Promise<VcenterSession> {
    this.session ??= new VcenterSession(await transportOptions(this.vcenter, this.logger), { username: this.vcenter.username, password: this.vcenter.password });
    return this.session;
  }

  private async fetchInventory(cache: ReturnType<typeof loadObjectCache>, knownHosts: number, roundTripsBefore: number): Promise<Fetched> {
    try {
      if (this.vcenter.tls.insecure) {
        this.logger.warn('TLS certificate verification is off for this vCenter (tls.insecure in the config)');
      }
      const session = await this.ensureSession();
      // Log in here, so that a rejected login fails the poll at once
      // instead of being tried again by each read.
      if (!session.isOpen) {
        await session.open();
      }
      // Events first: a change announced by an event read now is then in the
      // host state read next, never the other way round.
      const events = await this.readEvents();
      const collection = await collectHosts(session, { maxObjects: this.vcenter.maxObjects, cache, knownHosts });
      await this.probe(collection.hosts);
      return { collection, events, error: collection.error, roundTrips: session.roundTrips - roundTripsBefore };
    } catch (err) {
      const roundTrips = (this.session?.roundTrips ?? 0) - roundTripsBefore;
      // A session that failed may be broken in ways a re-login does not show; start afresh next time.
      await this.close();
      return { collection: null, events: null, error: (err as Error).message ?? String(err), roundTrips };
    }
  }

  /** Asks each connected host whether its firewall is on; a failure marks only that host's state unknown. */
  private async probe(hosts: readonly HostObservation[]): Promise<void> {
    const { changes } = this.context.settings;
    if (!changes.probeFirewallService || hosts.length === 0) {
      return;
    }
    await (await this.ensureSession()).run((client) =>
      probeHosts(client, hosts, { concurrency: PROBE_CONCURRENCY, timeoutMs: changes.probeTimeoutSeconds * 1000, executers: this.executers }),
    );
  }

  /** Reads new events; a failure is logged and leaves the position where it was, so nothing is lost. */
  private async readEvents(): Promise<EventRead | null> {
    if (!this.context.settings.changes.events.enabled) {
      return null;
    }
    const { store } = this.context;
    const vcenterId = store.polls.knownVcenterId(this.vcenter.name);
    const position = vcenterId === null ? null : store.events.position(vcenterId);
    try {
      return await (await this.ensureSession()).run((client) => readFirewallEvents(client, position));
    } catch (err) {
      this.logger.warn('reading vCenter events failed; they are read again next time', { error: (err as Error).message });
      return null;
    }
  }
}

function outcomeOf(collection: Collection | null): PollOutcome {
  if (!collection) {
    return 'failed';
  }
  return collection.complete ? 'complete' : 'incomplete';
}
