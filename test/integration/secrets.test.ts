// The vCenter password stays out of every output and file that vdrift
// writes: stdout and stderr of each command (debug logs included), error
// messages of failed logins and connections, and the database files. The
// suite also covers both password sources and the file modes that keep
// secrets private.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packagePath } from '../../src/model/paths.js';
import { Workspace, type CliResult } from '../helpers/cli.js';
import { logLines, starterBaseline } from '../helpers/database-state.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { closedPort } from '../helpers/receivers.js';
import { startSimulator, type Simulator } from '../helpers/vcsim.js';

interface PollJson {
  polls: { outcome: string; error: string | null; hostsSeen: number }[];
}

const PASSWORDS = [
  { label: 'a plain password', password: 'Ve3y-Distinct!pass#2026' },
  { label: 'XML-special characters', password: 'Ve3y-Distinct&<"pass#2026' },
];

/** A password the simulator rejects, just as distinctive, for the InvalidLogin case. */
const WRONG_PASSWORD = 'Wr0ng-Distinct!pass#2026';

/** Returns the forms in which a password could leak: as is, JSON-escaped, XML-escaped and URL-encoded. */
function encodings(password: string): string[] {
  const xml = password.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
  return [...new Set([password, JSON.stringify(password).slice(1, -1), xml, encodeURIComponent(password)])];
}

/** Returns the encodings of any of passwords that text contains. */
function leaks(text: string | Buffer, passwords: string[]): string[] {
  const haystack = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  return passwords.flatMap(encodings).filter((form) => haystack.includes(Buffer.from(form, 'utf8')));
}

/** Returns the config that Workspace writes, with the given vcenter keys replaced. */
function configFor(sim: Simulator, vcenter: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    database: './vdrift.db',
    baselines: './baselines',
    vcenters: [{ name: 'sim', url: sim.url, username: sim.username, passwordEnv: 'VDRIFT_TEST_PASSWORD', ...vcenter }],
  };
}

function modeOf(file: string): string {
  return (statSync(file).mode & 0o777).toString(8).padStart(4, '0');
}

describe('password secrecy', function () {
  this.timeout(60_000);

  for (const { label, password } of PASSWORDS) {
    describe(`with ${label}`, () => {
      let sim: Simulator;
      let ws: Workspace;
      let host: string;
      const secrets = [password, WRONG_PASSWORD];

      before(async () => {
        sim = await startSimulator({ password, clusters: 1, clusterHosts: 2, standalone: 1 });
        host = (await sim.listHosts())[0]!.name;
        ws = new Workspace(sim, { baselines: { 'esxi-hardened.json': starterBaseline() } });
        ws.env.VDRIFT_LOG_LEVEL = 'debug';
      });

      after(async () => {
        await sim?.stop();
      });

      /** Checks that neither output stream of result contains a password in any form. */
      function expectNoLeak(result: CliResult): void {
        expect(leaks(result.stdout, secrets), `stdout: ${result.stdout}`).to.deep.equal([]);
        expect(leaks(result.stderr, secrets), `stderr: ${result.stderr}`).to.deep.equal([]);
      }

      it('polls with debug logs', async () => {
        const result = await ws.run('poll', '--json');
        expect(result.code, result.stderr).to.equal(1);
        expect((JSON.parse(result.stdout) as PollJson).polls[0]!.outcome).to.equal('complete');
        expect(logLines(result.stderr).some((line) => line.level === 'info')).to.equal(true);
        expectNoLeak(result);
      });

      it('lists findings', async () => {
        const result = await ws.run('findings');
        expect(result.code, result.stderr).to.equal(1);
        expectNoLeak(result);
      });

      it('captures a baseline', async () => {
        const result = await ws.run('baseline', 'capture', '--host', host);
        expect(result.code, result.stderr).to.equal(0);
        expectNoLeak(result);
      });

      it('reports a refused connection', async () => {
        const port = await closedPort();
        ws.writeConfig(configFor(sim, { url: `http://127.0.0.1:${port}/sdk` }));
        try {
          const result = await ws.run('poll', '--json');
          expect(result.code, result.stderr).to.equal(3);
          expect((JSON.parse(result.stdout) as PollJson).polls[0]!.error).to.contain('ECONNREFUSED');
          expectNoLeak(result);
        } finally {
          ws.writeConfig(configFor(sim));
        }
      });

      it('reports a wrong password', async () => {
        ws.env.VDRIFT_TEST_PASSWORD = WRONG_PASSWORD;
        try {
          const result = await ws.run('poll', '--json');
          expect(result.code, result.stderr).to.equal(3);
          expect((JSON.parse(result.stdout) as PollJson).polls[0]!.error).to.contain('InvalidLogin');
          expectNoLeak(result);
        } finally {
          ws.env.VDRIFT_TEST_PASSWORD = password;
        }
      });

      it('rejects a password in the URL', async () => {
        const url = new URL(sim.url);
        const withCredentials = `http://${sim.username}:${encodeURIComponent(password)}@${url.host}${url.pathname}`;
        ws.writeConfig(configFor(sim, { url: withCredentials }));
        try {
          const result = await ws.run('poll');
          expect(result.code).to.equal(2);
          expect(result.stderr).to.contain('vcenters[0].url');
          expectNoLeak(result);
        } finally {
          ws.writeConfig(configFor(sim));
        }
      });

      it('hides it in a malformed URL', async () => {
        // "http//" lacks its colon, so the URL does not parse, and the check
        // for credentials in URLs never runs on it.
        const url = new URL(sim.url);
        ws.writeConfig(configFor(sim, { url: `http//${sim.username}:${password}@${url.host}${url.pathname}` }));
        try {
          const result = await ws.run('poll');
          expect(result.code).to.equal(2);
          expect(result.stderr).to.contain('vcenters[0].url');
          expectNoLeak(result);
        } finally {
          ws.writeConfig(configFor(sim));
        }
      });

      it('keeps the database files clean', () => {
        const files = [ws.database, `${ws.database}-wal`, `${ws.database}-shm`].filter((file) => existsSync(file));
        expect(files).to.include(ws.database);
        for (const file of files) {
          expect(leaks(readFileSync(file), secrets), file).to.deep.equal([]);
        }
      });
    });
  }

  describe('password sources', () => {
    const password = PASSWORDS[1]!.password;
    let sim: Simulator;

    before(async () => {
      sim = await startSimulator({ password, clusters: 1, clusterHosts: 1, standalone: 1 });
    });

    after(async () => {
      await sim?.stop();
    });

    /** Creates a workspace whose config reads the password from vc.password, a file with this mode. */
    function passwordFileWorkspace(mode: number): { ws: Workspace; passwordFile: string } {
      const ws = new Workspace(sim, { baselines: { 'esxi-hardened.json': starterBaseline() } });
      const passwordFile = join(ws.dir, 'vc.password');
      writeFileSync(passwordFile, `${password}\n`);
      chmodSync(passwordFile, mode);
      ws.writeConfig(configFor(sim, { passwordEnv: undefined, passwordFile: './vc.password' }));
      delete ws.env.VDRIFT_TEST_PASSWORD;
      return { ws, passwordFile };
    }

    it('reads passwordEnv', async () => {
      const ws = new Workspace(sim, { baselines: { 'esxi-hardened.json': starterBaseline() } });
      const { code, body, stderr } = await ws.json<PollJson>('poll');
      expect(code, stderr).to.equal(1);
      expect(body.polls[0]!.outcome).to.equal('complete');
    });

    it('reads passwordFile', async () => {
      const { ws } = passwordFileWorkspace(0o600);
      const { code, body, stderr } = await ws.json<PollJson>('poll');
      expect(code, stderr).to.equal(1);
      expect(body.polls[0]!.outcome).to.equal('complete');
    });

    it('accepts a private password file silently', async () => {
      const { ws, passwordFile } = passwordFileWorkspace(0o600);
      const { stderr } = await ws.run('poll');
      expect(stderr).to.not.contain(passwordFile);
    });

    it('warns about a readable password file', async () => {
      const { ws, passwordFile } = passwordFileWorkspace(0o644);
      const { code, stderr } = await ws.run('poll');
      expect(code, stderr).to.equal(1);
      const warnings = logLines(stderr).filter(
        (line) => line.level === 'warn' && String(line.message).includes(`password file ${passwordFile}`),
      );
      expect(warnings, stderr).to.have.length(1);
      expect(warnings[0]!.message).to.contain('mode 0644');
    });

    it('warns about a readable config file', async () => {
      const ws = new Workspace(sim, { baselines: { 'esxi-hardened.json': starterBaseline() } });
      const configFile = join(ws.dir, 'config.json');
      chmodSync(configFile, 0o644);
      const { code, stderr } = await ws.run('poll');
      expect(code, stderr).to.equal(1);
      const warnings = logLines(stderr).filter(
        (line) => line.level === 'warn' && String(line.message).startsWith(`${configFile}: config file`),
      );
      expect(warnings, stderr).to.have.length(1);
      expect(warnings[0]!.message).to.contain('mode 0644');
    });
  });

  describe('database file modes', () => {
    let sim: Simulator;
    let proxy: FaultProxy;

    before(async () => {
      sim = await startSimulator({ clusters: 1, clusterHosts: 1, standalone: 0 });
      proxy = await startFaultProxy(sim.url);
    });

    after(async () => {
      await proxy?.stop();
      await sim?.stop();
    });

    it('creates the database with mode 0600', async () => {
      const ws = new Workspace(sim, { baselines: { 'esxi-hardened.json': starterBaseline() } });
      const { code, stderr } = await ws.run('poll');
      expect(code, stderr).to.equal(1);
      expect(modeOf(ws.database)).to.equal('0600');
    });

    it('keeps -wal and -shm private', async () => {
      // The delay keeps the poll waiting between its first database write
      // and its close. SQLite keeps the -wal and -shm files during that
      // time, so the test reads the modes SQLite gives them in vdrift's process.
      const ws = new Workspace(sim, { baselines: { 'esxi-hardened.json': starterBaseline() }, vcenter: { url: proxy.url } });
      proxy.addRule({ method: 'RetrievePropertiesEx', times: 1, action: { kind: 'delay', ms: 3_000 } });
      const child = spawn(process.execPath, [packagePath('bin', 'vdrift.js'), 'poll'], {
        cwd: ws.dir,
        env: { PATH: process.env.PATH, ...ws.env },
        stdio: 'ignore',
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

      const wal = `${ws.database}-wal`;
      const shm = `${ws.database}-shm`;
      const deadline = Date.now() + 20_000;
      while (!(existsSync(wal) && existsSync(shm)) && child.exitCode === null && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const walMode = existsSync(wal) ? modeOf(wal) : 'missing';
      const shmMode = existsSync(shm) ? modeOf(shm) : 'missing';
      const code = await exited;

      expect(code).to.equal(1);
      expect(walMode).to.equal('0600');
      expect(shmMode).to.equal('0600');
    });
  });
});
