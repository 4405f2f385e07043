// One poll of one vCenter: fetch everything first (async), then record it in
// one synchronous transaction. A vCenter that fails is recorded as a failed
// poll; it never stops the others.
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { VcenterConfig } from '../config/config-types.js';
import { collectHosts, type CollectOptions, type Collection } from '../collect/collect.js';
import type { LoadedBaseline } from '../model/baseline.js';
import type { Logger } from '../model/logger.js';
import { VcenterSession } from '../vsphere/session.js';
import type { TlsOptions } from '../vsphere/agent.js';
import type { TransportOptions } from '../vsphere/transport.js';
import { DEFAULT_LIMITS } from '../vsphere/xml/decoder.js';
import type { Transition } from '../store/findings.js';
import type { PollOutcome } from '../store/polls.js';
import type { Store } from '../store/store.js';
import { recordPoll } from './record-poll.js';
import { loadObjectCache } from './stored-objects.js';

export interface PollContext {
  store: Store;
  baselines: readonly LoadedBaseline[];
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
}

export async function pollVcenter(vcenter: VcenterConfig, context: PollContext): Promise<VcenterPollResult> {
  const now = context.now ?? (() => new Date());
  const logger = context.logger.child({ vcenter: vcenter.name });
  const started = now();
  const cache = loadObjectCache(context.store, vcenter.name);
  const knownHosts = context.store.hosts.countActive(vcenter.name);
  const fetched = await fetchVcenter(vcenter, logger, { maxObjects: vcenter.maxObjects, cache, knownHosts });
  const finished = now();

  const outcome = outcomeOf(fetched.collection);
  const writeStarted = performance.now();
  const record = context.store.write(() =>
    recordPoll(context.store, {
      vcenter: vcenter.name,
      username: vcenter.username,
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      outcome,
      error: fetched.error,
      hosts: fetched.collection?.hosts ?? [],
      roundTrips: fetched.roundTrips,
      apiVersion: fetched.collection?.about.apiVersion ?? null,
      baselines: context.baselines,
      decoded: fetched.collection ? cache.decoded : [],
    }),
  );
  const writeMs = performance.now() - writeStarted;

  const result: VcenterPollResult = {
    vcenter: vcenter.name,
    pollId: record.pollId,
    outcome,
    error: fetched.error,
    hostsSeen: record.hostsSeen,
    hostsChecked: record.hostsChecked,
    hostsEvaluated: record.hostsEvaluated,
    roundTrips: fetched.roundTrips,
    durationMs: finished.getTime() - started.getTime() + Math.round(writeMs),
    fetchMs: finished.getTime() - started.getTime(),
    writeMs: Math.round(writeMs),
    objectsDecoded: fetched.collection ? cache.decoded.length : 0,
    objectsReused: fetched.collection ? cache.reused : 0,
    transitions: record.transitions,
  };
  logResult(logger, result);
  return result;
}

interface Fetched {
  collection: Collection | null;
  error: string | null;
  roundTrips: number;
}

function outcomeOf(collection: Collection | null): PollOutcome {
  if (!collection) {
    return 'failed';
  }
  return collection.complete ? 'complete' : 'incomplete';
}

async function fetchVcenter(vcenter: VcenterConfig, logger: Logger, options: CollectOptions): Promise<Fetched> {
  let session: VcenterSession | null = null;
  try {
    session = new VcenterSession(await transportOptions(vcenter, logger), { username: vcenter.username, password: vcenter.password });
    if (vcenter.tls.insecure) {
      logger.warn('TLS certificate verification is off for this vCenter (tls.insecure in the config)');
    }
    const collection = await collectHosts(session, options);
    return { collection, error: collection.error, roundTrips: session.roundTrips };
  } catch (err) {
    return { collection: null, error: (err as Error).message ?? String(err), roundTrips: session?.roundTrips ?? 0 };
  } finally {
    await session?.close();
  }
}

const MIB = 1024 * 1024;

async function transportOptions(vcenter: VcenterConfig, logger: Logger): Promise<TransportOptions> {
  return {
    url: vcenter.url,
    name: vcenter.name,
    timeoutMs: vcenter.timeoutSeconds * 1000,
    connectTimeoutMs: vcenter.connectTimeoutSeconds * 1000,
    tls: await tlsOptions(vcenter),
    limits: { ...DEFAULT_LIMITS, maxBytes: vcenter.maxResponseMegabytes * MIB },
    onRetry: ({ method, attempt, delayMs, error }) => {
      logger.warn('retrying a failed vCenter call', { method, attempt, delayMs, error: error.message });
    },
  };
}

async function tlsOptions(vcenter: VcenterConfig): Promise<TlsOptions> {
  const options: TlsOptions = { insecure: vcenter.tls.insecure };
  if (vcenter.tls.caFile) {
    options.ca = await readFile(vcenter.tls.caFile);
  }
  if (vcenter.tls.thumbprintSha256) {
    options.thumbprintSha256 = vcenter.tls.thumbprintSha256;
  }
  return options;
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
  };
  if (result.outcome === 'failed') {
    logger.error('poll failed', { ...fields, error: result.error });
  } else {
    logger.info('poll finished', fields);
  }
}

/** Polls every vCenter, at most `concurrency` at a time; results keep the config's order. */
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
