// One benchmark task in a fresh process, so that its peak resident memory
// (getrusage maxrss) belongs to that task alone. Reads a JSON task from
// argv[2] and prints one JSON result line on stdout.
import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadBaselines } from '../src/config/baselines.js';
import { Secret } from '../src/config/secret.js';
import type { VcenterConfig } from '../src/config/config-types.js';
import { collectHosts } from '../src/collect/collect.js';
import { evaluateHost } from '../src/drift/evaluate.js';
import { matchBaseline } from '../src/drift/match.js';
import { silentLogger } from '../src/model/logger.js';
import { pollVcenter } from '../src/poll/poll-vcenter.js';
import { VcenterPoller } from '../src/poll/poller.js';
import { Store } from '../src/store/store.js';
import { VcenterSession } from '../src/vsphere/session.js';
import { ref, text } from '../src/vsphere/envelope.js';
import { retrieveAll, retrieveFromView } from '../src/vsphere/property-collector.js';
import type { HostFirewallInfoValue, ManagedObjectReference } from '../src/vsphere/types.js';
import { snapshotOf } from '../src/collect/normalize.js';

export interface WorkerTask {
  kind: 'poll' | 'growth' | 'evaluate' | 'perHost' | 'probed';
  url: string;
  username: string;
  password: string;
  maxObjects: number;
  database: string;
  baselines: string;
  /** Unchanged polls to run for 'growth'. */
  polls?: number;
  /** Minimum run time of 'evaluate', in milliseconds. */
  minMs?: number;
}

function vcenter(task: WorkerTask): VcenterConfig {
  return {
    name: 'bench',
    url: task.url,
    username: task.username,
    password: new Secret(task.password),
    passwordEnv: null,
    passwordFile: null,
    tls: { caFile: null, insecure: false, thumbprintSha256: null },
    maxObjects: task.maxObjects,
    timeoutSeconds: 600,
    connectTimeoutSeconds: 10,
    maxResponseMegabytes: 256,
  };
}

/** Service settings as a config without notification channels has them. */
const SETTINGS = {
  service: { schedule: '*/15 * * * *', pollOnStart: true, concurrency: 4, unreachableAfter: 3, health: null },
  notifications: { channels: [], repeatCriticalAfterMinutes: 240, maxAttempts: 10, retryBaseSeconds: 30, maintenanceMode: 'hold' as const },
  windows: [],
  // The esxcli probe costs a round trip per host on top of the batched
  // read. The benchmark compares the batched read with the wire, so the
  // probe is off here and the probed task measures its cost separately.
  changes: {
    probeFirewallService: false,
    probeTimeoutSeconds: 10,
    authorizedAdmins: null,
    broadChange: { rulesetsPerHost: 5, hosts: 5 },
    events: { enabled: true, watchSeconds: 10, rereadDebounceSeconds: 3, rereadRetrySeconds: 60 },
  },
};

/** Database size with the WAL folded in, so that it counts what the data takes. */
export function databaseBytes(store: Store, file: string): number {
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  return statSync(file).size;
}

async function poll(task: WorkerTask): Promise<Record<string, unknown>> {
  const { baselines } = loadBaselines(task.baselines);
  const store = Store.open(task.database);
  const started = performance.now();
  const result = await pollVcenter(vcenter(task), { store, baselines, exceptions: [], settings: SETTINGS, logger: silentLogger() });
  const ms = performance.now() - started;
  const bytes = databaseBytes(store, task.database);
  store.close();
  return {
    ms,
    fetchMs: result.fetchMs,
    writeMs: result.writeMs,
    roundTrips: result.roundTrips,
    outcome: result.outcome,
    hostsSeen: result.hostsSeen,
    opened: result.transitions.length,
    databaseBytes: bytes,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

async function growth(task: WorkerTask): Promise<Record<string, unknown>> {
  const { baselines } = loadBaselines(task.baselines);
  const store = Store.open(task.database);
  const before = databaseBytes(store, task.database);
  const times: number[] = [];
  let evaluated = 0;
  for (let i = 0; i < (task.polls ?? 100); i += 1) {
    const started = performance.now();
    const result = await pollVcenter(vcenter(task), { store, baselines, exceptions: [], settings: SETTINGS, logger: silentLogger() });
    times.push(performance.now() - started);
    evaluated += result.hostsEvaluated;
  }
  const after = databaseBytes(store, task.database);
  store.close();
  times.sort((a, b) => a - b);
  return { polls: times.length, bytesBefore: before, bytesAfter: after, medianMs: times[Math.floor(times.length / 2)], hostsEvaluated: evaluated };
}

/** Evaluation alone: the hosts are collected once, then judged in a loop with no I/O. */
async function evaluate(task: WorkerTask): Promise<Record<string, unknown>> {
  const { baselines } = loadBaselines(task.baselines);
  const session = new VcenterSession({ url: task.url, name: 'bench', timeoutMs: 600_000 }, { username: task.username, password: new Secret(task.password) });
  const collection = await collectHosts(session, { maxObjects: task.maxObjects });
  await session.close();

  const open = new Set<string>();
  let hosts = 0;
  let findings = 0;
  const started = performance.now();
  while (performance.now() - started < (task.minMs ?? 2000)) {
    for (const host of collection.hosts) {
      const match = matchBaseline(baselines, { vcenter: 'bench', cluster: host.cluster, host: host.name });
      findings += evaluateHost({ vcenter: 'bench', host, baseline: match, previous: host.snapshot?.state ?? null, open }).length;
      hosts += 1;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return { hosts, findings, hostsPerSecond: hosts / seconds };
}

/**
 * The per-host way, done with vdrift's own client and decoder: one
 * RetrievePropertiesEx per host for its HostFirewallSystem.firewallInfo,
 * each response decoded and normalized, as tools that read one host at a time
 * do. Finding the firewall systems is one batched read and is not timed.
 */
async function perHost(task: WorkerTask): Promise<Record<string, unknown>> {
  const session = new VcenterSession({ url: task.url, name: 'bench', timeoutMs: 600_000 }, { username: task.username, password: new Secret(task.password) });
  const systems: ManagedObjectReference[] = [];
  await session.run((client) =>
    retrieveFromView(client, ['HostSystem'], [{ type: 'HostSystem', pathSet: ['configManager.firewallSystem'] }], (content) => () => {
      const ref = content.propSet?.[0]?.val as ManagedObjectReference | undefined;
      if (ref) {
        systems.push(ref);
      }
    }, { maxObjects: 1000, maxPages: 100 }),
  );

  const before = session.roundTrips;
  const hashes = new Set<string>();
  const started = performance.now();
  for (const system of systems) {
    const specSet = `<specSet><propSet>${text('type', 'HostFirewallSystem')}${text('pathSet', 'firewallInfo')}</propSet><objectSet>${ref('obj', system)}</objectSet></specSet>`;
    await session.run((client) =>
      retrieveAll(client, specSet, (content) => {
        const hash = snapshotOf(content.propSet?.[0]?.val as HostFirewallInfoValue).hash;
        return () => hashes.add(hash);
      }, { maxObjects: 1, maxPages: 2 }),
    );
  }
  const ms = performance.now() - started;
  const roundTrips = session.roundTrips - before;
  await session.close();
  return { ms, roundTrips, hosts: systems.length, distinctStates: hashes.size };
}

/**
 * A steady poll with the esxcli firewall probe on, as \`vdrift run\` does it:
 * the first poll finds each host's executer, the second one, timed, reuses them.
 */
async function probed(task: WorkerTask): Promise<Record<string, unknown>> {
  const { baselines } = loadBaselines(task.baselines);
  const store = Store.open(task.database);
  const settings = { ...SETTINGS, changes: { ...SETTINGS.changes, probeFirewallService: true } };
  const poller = new VcenterPoller(vcenter(task), { store, baselines, exceptions: [], settings, logger: silentLogger() });
  try {
    await poller.poll();
    const started = performance.now();
    const result = (await poller.poll())!;
    return { ms: performance.now() - started, roundTrips: result.roundTrips, outcome: result.outcome };
  } finally {
    await poller.close();
    store.close();
  }
}

const task = JSON.parse(process.argv[2] ?? '{}') as WorkerTask;
const run = { poll, growth, evaluate, perHost, probed }[task.kind];
process.stdout.write(`${JSON.stringify(await run(task))}\n`);
