// vdrift run: polls on a schedule, delivers notifications, and serves
// health and metrics until SIGTERM or SIGINT. Each vCenter has one poller
// with a session kept across polls. A vCenter whose previous poll is still
// running when the next is due is skipped, and the skip is logged and
// counted.
import cron, { type ScheduledTask } from 'node-cron';
import type { Config } from '../config/config-types.js';
import type { ExceptionEntry } from '../config/exceptions.js';
import type { LoadedBaseline } from '../model/baseline.js';
import type { Logger } from '../model/logger.js';
import { OutboxDeliverer, type DeliverFunction } from '../notify/deliverer.js';
import { VcenterPoller } from '../poll/poller.js';
import type { Store } from '../store/store.js';
import { HealthServer } from './health-server.js';
import { RereadWatcher } from './rereads.js';
import { newVcenterStatus, recordResult, renderMetrics, type VcenterStatus } from './metrics.js';

export interface ServiceOptions {
  config: Config;
  baselines: readonly LoadedBaseline[];
  exceptions: readonly ExceptionEntry[];
  store: Store;
  logger: Logger;
  deliver: DeliverFunction;
  /** How often queued notifications are looked at, in milliseconds. */
  deliveryIntervalMs?: number;
  /** How long stop() lets polls in flight finish before abandoning them. */
  stopGraceMs?: number;
}

/**
 * Time a claimed outbox row may stay unfinished before another pass takes
 * it back. It is longer than any delivery can take, because PagerDuty sends
 * one request per item (hence the factor), and at least 10 s.
 */
function claimTimeoutMs(config: Config): number {
  const longest = Math.max(0, ...config.notifications.channels.map((channel) => channel.timeoutSeconds));
  return Math.max(10_000, longest * 3000);
}

/** Routes node-cron's own messages (missed runs, for example) into the service log. */
function cronLogger(logger: Logger) {
  const scheduler = logger.child({ job: 'scheduler' });
  return {
    info: (message: string) => scheduler.debug(message),
    warn: (message: string) => scheduler.warn(message),
    error: (message: string | Error) => scheduler.error(String(message)),
    debug: (message: string | Error) => scheduler.debug(String(message)),
  };
}

export class VdriftService {
  private readonly pollers: VcenterPoller[];
  private readonly statuses = new Map<string, VcenterStatus>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly deliverer: OutboxDeliverer;
  private readonly watchers = new Map<string, RereadWatcher>();
  private readonly abort = new AbortController();
  private task: ScheduledTask | null = null;
  private deliveryTimer: NodeJS.Timeout | null = null;
  private health: HealthServer | null = null;
  private slots: number;
  private readonly waiting: (() => void)[] = [];
  private stopping = false;

  constructor(private readonly options: ServiceOptions) {
    const { config, store, logger } = options;
    const context = { store, baselines: options.baselines, exceptions: options.exceptions, settings: config, logger };
    this.pollers = config.vcenters.map((vcenter) => new VcenterPoller(vcenter, context));
    for (const vcenter of config.vcenters) {
      this.statuses.set(vcenter.name, newVcenterStatus());
    }
    this.slots = config.service.concurrency;
    this.deliverer = new OutboxDeliverer({
      store,
      channels: config.notifications.channels,
      maxAttempts: config.notifications.maxAttempts,
      retryBaseMs: config.notifications.retryBaseSeconds * 1000,
      deliver: options.deliver,
      logger: logger.child({ job: 'deliver' }),
      claimTimeoutMs: claimTimeoutMs(config),
    });
  }

  /** Starts the schedule, the delivery loop and the health listener; returns the listener's address, if any. */
  async start(): Promise<{ host: string; port: number } | null> {
    const { config, logger } = this.options;
    let address: { host: string; port: number } | null = null;
    if (config.service.health) {
      this.health = new HealthServer({ health: () => this.healthReport(), metrics: () => renderMetrics(this.statuses, this.deliverer.counts, this.options.store, this.watchers) });
      const bound = await this.health.listen(config.service.health.host, config.service.health.port);
      address = { host: bound.address, port: bound.port };
    }
    this.task = cron.schedule(config.service.schedule, () => this.tick(), { name: 'vdrift-poll', logger: cronLogger(logger) });
    this.startWatchers();
    this.deliveryTimer = setInterval(() => void this.deliverNow(), this.options.deliveryIntervalMs ?? 5000);
    logger.info('service started', { schedule: config.service.schedule, vcenters: config.vcenters.length, channels: config.notifications.channels.length, health: address });
    if (config.service.pollOnStart) {
      this.tick();
    }
    void this.deliverNow();
    return address;
  }

  /**
   * Stops scheduling, lets polls in flight finish for a grace period and
   * then abandons them (an abandoned poll writes nothing), waits for
   * deliveries in progress, and closes the listener. The caller closes the
   * database afterwards.
   */
  async stop(): Promise<void> {
    const { logger } = this.options;
    this.stopping = true;
    await this.task?.destroy();
    if (this.deliveryTimer) {
      clearInterval(this.deliveryTimer);
    }
    logger.info('service stopping', { pollsInFlight: this.running.size });
    const watchersStopped = Promise.all([...this.watchers.values()].map((watcher) => watcher.stop()));
    const finished = Promise.allSettled([...this.running.values()]);
    const grace = new Promise<'grace'>((resolve) => setTimeout(() => resolve('grace'), this.options.stopGraceMs ?? 30_000).unref());
    if ((await Promise.race([finished, grace])) === 'grace') {
      logger.warn('abandoning polls still in flight; they write nothing', { pollsInFlight: this.running.size });
      this.abort.abort();
      for (const release of this.waiting.splice(0)) {
        release();
      }
      await Promise.all(this.pollers.map((poller) => poller.close()));
    }
    await finished;
    await watchersStopped;
    await this.deliverer.idle();
    await Promise.all(this.pollers.map((poller) => poller.close()));
    await this.health?.close();
    logger.info('service stopped');
  }

  private startWatchers(): void {
    const { events } = this.options.config.changes;
    if (!events.enabled) {
      return;
    }
    const settings = { watchMs: events.watchSeconds * 1000, debounceMs: events.rereadDebounceSeconds * 1000, retryForMs: events.rereadRetrySeconds * 1000 };
    for (const poller of this.pollers) {
      const logger = this.options.logger.child({ vcenter: poller.vcenter.name, job: 'reread' });
      const watcher = new RereadWatcher(poller, this.options.store, settings, logger, () => void this.deliverNow(), this.abort.signal);
      watcher.start();
      this.watchers.set(poller.vcenter.name, watcher);
    }
  }

  /** Starts a poll of every vCenter whose previous poll has finished. */
  tick(): void {
    for (const poller of this.pollers) {
      const name = poller.vcenter.name;
      if (this.stopping) {
        return;
      }
      if (this.running.has(name)) {
        this.statuses.get(name)!.skipped += 1;
        this.options.logger.warn('skipping a scheduled poll: the previous poll of this vCenter is still running', { vcenter: name });
        continue;
      }
      const run = this.pollOnce(poller).finally(() => this.running.delete(name));
      this.running.set(name, run);
    }
  }

  private async pollOnce(poller: VcenterPoller): Promise<void> {
    await this.acquire();
    try {
      if (this.abort.signal.aborted) {
        return;
      }
      const result = await poller.poll(this.abort.signal);
      if (result) {
        recordResult(this.statuses.get(poller.vcenter.name)!, result, new Date().toISOString());
        void this.deliverNow();
      }
    } catch (err) {
      this.options.logger.error('poll raised an unexpected error', { vcenter: poller.vcenter.name, error: (err as Error).message });
    } finally {
      this.release();
    }
  }

  private async deliverNow(): Promise<void> {
    if (this.stopping && this.abort.signal.aborted) {
      return;
    }
    try {
      await this.deliverer.deliverDue();
    } catch (err) {
      this.options.logger.error('delivering notifications failed', { error: (err as Error).message });
    }
  }

  private healthReport(): { healthy: boolean; body: unknown } {
    this.options.store.db.prepare('SELECT 1').get();
    const vcenters = Object.fromEntries(
      [...this.statuses].map(([name, status]) => [name, { lastOutcome: status.lastOutcome, lastPollAt: status.lastPollAt, lastSuccessAt: status.lastSuccessAt }]),
    );
    const healthy = !this.stopping && this.task !== null;
    // The process is alive while a vCenter fails, so this stays 200 because a
    // restart would not bring the vCenter back. The status reports it instead.
    const failing = [...this.statuses.values()].some((status) => status.lastOutcome === 'failed');
    let status = 'ok';
    if (!healthy) {
      status = 'stopping';
    } else if (failing) {
      status = 'degraded';
    }
    return { healthy, body: { status, scheduler: healthy ? 'running' : 'stopped', database: 'ok', vcenters } };
  }

  private async acquire(): Promise<void> {
    if (this.slots > 0) {
      this.slots -= 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) {
      next();
    } else {
      this.slots += 1;
    }
  }
}
