// Times `vdrift report` over a synthetic history (report-history.ts): each
// format in a fresh process, whose peak resident memory (getrusage maxrss)
// then belongs to that report alone. bench.ts runs it with --report, and it
// also runs on its own:
//
//   node dist/bench/report-bench.js [--hosts 2500] [--days 90] [--formats json,html]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { run } from '../src/cli/run.js';
import { packagePath } from '../src/model/paths.js';
import { writeHistory, type HistorySummary } from './report-history.js';

export interface ReportTiming {
  format: string;
  /** The report command alone, in the fresh process. */
  reportMs: number;
  /** Spawn to exit: Node start, module loading and the report. */
  processMs: number;
  maxRssBytes: number;
  outputBytes: number;
}

export interface ReportBenchResult {
  history: HistorySummary;
  generateMs: number;
  databaseBytes: number;
  timings: ReportTiming[];
}

interface MeasureTask {
  config: string;
  from: string;
  to: string;
  format: string;
  out: string;
}

/** Writes the history into a temporary folder, times one report per format and removes the folder. */
export async function benchReports(options: { hosts: number; days: number; formats: string[] }): Promise<ReportBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'vdrift-report-bench-'));
  try {
    return await benchIn(dir, options);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchIn(dir: string, options: { hosts: number; days: number; formats: string[] }): Promise<ReportBenchResult> {
  const database = join(dir, 'vdrift.db');
  const started = performance.now();
  const history = writeHistory(database, { hosts: options.hosts, days: options.days, end: '2026-06-01T00:00:00.000Z' });
  const generateMs = performance.now() - started;
  const config = join(dir, 'config.json');
  // No poll runs here: the vCenter entry only names the history's vCenter,
  // and its loopback URL is never contacted.
  const vcenter = { name: history.vcenter, url: 'https://127.0.0.1:9/sdk', username: 'bench', passwordEnv: 'VDRIFT_BENCH_PASSWORD' };
  writeFileSync(config, JSON.stringify({ database, baselines: dir, vcenters: [vcenter] }), { mode: 0o600 });
  const timings: ReportTiming[] = [];
  for (const format of options.formats) {
    timings.push(await timeReport({ config, from: history.from, to: history.to, format, out: join(dir, `report.${format}`) }));
  }
  return { history, generateMs, databaseBytes: statSync(database).size, timings };
}

function timeReport(task: MeasureTask): Promise<ReportTiming> {
  const script = packagePath('dist', 'bench', 'report-bench.js');
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, '--measure', JSON.stringify(task)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`report benchmark for ${task.format} exited with ${code}`));
        return;
      }
      const measured = JSON.parse(out) as { reportMs: number; maxRssBytes: number };
      resolve({ format: task.format, ...measured, processMs: performance.now() - started, outputBytes: statSync(task.out).size });
    });
  });
}

/** Runs one report in this process and prints its time and peak memory as one JSON line. */
async function measure(task: MeasureTask): Promise<void> {
  const io = { out: () => undefined, err: (text: string) => process.stderr.write(`${text}\n`), env: { VDRIFT_LOG_LEVEL: 'error' }, cwd: process.cwd() };
  const started = performance.now();
  const code = await run(['report', '--config', task.config, '--from', task.from, '--to', task.to, '--format', task.format, '--out', task.out], io);
  const reportMs = performance.now() - started;
  if (code !== 0) {
    throw new Error(`vdrift report exited with ${code}`);
  }
  // maxRSS is in kilobytes.
  process.stdout.write(`${JSON.stringify({ reportMs, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
}

export function reportTable(result: ReportBenchResult): string {
  const { history } = result;
  const lines = [
    `synthetic history: ${history.hosts} hosts, ${history.polls} polls, ${history.states} host states, ${history.findings} findings, ` +
      `database ${(result.databaseBytes / 2 ** 20).toFixed(1)} MB, written in ${result.generateMs.toFixed(0)} ms`,
    'format  report ms  process ms  peak RSS MB  output MB',
  ];
  for (const timing of result.timings) {
    lines.push(
      `${timing.format.padEnd(6)}  ${timing.reportMs.toFixed(0).padStart(9)}  ${timing.processMs.toFixed(0).padStart(10)}  ` +
        `${(timing.maxRssBytes / 2 ** 20).toFixed(0).padStart(11)}  ${(timing.outputBytes / 2 ** 20).toFixed(1).padStart(9)}`,
    );
  }
  return lines.join('\n');
}

const invokedDirectly = process.argv[1]?.endsWith('report-bench.js') === true;
if (invokedDirectly) {
  const { values } = parseArgs({
    options: {
      measure: { type: 'string' },
      hosts: { type: 'string', default: '2500' },
      days: { type: 'string', default: '90' },
      formats: { type: 'string', default: 'json,html' },
    },
  });
  if (values.measure) {
    await measure(JSON.parse(values.measure) as MeasureTask);
  } else {
    const result = await benchReports({ hosts: Number(values.hosts), days: Number(values.days), formats: values.formats.split(',') });
    console.log(reportTable(result));
  }
}
