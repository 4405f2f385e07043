// Bad input stops vdrift before it polls or writes anything: exit code 2,
// a message that names the file and the key, and an untouched database.
import { expect } from 'chai';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Workspace, baselineDocument } from '../helpers/cli.js';
import { startSimulator, type Simulator } from '../helpers/vcsim.js';

describe('vdrift with bad input', function () {
  this.timeout(60_000);
  let sim: Simulator;

  before(async () => {
    sim = await startSimulator({ clusterHosts: 1, standalone: 0 });
  });

  after(async () => {
    await sim?.stop();
  });

  /** Polls once so the database exists, then returns a fingerprint of its bytes. */
  async function pollOnce(ws: Workspace): Promise<string> {
    const first = await ws.run('poll');
    expect(first.code, first.stderr).to.be.oneOf([0, 1]);
    return databaseBytes(ws);
  }

  function databaseBytes(ws: Workspace): string {
    if (!existsSync(ws.database)) {
      return 'missing';
    }
    const wal = join(`${ws.database}-wal`);
    const walSize = existsSync(wal) ? statSync(wal).size : 0;
    return `${readFileSync(ws.database).toString('base64')}:${walSize}`;
  }

  it('rejects malformed config JSON with its line', async () => {
    const ws = new Workspace(sim, { baselines: { 'b.json': baselineDocument() } });
    const before = await pollOnce(ws);
    ws.writeConfig('{\n  "database": "./vdrift.db",\n  "vcenters": [\n}');
    const result = await ws.run('poll');
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain(join(ws.dir, 'config.json'));
    expect(result.stderr).to.match(/line 4/);
    expect(databaseBytes(ws)).to.equal(before);
  });

  it('suggests the key for an unknown one', async () => {
    const ws = new Workspace(sim, { baselines: { 'b.json': baselineDocument() }, vcenter: { maxObject: 5 } });
    const result = await ws.run('poll');
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain(join(ws.dir, 'config.json'));
    expect(result.stderr).to.contain('vcenters[0].maxObject');
    expect(result.stderr).to.contain('did you mean "maxObjects"');
    expect(existsSync(ws.database)).to.equal(false);
  });

  it('rejects an invalid baseline network', async () => {
    const ws = new Workspace(sim, { baselines: { 'b.json': baselineDocument() } });
    const before = await pollOnce(ws);
    ws.writeBaseline('bad.json', baselineDocument({ id: 'bad', rulesets: { sshServer: { allowedHosts: { mode: 'within', networks: ['192.0.2.300/24'] } } } }));
    const result = await ws.run('poll');
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain(join(ws.dir, 'baselines', 'bad.json'));
    expect(result.stderr).to.contain('rulesets.sshServer.allowedHosts.networks[0]');
    expect(result.stderr).to.contain('192.0.2.300/24');
    expect(databaseBytes(ws)).to.equal(before);
  });

  it('names a missing password variable', async () => {
    const ws = new Workspace(sim, { baselines: { 'b.json': baselineDocument() } });
    const before = await pollOnce(ws);
    delete ws.env.VDRIFT_TEST_PASSWORD;
    const failed = await ws.run('poll');
    expect(failed.code).to.equal(2);
    expect(failed.stderr).to.contain('vcenters[0].passwordEnv');
    expect(failed.stderr).to.contain('VDRIFT_TEST_PASSWORD');
    expect(databaseBytes(ws)).to.equal(before);
  });

  it('reads findings without the password', async () => {
    const ws = new Workspace(sim, { baselines: { 'b.json': baselineDocument({ rulesetDefaults: { allowedHosts: { mode: 'restricted' } } }) } });
    await pollOnce(ws);
    delete ws.env.VDRIFT_TEST_PASSWORD;
    const findings = await ws.run('findings');
    const validate = await ws.run('baseline', 'validate');
    expect(findings.code, findings.stderr).to.equal(1);
    expect(validate.code, validate.stderr).to.equal(0);
    expect(validate.stdout).to.contain('b.json: valid');
  });

  it('exits 2 on an unknown option', async () => {
    const ws = new Workspace(sim);
    const result = await ws.run('poll', '--jsn');
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('--jsn');
  });

  it('exits 3 when the vCenter refuses the login', async () => {
    const ws = new Workspace(sim, { baselines: { 'b.json': baselineDocument() } });
    ws.env.VDRIFT_TEST_PASSWORD = 'wrong-password-123';
    const { code, body } = await ws.json<{ polls: { outcome: string; error: string }[] }>('poll');
    expect(code).to.equal(3);
    expect(body.polls[0]!.outcome).to.equal('failed');
    expect(body.polls[0]!.error).to.contain('InvalidLogin');
    expect(body.polls[0]!.error).to.not.contain('wrong-password-123');
  });
});
