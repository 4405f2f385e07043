// vdrift report, diff and history against a history built with the real
// CLI and the simulator. The history has drift introduced and undone, a
// host disconnected for a while, a baseline replaced by a new version of
// the same id, a maintenance window, an exception, and a second vCenter
// that refuses every connection. Each format is checked for the same numbers, the JSON against
// its schema, the bytes for repeatability, and the HTML in headless Chromium.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import Database from 'better-sqlite3';
import { packagePath } from '../../src/model/paths.js';
import { Workspace, baselineDocument } from '../helpers/cli.js';
import { closedPort } from '../helpers/receivers.js';
import { startSimulator, type SimHost, type Simulator } from '../helpers/vcsim.js';
import { AdminClient } from '../helpers/vsphere-admin.js';
import { tempDir } from '../setup.js';

const SCHEDULE_SECONDS = 2;
const HOSTILE = '<script>alert(1)</script>';
const FORMULA_TICKET = '=1+2';

interface FindingJson {
  id: number;
  rule: string;
  host: string | null;
  ruleset: string | null;
  severity: string;
  openedAt: string;
  resolvedAt: string | null;
  openAtEnd: boolean;
  durationSeconds: number;
  window: { ticket: string; createdBy: string } | null;
  exceptions: { exceptionId: string; approvedBy: string; expiresAt: string }[];
  acceptedAtEnd: boolean;
  attribution: { userName: string; eventTypeId: string; authorized: boolean | null } | null;
}

interface HostJson {
  name: string;
  status: string;
  reason: string | null;
  baseline: { id: string; version: number; hash: string; approvedBy: string; ticket: string } | null;
  differences: { path: string; current: unknown; target: unknown; rule: string }[];
  timeline: { from: string; to: string; status: string }[];
  states: { snapshotHash: string | null; firstPoll: { id: number; at: string }; lastPoll: { id: number; at: string } }[];
  findings: FindingJson[];
}

interface ReportJson {
  generatedAt: string;
  summary: {
    hostsInScope: number;
    evaluated: number;
    compliant: number;
    compliantWithExceptions: number;
    nonCompliant: number;
    notEvaluated: number;
    notEvaluatedByReason: Record<string, number>;
    complianceRatePercent: number | null;
    findings: { opened: number; escalated: number; resolved: number; openAtEnd: number };
  };
  coverage: { vcenter: string; expectedPolls: number; coveredPolls: number; completePolls: number; incompletePolls: number; failedPolls: number; gaps: { missedPolls: number; durationSeconds: number }[] }[];
  baselines: { id: string; version: number; ticket: string; firstInForce: string; lastInForce: string; hostsJudged: number }[];
  windows: { ticket: string; reason: string }[];
  exceptions: { exceptionId: string; approvedBy: string }[];
  vcenterFindings: FindingJson[];
  hosts: HostJson[];
}

/** Parses RFC 4180 CSV with CRLF line ends into rows of fields. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (char === '"') {
        quoted = false;
      } else {
        field += char;
      }
    } else if (char === '"') {
      quoted = true;
    } else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 1;
    } else {
      field += char;
    }
  }
  return rows;
}

/** CSV rows as objects keyed by the header row. */
function csvRecords(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  return rows.map((row) => Object.fromEntries(header!.map((name, i) => [name, row[i] ?? ''])));
}

function seconds(from: string, to: string): number {
  return Math.round((Date.parse(to) - Date.parse(from)) / 1000);
}

/** Blanks the one generation-time value of a report, so two runs can be compared byte for byte. */
function withoutGeneratedAt(text: string, format: string): { text: string; replaced: number } {
  const patterns: Record<string, [RegExp, string]> = {
    json: [/"generatedAt": "[^"]*"/g, '"generatedAt": ""'],
    csv: [/^(report,[^,]*,[^,]*,)[^,]*,/gm, '$1,'],
    md: [/Generated at [0-9TZ:.-]+/g, 'Generated at '],
    html: [/Generated at [0-9TZ:.-]+/g, 'Generated at '],
  };
  const [pattern, replacement] = patterns[format]!;
  const replaced = text.match(pattern)?.length ?? 0;
  return { text: text.replace(pattern, replacement), replaced };
}

interface ChromiumResult {
  code: number | null;
  stderr: string;
  stdout: string;
}

/** Runs headless Chromium on a local file with the isolation flags this project requires. */
function chromium(args: string[], profile: string): Promise<ChromiumResult> {
  const flags = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    `--user-data-dir=${profile}`,
    '--enable-logging=stderr',
    '--v=0',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('chromium', [...flags, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`chromium could not be started (install Debian's chromium package): ${err.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    });
  });
}

function consoleProblems(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.includes('CONSOLE') || line.includes('Uncaught'));
}

describe('vdrift report', function () {
  this.timeout(300_000);
  let sim: Simulator;
  let hosts: SimHost[];
  let admin: AdminClient;
  let ws: Workspace;
  const marks: Record<string, string> = {};
  let pollsRun = 0;
  let exceptionExpires = '';

  function firewallOf(name: string): string {
    return hosts.find((host) => host.name === name)!.firewallSystem;
  }

  async function restrictSsh(name: string): Promise<void> {
    await admin.updateRuleset(firewallOf(name), 'sshServer', { allIp: false, ipAddress: ['10.0.0.1'] });
  }

  async function openSsh(name: string): Promise<void> {
    await admin.updateRuleset(firewallOf(name), 'sshServer', { allIp: true });
  }

  async function poll(): Promise<void> {
    const result = await ws.run('poll');
    // Exit code 3, because the second vCenter refuses connections, while the simulator's polls complete.
    expect(result.code, result.stderr).to.equal(3);
    pollsRun += 1;
  }

  async function cli(...args: string[]): Promise<string> {
    const result = await ws.run(...args);
    expect(result.code, `vdrift ${args.join(' ')}: ${result.stderr}`).to.equal(0);
    return result.stdout;
  }

  let outputs = 0;
  /** Writes a report with --out and returns its text. */
  async function report(from: string, to: string, format: string, extra: string[] = [], workspace = ws): Promise<string> {
    outputs += 1;
    const out = join(workspace.dir, `report-${outputs}.${format}`);
    const result = await workspace.run('report', '--from', from, '--to', to, '--format', format, '--out', out, ...extra);
    expect(result.code, result.stderr).to.equal(0);
    return readFileSync(out, 'utf8');
  }

  function pollTimes(): { id: number; startedAt: string; finishedAt: string }[] {
    const db = new Database(ws.database, { readonly: true });
    try {
      return db
        .prepare(`SELECT p.id, p.started_at AS startedAt, p.finished_at AS finishedAt FROM polls p JOIN vcenters v ON v.id = p.vcenter_id WHERE v.name = 'sim' ORDER BY p.id`)
        .all() as { id: number; startedAt: string; finishedAt: string }[];
    } finally {
      db.close();
    }
  }

  function clusterBaseline(version: number, ticket: string): Record<string, unknown> {
    return baselineDocument({
      id: 'cluster-hosts',
      version,
      approval: { by: version === 1 ? 'alice' : 'bob', at: version === 1 ? '2026-01-10' : '2026-02-20', ticket },
      scope: { clusters: ['DC0_C0'] },
      rulesets: {
        sshServer: { management: true, allowedHosts: { mode: 'restricted' } },
        ...(version === 2 ? { gdbserver: { enabled: false } } : {}),
      },
    });
  }

  before(async () => {
    sim = await startSimulator({ clusters: 1, clusterHosts: 3, standalone: 1 });
    hosts = await sim.listHosts();
    admin = await AdminClient.login(sim.url, sim.username, sim.password);
    ws = new Workspace(sim, { baselines: { 'cluster.json': clusterBaseline(1, 'CHG-100') } });
    const down = await closedPort();
    ws.writeConfig({
      database: './vdrift.db',
      baselines: './baselines',
      schedule: `*/${SCHEDULE_SECONDS} * * * * *`,
      vcenters: [
        { name: 'sim', url: sim.url, username: sim.username, passwordEnv: 'VDRIFT_TEST_PASSWORD' },
        { name: 'vc-down', url: `http://127.0.0.1:${down}/sdk`, username: 'nobody', passwordEnv: 'VDRIFT_TEST_PASSWORD' },
      ],
    });
    for (const name of ['DC0_C0_H0', 'DC0_C0_H1', 'DC0_C0_H2']) {
      await restrictSsh(name);
    }

    marks.start = new Date().toISOString();
    await poll(); // 1: every cluster host compliant; the standalone host has no baseline
    await openSsh('DC0_C0_H0');
    await poll(); // 2: drift on H0
    await restrictSsh('DC0_C0_H0');
    await poll(); // 3: drift undone
    await sim.setHost('DC0_C0_H2', { connectionState: 'disconnected' });
    await poll(); // 4: H2 not checked
    marks.disconnected = new Date().toISOString();
    ws.writeBaseline('cluster.json', clusterBaseline(2, `CHG-200 ${HOSTILE}`));
    await poll(); // 5: version 2 of the same baseline judges the cluster
    const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
    await cli('window', 'add', '--scope', 'host=DC0_C0_H1', '--from', 'now', '--to', inAnHour, '--ticket', FORMULA_TICKET, '--by', 'carol', '--reason', `patching ${HOSTILE}`);
    await openSsh('DC0_C0_H1');
    await poll(); // 6: drift on H1 inside the window
    exceptionExpires = new Date(Date.now() + 86_400_000).toISOString();
    await cli('exception', 'add', '--id', 'RISK-1', '--host', 'DC0_C0_H0', '--ruleset', 'sshServer', '--rule', 'management-ruleset-allow-all', '--reason', `vendor access ${HOSTILE}`, '--approved-by', 'ciso', '--expires', exceptionExpires);
    await openSsh('DC0_C0_H0');
    await poll(); // 7: drift on H0 accepted by the exception
    await sim.setHost('DC0_C0_H2', { connectionState: 'connected' });
    await poll(); // 8: H2 checked again
    marks.end = new Date().toISOString();
  });

  after(async () => {
    await sim?.stop();
  });

  describe('over the whole history', () => {
    const texts: Record<string, string> = {};
    let json: ReportJson;

    before(async () => {
      for (const format of ['json', 'csv', 'md', 'html']) {
        texts[format] = await report(marks.start!, marks.end!, format);
      }
      json = JSON.parse(texts.json!) as ReportJson;
    });

    function host(name: string): HostJson {
      return json.hosts.find((entry) => entry.name === name)!;
    }

    it('validates against the schema', () => {
      const validate = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(packagePath('schemas', 'report.schema.json'), 'utf8')));
      expect(validate(json), JSON.stringify(validate.errors, null, 2)).to.equal(true);
    });

    it('counts the denominator', () => {
      const s = json.summary;
      expect(s.hostsInScope).to.equal(4);
      expect(s.evaluated).to.equal(3);
      expect(s.compliant).to.equal(1);
      expect(s.compliantWithExceptions).to.equal(1);
      expect(s.nonCompliant).to.equal(1);
      expect(s.notEvaluated).to.equal(1);
      expect(s.complianceRatePercent).to.equal(66.7);
    });

    it('lists unevaluated hosts with reasons', () => {
      expect(json.summary.notEvaluatedByReason['no-baseline']).to.equal(1);
      expect(host('DC0_H0').status).to.equal('not-evaluated');
      expect(host('DC0_H0').reason).to.equal('no-baseline');
    });

    it('judges each cluster host', () => {
      expect(host('DC0_C0_H0').status).to.equal('compliant-with-exceptions');
      expect(host('DC0_C0_H1').status).to.equal('non-compliant');
      expect(host('DC0_C0_H2').status).to.equal('compliant');
    });

    it('names differences with path and values', () => {
      expect(host('DC0_C0_H1').differences).to.deep.equal([
        { path: 'rulesets.sshServer.allowedHosts.allIp', current: true, target: false, rule: 'management-ruleset-allow-all', severity: 'high', detail: null },
      ]);
      expect(host('DC0_C0_H2').differences).to.deep.equal([]);
    });

    it('names the judging baseline version', () => {
      const baseline = host('DC0_C0_H1').baseline!;
      expect(baseline.id).to.equal('cluster-hosts');
      expect(baseline.version).to.equal(2);
      expect(baseline.approvedBy).to.equal('bob');
      expect(baseline.ticket).to.equal(`CHG-200 ${HOSTILE}`);
    });

    it('lists both baseline versions in force', () => {
      const polls = pollTimes();
      expect(json.baselines.map((b) => `${b.id} v${b.version}`)).to.deep.equal(['cluster-hosts v1', 'cluster-hosts v2']);
      expect(json.baselines[0]!.firstInForce).to.equal(polls[0]!.finishedAt);
      expect(json.baselines[0]!.lastInForce).to.equal(polls[3]!.finishedAt);
      expect(json.baselines[1]!.firstInForce).to.equal(polls[4]!.finishedAt);
      expect(json.baselines[1]!.hostsJudged).to.equal(3);
    });

    it('measures finding durations', () => {
      const polls = pollTimes();
      const [first, second] = host('DC0_C0_H0').findings;
      expect(first!.openedAt).to.equal(polls[1]!.finishedAt);
      expect(first!.resolvedAt).to.equal(polls[2]!.finishedAt);
      expect(first!.durationSeconds).to.equal(seconds(polls[1]!.finishedAt, polls[2]!.finishedAt));
      expect(second!.openAtEnd).to.equal(true);
      expect(second!.durationSeconds).to.equal(seconds(polls[6]!.finishedAt, marks.end!));
    });

    it('times the disconnection', () => {
      const polls = pollTimes();
      const notChecked = host('DC0_C0_H2').findings.find((f) => f.rule === 'host-not-checked')!;
      expect(notChecked.openedAt).to.equal(polls[3]!.finishedAt);
      expect(notChecked.resolvedAt).to.equal(polls[7]!.finishedAt);
      expect(host('DC0_C0_H2').timeline.map((segment) => segment.status)).to.include('not-checked');
    });

    it('names the window and exception', () => {
      const windowed = host('DC0_C0_H1').findings[0]!;
      expect(windowed.window?.ticket).to.equal(FORMULA_TICKET);
      expect(windowed.window?.createdBy).to.equal('carol');
      const accepted = host('DC0_C0_H0').findings[1]!;
      expect(accepted.exceptions.map((e) => `${e.exceptionId} ${e.approvedBy} ${e.expiresAt}`)).to.deep.equal([`RISK-1 ciso ${exceptionExpires}`]);
      expect(accepted.acceptedAtEnd).to.equal(true);
    });

    it('names who made the change', () => {
      const attribution = host('DC0_C0_H1').findings[0]!.attribution;
      expect(attribution?.userName).to.equal(sim.username);
      expect(attribution?.eventTypeId).to.equal('esx.audit.net.firewall.config.changed');
      expect(attribution?.authorized).to.equal(null);
      expect(host('DC0_H0').findings[0]!.attribution).to.equal(null);
    });

    it('counts findings in the period', () => {
      const f = json.summary.findings;
      // H0 twice, H1, H2 not checked, the standalone host without baseline, vc-down unreachable.
      expect(f.opened).to.equal(6);
      expect(f.resolved).to.equal(2);
      expect(f.openAtEnd).to.equal(4);
      expect(f.escalated).to.equal(0);
    });

    it('reports the unreachable vCenter', () => {
      expect(json.vcenterFindings.map((f) => f.rule)).to.deep.equal(['vcenter-unreachable']);
      const down = json.coverage.find((c) => c.vcenter === 'vc-down')!;
      expect(down.failedPolls).to.equal(pollsRun);
      expect(down.completePolls).to.equal(0);
      expect(down.coveredPolls).to.equal(0);
    });

    it('measures coverage against the schedule', () => {
      const interval = SCHEDULE_SECONDS * 1000;
      const from = Date.parse(marks.start!);
      const to = Date.parse(marks.end!);
      const expected = Math.floor((to - 1) / interval) - Math.ceil(from / interval) + 1;
      const slots = new Set(pollTimes().map((p) => Math.floor(Date.parse(p.startedAt) / interval)).filter((slot) => slot * interval >= from));
      const simCoverage = json.coverage.find((c) => c.vcenter === 'sim')!;
      expect(simCoverage.expectedPolls).to.equal(expected);
      expect(simCoverage.completePolls).to.equal(pollsRun);
      expect(simCoverage.failedPolls).to.equal(0);
      expect(simCoverage.coveredPolls).to.equal(slots.size);
      for (const gap of simCoverage.gaps) {
        expect(gap.durationSeconds).to.be.greaterThan(2 * SCHEDULE_SECONDS);
        expect(gap.durationSeconds).to.be.at.most(gap.missedPolls * SCHEDULE_SECONDS);
      }
      const missed = simCoverage.gaps.reduce((sum, gap) => sum + gap.missedPolls, 0);
      expect(missed).to.be.at.most(expected - slots.size);
    });

    it('gives evidence that matches history', async () => {
      const history = JSON.parse(await cli('history', '--host', 'DC0_C0_H0', '--json')) as { states: { snapshotHash: string; firstPoll: { id: number } }[] };
      const shown = host('DC0_C0_H0').states.map((s) => `${s.snapshotHash} ${s.firstPoll.id}`);
      expect(shown).to.deep.equal(history.states.map((s) => `${s.snapshotHash} ${s.firstPoll.id}`));
    });

    it('puts the same counts in CSV', () => {
      const records = csvRecords(texts.csv!);
      const hostRows = records.filter((r) => r.record === 'host');
      expect(records[0]!.record).to.equal('report');
      expect(hostRows.map((r) => `${r.host} ${r.status} ${r.not_evaluated_reason}`).sort()).to.deep.equal([
        'DC0_C0_H0 compliant-with-exceptions ',
        'DC0_C0_H1 non-compliant ',
        'DC0_C0_H2 compliant ',
        'DC0_H0 not-evaluated no-baseline',
      ]);
      const findingRows = records.filter((r) => r.record === 'finding');
      expect(findingRows).to.have.length(6);
      const resolved = findingRows.find((r) => r.host === 'DC0_C0_H0' && r.resolved_at !== '')!;
      expect(Number(resolved.duration_seconds)).to.equal(host('DC0_C0_H0').findings[0]!.durationSeconds);
    });

    it('ends CSV lines with CRLF', () => {
      expect(texts.csv!.split('\r\n').length - 1).to.equal(csvRecords(texts.csv!).length + 1);
      expect(texts.csv!.replaceAll('\r\n', '')).not.to.include('\n');
    });

    it('guards CSV cells against formulas', () => {
      const windowed = csvRecords(texts.csv!).find((r) => r.record === 'finding' && r.host === 'DC0_C0_H1')!;
      expect(windowed.window_ticket).to.equal(`'${FORMULA_TICKET}`);
    });

    it('puts the same counts in Markdown', () => {
      expect(texts.md).to.include('Compliance rate: 66.7% (2 of 3 evaluated hosts; 1 of 4 hosts in scope not evaluated)');
      expect(texts.md).to.include('| no baseline matches | 1 |');
      expect(texts.md).to.include('Findings in the period: 6 opened, 0 escalated, 0 de-escalated, 2 resolved, 4 open at the end.');
    });

    it('puts the same counts in HTML', () => {
      expect(texts.html).to.include('Compliance rate 66.7%: 2 of 3 evaluated hosts (1 of 4 hosts in scope not evaluated)');
      expect(texts.html).to.include('<td>no baseline matches</td><td class="num">1</td>');
      expect(texts.html!.match(/<svg class="timeline"/g)).to.have.length(4);
    });

    it('escapes hostile text in HTML', () => {
      expect(texts.html).not.to.include('<script');
      expect(texts.html).to.include('&lt;script&gt;alert(1)&lt;/script&gt;');
    });

    it('escapes hostile text in Markdown', () => {
      expect(texts.md).not.to.include('<script');
      expect(texts.md).to.include('&lt;script&gt;');
    });

    it('fetches nothing from HTML', () => {
      for (const pattern of [/<script/i, /<link/i, /<img/i, /\ssrc=/i, /href="(?!#)/i, /url\(/i, /@import/i]) {
        expect(texts.html, String(pattern)).not.to.match(pattern);
      }
    });

    for (const format of ['json', 'csv', 'md', 'html']) {
      it(`repeats ${format} byte for byte`, async () => {
        const again = await report(marks.start!, marks.end!, format);
        const first = withoutGeneratedAt(texts[format]!, format);
        const second = withoutGeneratedAt(again, format);
        expect(first.replaced).to.equal(1);
        expect(second.replaced).to.equal(1);
        expect(second.text).to.equal(first.text);
      });
    }

    it('writes the same bytes to stdout', async () => {
      const result = await ws.run('report', '--from', marks.start!, '--to', marks.end!, '--format', 'json');
      expect(result.code, result.stderr).to.equal(0);
      expect(withoutGeneratedAt(result.stdout, 'json').text).to.equal(withoutGeneratedAt(texts.json!, 'json').text);
    });

    it('renders in headless Chromium', async () => {
      const artifacts = packagePath('test-artifacts');
      mkdirSync(artifacts, { recursive: true });
      const page = join(artifacts, 'report.html');
      const screenshot = join(artifacts, 'report.png');
      writeFileSync(page, texts.html!);
      rmSync(screenshot, { force: true });
      const shot = await chromium(['--window-size=1280,2000', `--screenshot=${screenshot}`, `file://${page}`], tempDir('chromium'));
      expect(shot.code, shot.stderr).to.equal(0);
      expect(consoleProblems(shot.stderr)).to.deep.equal([]);
      expect(existsSync(screenshot)).to.equal(true);
      expect(statSync(screenshot).size).to.be.greaterThan(10_000);
    });

    it('keeps the DOM in Chromium', async () => {
      const page = packagePath('test-artifacts', 'report.html');
      const dom = await chromium(['--dump-dom', `file://${page}`], tempDir('chromium'));
      expect(dom.code, dom.stderr).to.equal(0);
      expect(consoleProblems(dom.stderr)).to.deep.equal([]);
      expect(dom.stdout.match(/<section class="host/g)).to.have.length(4);
      expect(dom.stdout).to.include('Compliance rate 66.7%');
    });
  });

  describe('ending while a host was disconnected', () => {
    let json: ReportJson;

    before(async () => {
      json = JSON.parse(await report(marks.start!, marks.disconnected!, 'json')) as ReportJson;
    });

    it('lists the disconnected host', () => {
      expect(json.summary.notEvaluatedByReason.disconnected).to.equal(1);
      expect(json.hosts.find((h) => h.name === 'DC0_C0_H2')!.reason).to.equal('disconnected');
    });

    it('counts two compliant hosts', () => {
      expect(json.summary.evaluated).to.equal(2);
      expect(json.summary.compliant).to.equal(2);
      expect(json.summary.complianceRatePercent).to.equal(100);
    });

    it('names only the first version', () => {
      expect(json.baselines.map((b) => `${b.id} v${b.version} ${b.ticket}`)).to.deep.equal(['cluster-hosts v1 CHG-100']);
    });

    it('validates against the schema', () => {
      const validate = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(packagePath('schemas', 'report.schema.json'), 'utf8')));
      expect(validate(json), JSON.stringify(validate.errors, null, 2)).to.equal(true);
    });
  });

  describe('with filters', () => {
    it('narrows to one cluster', async () => {
      const json = JSON.parse(await report(marks.start!, marks.end!, 'json', ['--cluster', 'DC0_C0'])) as ReportJson;
      expect(json.summary.hostsInScope).to.equal(3);
      expect(json.summary.notEvaluated).to.equal(0);
    });

    it('narrows to a host pattern', async () => {
      const json = JSON.parse(await report(marks.start!, marks.end!, 'json', ['--host', 'dc0_c0_h1', '--host', '*_H2'])) as ReportJson;
      expect(json.hosts.map((h) => h.name)).to.deep.equal(['DC0_C0_H1', 'DC0_C0_H2']);
    });

    it('narrows to one vCenter', async () => {
      const json = JSON.parse(await report(marks.start!, marks.end!, 'json', ['--vcenter', 'vc-down'])) as ReportJson;
      expect(json.summary.hostsInScope).to.equal(0);
      expect(json.summary.complianceRatePercent).to.equal(null);
      expect(json.coverage.map((c) => c.vcenter)).to.deep.equal(['vc-down']);
    });
  });

  describe('with bad options', () => {
    it('rejects a missing --from', async () => {
      const result = await ws.run('report', '--to', marks.end!);
      expect(result.code).to.equal(2);
      expect(result.stderr).to.include('--from DATE is required');
    });

    it('rejects an unknown format', async () => {
      const result = await ws.run('report', '--from', marks.start!, '--to', marks.end!, '--format', 'pdf');
      expect(result.code).to.equal(2);
      expect(result.stderr).to.include('is not one of html, csv, json, md');
    });

    it('rejects an unknown --out extension', async () => {
      const result = await ws.run('report', '--from', marks.start!, '--to', marks.end!, '--out', 'report.pdf');
      expect(result.code).to.equal(2);
      expect(result.stderr).to.include('cannot tell the format from the extension of --out "report.pdf"');
    });

    it('warns about filters matching nothing', async () => {
      const result = await ws.run('report', '--from', marks.start!, '--to', marks.end!, '--host', 'no-such-host');
      expect(result.code).to.equal(0);
      expect(result.stderr).to.include('no host in the database matches');
    });

    it('rejects a time without zone', async () => {
      const result = await ws.run('report', '--from', '2026-05-01T10:00:00', '--to', marks.end!);
      expect(result.code).to.equal(2);
      expect(result.stderr).to.include('date-time with a time zone');
    });
  });

  describe('with a hostile host name', () => {
    const texts: Record<string, string> = {};

    before(async () => {
      const copy = new Workspace(sim);
      copy.writeConfig(readFileSync(join(ws.dir, 'config.json'), 'utf8'));
      const source = new Database(ws.database, { readonly: true });
      await source.backup(copy.database);
      source.close();
      const db = new Database(copy.database);
      db.prepare(`UPDATE hosts SET name = ? WHERE name = 'DC0_C0_H1'`).run(HOSTILE);
      db.prepare(`UPDATE findings SET host = ?, message = ? WHERE host = 'DC0_C0_H1'`).run(HOSTILE, `drift on ${HOSTILE}, "quoted", =cmd`);
      db.close();
      for (const format of ['json', 'csv', 'md', 'html']) {
        texts[format] = await report(marks.start!, marks.end!, format, [], copy);
      }
    });

    it('escapes the name in HTML', () => {
      expect(texts.html).not.to.include('<script');
      expect(texts.html).to.include('<h3>&lt;script&gt;alert(1)&lt;/script&gt; ');
    });

    it('escapes the name in Markdown', () => {
      expect(texts.md).not.to.include('<script');
      expect(texts.md).to.include('&lt;script&gt;alert(1)&lt;/script&gt;');
    });

    it('keeps the name as data in CSV', () => {
      const row = csvRecords(texts.csv!).find((r) => r.record === 'host' && r.host === HOSTILE);
      expect(row?.status).to.equal('non-compliant');
      const finding = csvRecords(texts.csv!).find((r) => r.record === 'finding' && r.host === HOSTILE);
      expect(finding?.message).to.equal(`drift on ${HOSTILE}, "quoted", =cmd`);
    });

    it('keeps the name as data in JSON', () => {
      const json = JSON.parse(texts.json!) as ReportJson;
      expect(json.hosts.map((h) => h.name)).to.include(HOSTILE);
    });
  });

  describe('vdrift diff', () => {
    it('compares the last two states', async () => {
      const diff = JSON.parse(await cli('diff', '--host', 'DC0_C0_H0', '--json')) as { changes: { path: string; before: unknown; after: unknown }[] };
      const allIp = diff.changes.find((change) => change.path === 'rulesets.sshServer.allowedHosts.allIp');
      expect(allIp).to.deep.equal({ path: 'rulesets.sshServer.allowedHosts.allIp', before: false, after: true });
    });

    it('compares states at two times', async () => {
      const polls = pollTimes();
      const diff = JSON.parse(await cli('diff', '--host', 'DC0_C0_H0', '--from', polls[0]!.finishedAt, '--to', polls[1]!.finishedAt, '--json')) as {
        before: { firstPoll: { id: number } };
        after: { firstPoll: { id: number } };
        changes: { path: string }[];
      };
      expect(diff.before.firstPoll.id).to.equal(polls[0]!.id);
      expect(diff.after.firstPoll.id).to.equal(polls[1]!.id);
      expect(diff.changes.map((change) => change.path)).to.include('rulesets.sshServer.allowedHosts.allIp');
    });

    it('prints path, before and after', async () => {
      const text = await cli('diff', '--host', 'DC0_C0_H0');
      expect(text).to.match(/rulesets\.sshServer\.allowedHosts\.allIp\s+false\s+true/);
    });

    it('says when nothing changed', async () => {
      const text = await cli('diff', '--host', 'DC0_H0');
      expect(text).to.include('no firewall change recorded');
    });

    it('rejects an unknown host', async () => {
      const result = await ws.run('diff', '--host', 'nope');
      expect(result.code).to.equal(2);
      expect(result.stderr).to.include('host nope is not in the database');
    });
  });

  describe('vdrift history', () => {
    it('lists states with reasons and baselines', async () => {
      const history = JSON.parse(await cli('history', '--host', 'DC0_C0_H2', '--json')) as {
        states: { notCheckedReason: string | null; baseline: { version: number } | null }[];
      };
      expect(history.states.map((s) => `${s.notCheckedReason ?? 'checked'} v${s.baseline?.version}`)).to.deep.equal([
        'checked v1',
        'disconnected v1',
        'disconnected v2',
        'checked v2',
      ]);
    });

    it('prints a table', async () => {
      const text = await cli('history', '--host', 'DC0_C0_H2');
      expect(text).to.include('not checked: disconnected');
      expect(text).to.include('cluster-hosts v2');
    });
  });

  describe('after a failed poll', () => {
    let json: ReportJson;

    before(async () => {
      const password = ws.env.VDRIFT_TEST_PASSWORD;
      ws.env.VDRIFT_TEST_PASSWORD = 'wrong-password';
      try {
        const result = await ws.run('poll');
        expect(result.code, result.stderr).to.equal(3);
      } finally {
        ws.env.VDRIFT_TEST_PASSWORD = password;
      }
      json = JSON.parse(await report(marks.start!, new Date().toISOString(), 'json')) as ReportJson;
    });

    it('marks cluster hosts unreachable', () => {
      const cluster = json.hosts.filter((h) => h.name.startsWith('DC0_C0_'));
      expect(cluster.map((h) => h.reason)).to.deep.equal(['unreachable', 'unreachable', 'unreachable']);
      expect(json.summary.notEvaluatedByReason.unreachable).to.equal(3);
    });

    it('shows no rate without evaluated hosts', () => {
      expect(json.summary.evaluated).to.equal(0);
      expect(json.summary.complianceRatePercent).to.equal(null);
    });

    it('ends the timeline not checked', () => {
      const timeline = json.hosts.find((h) => h.name === 'DC0_C0_H2')!.timeline;
      expect(timeline.at(-1)!.status).to.equal('not-checked');
    });
  });
});
