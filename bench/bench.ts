// npm run bench: measures vdrift's poll against the vCenter simulator at
// several inventory sizes, next to the cost of the wire alone and of
// reading hosts one call at a time. Prints a table, writes
// bench/results/latest.json and checks the targets as ratios measured in
// the same run.
//
//   node dist/bench/bench.js [--sizes 1,500,2500] [--polls 100] [--max-objects 500]
//                            [--report [--report-hosts 2500] [--report-days 90]]
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { HOST_PATHS, PARENT_PATHS } from '../src/collect/shape.js';
import { packagePath } from '../src/model/paths.js';
import { viewFilterSpec } from '../src/vsphere/property-collector.js';
import { text } from '../src/vsphere/envelope.js';
import { startSimulator, type Simulator } from '../test/helpers/vcsim.js';
import { tempDir } from '../test/setup.js';
import { startFaultProxy } from '../test/helpers/fault-proxy.js';
import { PROPERTY_COLLECTOR, RawSoapClient, createView, tokenOf } from './raw-soap.js';
import type { WorkerTask } from './worker.js';
import { benchReports, reportTable, type ReportBenchResult } from './report-bench.js';

interface SizeResult {
  hosts: number;
  responseBytes: number;
  floorMs: number;
  /** A poll in a fresh process, of an inventory vdrift already stored: the recurring cost. */
  pollMs: number;
  pollRoundTrips: number;
  /** A steady poll with the esxcli firewall probe on, executers already known, as in \`vdrift run\`. */
  probedPollMs: number;
  probedPollRoundTrips: number;
  /** The first poll into an empty database: everything decoded, evaluated and written. */
  firstPollMs: number;
  firstPollFetchMs: number;
  firstPollWriteMs: number;
  perHostMs: number;
  perHostRoundTrips: number;
  maxRssBytes: number;
  databaseBytes: number;
  growthPolls: number;
  growthBytesPerPoll: number;
  evaluateHostsPerSecond: number;
}

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1,500,2500' },
    polls: { type: 'string', default: '100' },
    'max-objects': { type: 'string', default: '500' },
    repeat: { type: 'string', default: '3' },
    'latency-ms': { type: 'string', default: '0' },
    // --report adds the report benchmark (report-bench.ts) after the polls.
    report: { type: 'boolean', default: false },
    'report-hosts': { type: 'string', default: '2500' },
    'report-days': { type: 'string', default: '90' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const growthPolls = Number(values.polls);
const maxObjects = Number(values['max-objects']);
const repeat = Number(values.repeat);
const latencyMs = Number(values['latency-ms']);

function inventory(hosts: number): { clusters: number; clusterHosts: number; standalone: number } {
  if (hosts < 10) {
    return { clusters: 1, clusterHosts: hosts, standalone: 0 };
  }
  return { clusters: 5, clusterHosts: Math.ceil(hosts / 5), standalone: 0 };
}

function runWorker(task: WorkerTask): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [packagePath('dist', 'bench', 'worker.js'), JSON.stringify(task)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`benchmark worker ${task.kind} exited with ${code}`))));
  });
}

/** Measures the wire: the RetrievePropertiesEx pages vdrift requests, read as bytes one after another. */
async function floor(url: string, sim: Simulator): Promise<{ ms: number; bytes: number }> {
  const client = new RawSoapClient(url);
  await client.login(sim.username, sim.password);
  const view = await createView(client, ['HostSystem', 'ComputeResource']);
  const specSet = viewFilterSpec(view, [
    { type: 'HostSystem', pathSet: HOST_PATHS },
    { type: 'ComputeResource', pathSet: PARENT_PATHS },
  ]);
  const before = client.bytesRead;
  const started = performance.now();
  let head = await client.call('RetrievePropertiesEx', PROPERTY_COLLECTOR, `${specSet}<options>${text('maxObjects', maxObjects)}</options>`, 4096);
  for (let token = tokenOf(head); token; token = tokenOf(head)) {
    head = await client.call('ContinueRetrievePropertiesEx', PROPERTY_COLLECTOR, text('token', token), 4096);
  }
  const ms = performance.now() - started;
  client.close();
  return { ms, bytes: client.bytesRead - before };
}

function best<T>(runs: T[], key: (run: T) => number): T {
  return runs.reduce((a, b) => (key(b) < key(a) ? b : a));
}

/**
 * Puts a proxy that delays every response by `latencyMs` in front of the
 * simulator, so that round trips cost what they cost on a network.
 */
async function endpoint(sim: Simulator): Promise<{ url: string; stop(): Promise<void> }> {
  if (latencyMs <= 0) {
    return { url: sim.url, stop: async () => {} };
  }
  const proxy = await startFaultProxy(sim.url);
  proxy.addRule({ action: { kind: 'delay', ms: latencyMs } });
  return proxy;
}

async function measure(hosts: number): Promise<SizeResult> {
  const sim = await startSimulator({ ...inventory(hosts), startTimeoutMs: 300_000 });
  const target = await endpoint(sim);
  try {
    const dir = tempDir(`bench-${hosts}`);
    const task = (kind: WorkerTask['kind'], database: string, extra: Partial<WorkerTask> = {}): WorkerTask => ({
      kind,
      url: target.url,
      username: sim.username,
      password: sim.password,
      maxObjects,
      database,
      baselines: packagePath('baselines'),
      ...extra,
    });

    const floors = [];
    const firsts = [];
    const steadies = [];
    for (let i = 0; i < repeat; i += 1) {
      const database = join(dir, `poll-${i}.db`);
      floors.push(await floor(target.url, sim));
      firsts.push(await runWorker(task('poll', database)));
      steadies.push(await runWorker(task('poll', database)));
    }
    const floorRun = best(floors, (run) => run.ms);
    const firstRun = best(firsts, (run) => run.ms!);
    const steadyRun = best(steadies, (run) => run.ms!);
    const perHostRun = await runWorker(task('perHost', join(dir, 'unused.db')));
    const growth = await runWorker(task('growth', join(dir, 'poll-0.db'), { polls: growthPolls }));
    // After the growth run: switching the probe on stores each host's firewall switch once.
    const probedRun = await runWorker(task('probed', join(dir, 'poll-0.db')));
    const evaluation = await runWorker(task('evaluate', join(dir, 'unused.db')));

    return {
      hosts: sim.hosts,
      responseBytes: floorRun.bytes,
      floorMs: floorRun.ms,
      pollMs: steadyRun.ms!,
      pollRoundTrips: steadyRun.roundTrips!,
      probedPollMs: probedRun.ms!,
      probedPollRoundTrips: probedRun.roundTrips!,
      firstPollMs: firstRun.ms!,
      firstPollFetchMs: firstRun.fetchMs!,
      firstPollWriteMs: firstRun.writeMs!,
      perHostMs: perHostRun.ms!,
      perHostRoundTrips: perHostRun.roundTrips!,
      maxRssBytes: Math.max(...firsts.map((run) => run.maxRssBytes!), ...steadies.map((run) => run.maxRssBytes!)),
      databaseBytes: firstRun.databaseBytes!,
      growthPolls: growth.polls!,
      growthBytesPerPoll: (growth.bytesAfter! - growth.bytesBefore!) / growth.polls!,
      evaluateHostsPerSecond: evaluation.hostsPerSecond!,
    };
  } finally {
    await target.stop();
    await sim.stop();
  }
}

interface Target {
  name: string;
  value: number;
  limit: string;
  met: boolean;
}

/** Checks the targets, each only when the run measured the size it names. */
function targets(results: SizeResult[]): Target[] {
  const large = results.find((r) => r.hosts >= 2500);
  const mid = results.find((r) => r.hosts === 500);
  const checked: Target[] = [];
  if (large) {
    checked.push(
      { name: `poll / floor at ${large.hosts} hosts`, value: large.pollMs / large.floorMs, limit: '<= 1.5', met: large.pollMs / large.floorMs <= 1.5 },
      { name: `first poll / floor at ${large.hosts} hosts`, value: large.firstPollMs / large.floorMs, limit: '<= 1.5', met: large.firstPollMs / large.floorMs <= 1.5 },
      { name: `peak RSS MB at ${large.hosts} hosts`, value: large.maxRssBytes / 2 ** 20, limit: '< 300', met: large.maxRssBytes < 300 * 2 ** 20 },
      { name: `DB growth bytes per unchanged poll at ${large.hosts} hosts`, value: large.growthBytesPerPoll, limit: '< 1024', met: large.growthBytesPerPoll < 1024 },
    );
  }
  if (mid) {
    checked.push({ name: `per-host / poll at ${mid.hosts} hosts`, value: mid.perHostMs / mid.pollMs, limit: '>= 10', met: mid.perHostMs / mid.pollMs >= 10 });
  }
  checked.push({
    name: 'evaluation hosts per second',
    value: Math.min(...results.map((r) => r.evaluateHostsPerSecond)),
    limit: '> 50000',
    met: results.every((r) => r.evaluateHostsPerSecond > 50_000),
  });
  return checked;
}

function table(results: SizeResult[]): string {
  const header = ['hosts', 'XML MB', 'floor ms', 'poll ms', 'trips', 'probed ms', 'trips', 'first ms', '(fetch+write)', 'per-host ms', 'trips', 'RSS MB', 'DB KB', 'growth B/poll', 'eval hosts/s'];
  const rows = results.map((r) => [
    r.hosts,
    (r.responseBytes / 1e6).toFixed(1),
    r.floorMs.toFixed(0),
    r.pollMs.toFixed(0),
    r.pollRoundTrips,
    r.probedPollMs.toFixed(0),
    r.probedPollRoundTrips,
    r.firstPollMs.toFixed(0),
    `${r.firstPollFetchMs}+${r.firstPollWriteMs}`,
    r.perHostMs.toFixed(0),
    r.perHostRoundTrips,
    (r.maxRssBytes / 2 ** 20).toFixed(0),
    (r.databaseBytes / 1024).toFixed(0),
    r.growthBytesPerPoll.toFixed(0),
    r.evaluateHostsPerSecond.toFixed(0),
  ].map(String));
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  return all.map((row) => row.map((cell, i) => cell.padStart(widths[i]!)).join('  ')).join('\n');
}

const results: SizeResult[] = [];
for (const size of sizes) {
  console.error(`measuring ${size} hosts`);
  results.push(await measure(size));
}
const checked = targets(results);
// Report benchmark, behind --report: `vdrift report` over a synthetic history.
let reports: ReportBenchResult | null = null;
if (values.report) {
  console.error(`measuring reports over ${values['report-hosts']} hosts and ${values['report-days']} days`);
  reports = await benchReports({ hosts: Number(values['report-hosts']), days: Number(values['report-days']), formats: ['json', 'html'] });
}

const report = {
  date: new Date().toISOString(),
  machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  settings: { maxObjects, growthPolls, repeat, latencyMs },
  results,
  targets: checked,
  ...(reports ? { reports } : {}),
};
console.log(table(results));
console.log('');
if (reports) {
  console.log(`${reportTable(reports)}\n`);
}
for (const target of checked) {
  console.log(`${target.met ? 'met    ' : 'NOT MET'}  ${target.name}: ${target.value.toFixed(2)} (target ${target.limit})`);
}
if (!results.some((r) => r.hosts >= 2500) || !results.some((r) => r.hosts === 500)) {
  console.log('(the size targets are checked only in runs that include 500 and 2,500 hosts)');
}
const outDir = packagePath('bench', 'results');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nwritten to ${join(outDir, 'latest.json')}`);
