// A poll killed with SIGKILL at any moment leaves a consistent database:
// SQLite's integrity check passes, each stored poll has all of its hosts or
// the poll is absent, and the next poll succeeds. Two polls started together
// on one database both finish, or one fails with a clear message.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { packagePath } from '../../src/model/paths.js';
import { Workspace } from '../helpers/cli.js';
import { starterBaseline } from '../helpers/database-state.js';
import { startSimulator, type Simulator } from '../helpers/vcsim.js';

const HOSTS = 500;
const BIN = packagePath('bin', 'vdrift.js');

/** Points in an undisturbed poll's run time at which a poll is killed, as fractions of it. */
const KILL_POINTS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95];

interface PollJson {
  polls: { outcome: string; error: string | null; hostsSeen: number }[];
}

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface DatabaseCheck {
  integrity: string[];
  foreignKeyViolations: number;
  /** Whether schema_migrations lists version 1 exactly when the polls table exists. */
  schemaConsistent: boolean;
  polls: { id: number; outcome: string; hostsSeen: number }[];
  /** Hosts whose last_seen_poll_id is the newest poll. */
  hostsOfNewestPoll: number;
  /** Rows that name a poll id that the polls table does not contain. */
  orphanRows: number;
}

/** Starts `vdrift poll --json` on the workspace's config, as runVdrift in test/helpers/cli.ts does, and returns the child. */
function startPoll(ws: Workspace): { kill(): void; done: Promise<Finished> } {
  const child = spawn(process.execPath, [BIN, 'poll', '--json', '--config', join(ws.dir, 'config.json')], {
    cwd: ws.dir,
    env: { PATH: process.env.PATH, ...ws.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<Finished>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { kill: () => child.kill('SIGKILL'), done };
}

/**
 * Opens the database read-write, as the next vdrift would, so that SQLite
 * recovers a WAL file left by a killed process, and reads what the checks need.
 */
function checkDatabase(database: string): DatabaseCheck {
  const db = new Database(database);
  try {
    const tables = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]);
    const integrity = db.pragma('integrity_check', { simple: false }) as { integrity_check: string }[];
    const foreignKeyViolations = (db.pragma('foreign_key_check') as unknown[]).length;
    const migrated = tables.has('schema_migrations') && db.prepare('SELECT count(*) FROM schema_migrations WHERE version = 1').pluck().get() === 1;
    const check: DatabaseCheck = {
      integrity: integrity.map((row) => row.integrity_check),
      foreignKeyViolations,
      schemaConsistent: migrated === tables.has('polls'),
      polls: [],
      hostsOfNewestPoll: 0,
      orphanRows: 0,
    };
    if (!tables.has('polls')) {
      return check;
    }

    check.polls = db.prepare('SELECT id, outcome, hosts_seen AS hostsSeen FROM polls ORDER BY id').all() as DatabaseCheck['polls'];
    const newest = check.polls.at(-1);
    if (newest) {
      check.hostsOfNewestPoll = db.prepare('SELECT count(*) FROM hosts WHERE last_seen_poll_id = ?').pluck().get(newest.id) as number;
    }
    check.orphanRows = db
      .prepare(
        `SELECT (SELECT count(*) FROM hosts WHERE last_seen_poll_id NOT IN (SELECT id FROM polls))
              + (SELECT count(*) FROM host_states WHERE first_poll_id NOT IN (SELECT id FROM polls))
              + (SELECT count(*) FROM findings WHERE first_poll_id NOT IN (SELECT id FROM polls))`,
      )
      .pluck()
      .get() as number;
    return check;
  } finally {
    db.close();
  }
}

/**
 * Asserts a consistent database: SQLite's checks pass, every stored poll is
 * complete with all its hosts, and no row names a poll that is not stored.
 * A missing database file counts as an empty one.
 */
function expectConsistent(database: string, label: string): DatabaseCheck {
  if (!existsSync(database)) {
    return { integrity: ['ok'], foreignKeyViolations: 0, schemaConsistent: true, polls: [], hostsOfNewestPoll: 0, orphanRows: 0 };
  }
  const check = checkDatabase(database);
  expect(check.integrity, label).to.deep.equal(['ok']);
  expect(check.foreignKeyViolations, label).to.equal(0);
  expect(check.schemaConsistent, label).to.equal(true);
  expect(check.orphanRows, label).to.equal(0);
  for (const poll of check.polls) {
    expect(poll.outcome, `${label}: poll ${poll.id}`).to.equal('complete');
    expect(poll.hostsSeen, `${label}: poll ${poll.id}`).to.equal(HOSTS);
  }
  if (check.polls.length > 0) {
    expect(check.hostsOfNewestPoll, label).to.equal(HOSTS);
  }
  return check;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('crash safety', function () {
  this.timeout(120_000);
  let sim: Simulator;
  /** A database with two complete polls, copied into workspaces that need history. */
  let template: Workspace;

  before(async () => {
    sim = await startSimulator({ clusters: 5, clusterHosts: 100, standalone: 0 });
    template = newWorkspace();
    for (let poll = 1; poll <= 2; poll += 1) {
      const { code, stderr } = await template.run('poll');
      expect(code, stderr).to.equal(1);
    }
  });

  after(async () => {
    await sim?.stop();
  });

  function newWorkspace(): Workspace {
    return new Workspace(sim, { baselines: { 'esxi-hardened.json': starterBaseline() } });
  }

  /** Returns a workspace whose database is a copy of the template's, with its two polls. */
  function workspaceWithHistory(): Workspace {
    const ws = newWorkspace();
    copyFileSync(template.database, ws.database);
    if (existsSync(`${template.database}-wal`)) {
      copyFileSync(`${template.database}-wal`, `${ws.database}-wal`);
    }
    return ws;
  }

  async function expectNextPollSucceeds(ws: Workspace, pollsBefore: number, label: string): Promise<void> {
    const { code, body, stderr } = await ws.json<PollJson>('poll');
    expect(code, `${label}: ${stderr}`).to.equal(1);
    expect(body.polls[0]!.outcome, label).to.equal('complete');
    expect(body.polls[0]!.hostsSeen, label).to.equal(HOSTS);
    const check = expectConsistent(ws.database, label);
    expect(check.polls.length, label).to.equal(pollsBefore + 1);
  }

  describe('when a poll is killed', () => {
    const undisturbedMs = { fresh: 0, history: 0 };
    let kills = 0;

    // The shorter of two undisturbed runs, so that late kill points still
    // fall before the end of a run that happens to be quick.
    before(async () => {
      for (const mode of ['fresh', 'history'] as const) {
        undisturbedMs[mode] = Infinity;
        for (let run = 1; run <= 2; run += 1) {
          const ws = mode === 'fresh' ? newWorkspace() : workspaceWithHistory();
          const started = performance.now();
          const result = await startPoll(ws).done;
          undisturbedMs[mode] = Math.min(undisturbedMs[mode], performance.now() - started);
          expect(result.code, result.stderr).to.equal(1);
        }
      }
    });

    KILL_POINTS.forEach((fraction, index) => {
      const mode = index % 2 === 0 ? 'fresh' : 'history';
      const percent = Math.round(fraction * 100);

      it(`survives SIGKILL at ${percent} %, ${mode}`, async () => {
        const ws = mode === 'fresh' ? newWorkspace() : workspaceWithHistory();
        const pollsBefore = mode === 'fresh' ? 0 : 2;
        const delayMs = Math.round(undisturbedMs[mode] * fraction);
        const label = `${mode} database killed after ${delayMs} ms of ${Math.round(undisturbedMs[mode])} ms`;

        const poll = startPoll(ws);
        const timer = setTimeout(() => poll.kill(), delayMs);
        const result = await poll.done;
        clearTimeout(timer);
        if (result.signal === 'SIGKILL') {
          kills += 1;
        } else {
          // The poll beat the timer; the checks below still hold for it.
          expect(result.code, `${label}: ${result.stderr}`).to.equal(1);
        }

        // The killed poll is stored whole or not at all.
        const check = expectConsistent(ws.database, label);
        expect(check.polls.length, label).to.be.oneOf([pollsBefore, pollsBefore + 1]);
        await expectNextPollSucceeds(ws, check.polls.length, label);
      });
    });

    it('killed at least eight polls', () => {
      expect(kills).to.be.at.least(8);
    });
  });

  describe('when two polls start together', () => {
    /** Starts two polls at once and checks that each finishes, or fails only because the database was locked. */
    async function runTwo(ws: Workspace, pollsBefore: number, label: string, release?: () => Promise<void>): Promise<void> {
      const runs = [startPoll(ws), startPoll(ws)];
      await release?.();
      const results = await Promise.all(runs.map((run) => run.done));

      let completed = 0;
      for (const [index, result] of results.entries()) {
        const name = `${label}, poll ${index + 1}`;
        if (result.code === 0 || result.code === 1) {
          completed += 1;
          expect((JSON.parse(result.stdout) as PollJson).polls[0]!.outcome, name).to.equal('complete');
        } else {
          const message = result.stderr.split('\n').filter((line) => !line.startsWith('{"level"')).join('\n');
          expect(message, `${name} exited with ${result.code}: ${message}`).to.match(/database is locked|database is busy/i);
        }
      }
      expect(completed, label).to.be.at.least(1);

      const check = expectConsistent(ws.database, label);
      expect(check.polls.length, label).to.equal(pollsBefore + completed);
    }

    it('both finish on an existing database', async () => {
      for (let round = 1; round <= 3; round += 1) {
        const ws = workspaceWithHistory();
        await runTwo(ws, 2, `round ${round}`);
      }
    });

    it('both finish on a fresh database', async () => {
      for (let round = 1; round <= 3; round += 1) {
        const ws = newWorkspace();
        await runTwo(ws, 0, `round ${round}`);
      }
    });

    it('both finish after waiting on a lock', async () => {
      // Another connection keeps the write lock of a new database while both
      // polls start, so both reach the first migration before either can
      // write. That is what happens when they start during another process's
      // write. schema_migrations exists but is empty, which is how a poll
      // leaves it when it is killed before its first migration commits.
      const ws = newWorkspace();
      const holder = new Database(ws.database);
      holder.pragma('journal_mode = WAL');
      holder.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
      holder.exec('BEGIN IMMEDIATE');
      try {
        await runTwo(ws, 0, 'after the lock', async () => {
          // Long enough for both processes to start and block, well inside their 10 s busy timeout.
          await sleep(3_000);
          holder.exec('ROLLBACK');
        });
      } finally {
        holder.close();
      }
    });
  });
});
