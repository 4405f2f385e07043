// Targeted re-reads in vdrift run. New firewall events are read every few
// seconds, and a host with change events is re-read alone once its events
// have been quiet for a moment, so a change is found in seconds instead of
// at the next scheduled poll. vCenter may serve the old state for a while
// after a change, so a re-read that shows no change is repeated with
// backoff for a bounded time. After that, the events are closed as "no
// observable drift". Routine port events are stored but trigger nothing.
import { setTimeout as sleep } from 'node:timers/promises';
import { isChangeEvent, type FirewallEvent } from '../model/event.js';
import type { Logger } from '../model/logger.js';
import type { Reread, VcenterPoller } from '../poll/poller.js';
import type { VcenterPollResult } from '../poll/poll-vcenter.js';
import type { Store } from '../store/store.js';

export interface RereadSettings {
  watchMs: number;
  debounceMs: number;
  retryForMs: number;
}

export interface RereadCounts {
  events: number;
  rereads: Map<'drift' | 'no-observable-drift' | 'failed', number>;
}

interface PendingHost {
  timer: NodeJS.Timeout;
  events: FirewallEvent[];
}

export class RereadWatcher {
  readonly counts: RereadCounts = { events: 0, rereads: new Map() };
  private readonly pending = new Map<string, PendingHost>();
  private readonly running = new Set<Promise<void>>();
  /** Events of hosts whose re-read is in progress, which later events join. */
  private readonly active = new Map<string, FirewallEvent[]>();
  private interval: NodeJS.Timeout | null = null;
  private stopped = false;
  private watching = false;
  private readonly quit = new AbortController();

  constructor(
    private readonly poller: VcenterPoller,
    private readonly store: Store,
    private readonly settings: RereadSettings,
    private readonly logger: Logger,
    private readonly onResult: (result: VcenterPollResult) => void,
    private readonly signal: AbortSignal,
  ) {}

  start(): void {
    this.interval = setInterval(() => void this.watch(), this.settings.watchMs);
  }

  /** Stops watching and waits for re-reads in progress; pending ones are dropped, as the next poll covers them. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.quit.abort();
    if (this.interval) {
      clearInterval(this.interval);
    }
    for (const host of this.pending.values()) {
      clearTimeout(host.timer);
    }
    this.pending.clear();
    await Promise.allSettled([...this.running]);
  }

  private async watch(): Promise<void> {
    // A slow vCenter can take longer than one watch interval to respond.
    if (this.stopped || this.watching) {
      return;
    }
    this.watching = true;
    try {
      const events = await this.poller.syncEvents();
      this.counts.events += events?.length ?? 0;
      for (const event of events ?? []) {
        if (event.hostMoid !== null && isChangeEvent(event)) {
          this.schedule(event.hostMoid, event);
        }
      }
    } catch (err) {
      this.logger.warn('storing vCenter events failed; they are read again next time', { error: (err as Error).message });
    } finally {
      this.watching = false;
    }
  }

  /** Starts, or restarts, the quiet period of a host; one re-read follows however many events arrive. */
  private schedule(moid: string, event: FirewallEvent): void {
    // A re-read still retrying reads the host again anyway, so it takes the event over.
    const active = this.active.get(moid);
    if (active) {
      active.push(event);
      return;
    }
    const host = this.pending.get(moid);
    if (host) {
      clearTimeout(host.timer);
    }
    const events = [...(host?.events ?? []), event];
    const timer = setTimeout(() => {
      this.pending.delete(moid);
      this.active.set(moid, events);
      const run = this.reread(moid, events).finally(() => {
        this.running.delete(run);
        this.active.delete(moid);
      });
      this.running.add(run);
    }, this.settings.debounceMs);
    this.pending.set(moid, { timer, events });
  }

  private async reread(moid: string, events: FirewallEvent[]): Promise<void> {
    const host = events[0]!.hostName ?? moid;
    this.logger.info('re-reading a host after firewall events', { host, events: events.length, eventTypeIds: [...new Set(events.map((e) => e.eventTypeId))] });
    const deadline = Date.now() + this.settings.retryForMs;
    let delay = 1000;
    for (;;) {
      let reread: Reread | null;
      try {
        reread = await this.poller.rereadHost(moid, this.signal);
      } catch (err) {
        this.close(events, 'failed');
        this.logger.warn('re-reading a host failed; the next poll reads it', { host, error: (err as Error).message });
        return;
      }
      if (this.stopped || this.signal.aborted) {
        return;
      }
      if (reread === null) {
        this.close(events, 'failed');
        this.logger.info('host not found on re-read; the next poll records its removal', { host, events: events.length });
        return;
      }
      this.onResult(reread.result);
      if (reread.changed) {
        this.close(events, 'drift');
        return;
      }
      if (reread.result.outcome === 'failed') {
        this.close(events, 'failed');
        this.logger.warn('re-reading a host failed; the next poll reads it', { host, error: reread.result.error });
        return;
      }
      if (Date.now() + delay > deadline) {
        this.close(events, 'no-observable-drift');
        this.logger.info('firewall events without observable drift', { host, events: events.length });
        return;
      }
      // Stopping the watcher cuts the wait short, so shutdown never waits out a backoff.
      const slept = await sleep(delay, undefined, { signal: this.quit.signal }).then(
        () => true,
        () => false,
      );
      if (!slept) {
        return;
      }
      delay *= 2;
    }
  }

  private close(events: FirewallEvent[], outcome: 'drift' | 'no-observable-drift' | 'failed'): void {
    this.counts.rereads.set(outcome, (this.counts.rereads.get(outcome) ?? 0) + 1);
    if (outcome === 'failed') {
      return;
    }
    const vcenterId = this.store.polls.knownVcenterId(this.poller.vcenter.name);
    if (vcenterId === null) {
      return;
    }
    this.store.write(() => {
      for (const event of events) {
        this.store.events.setOutcome(vcenterId, event.key, outcome);
      }
    });
  }
}
