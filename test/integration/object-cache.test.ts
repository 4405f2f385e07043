// Polls decode only objects whose bytes changed since the last poll, even
// in a new process, and what they reuse equals what a fresh decode returns.
import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { Workspace, baselineDocument } from '../helpers/cli.js';
import { startSimulator, type Simulator } from '../helpers/vcsim.js';
import { AdminClient } from '../helpers/vsphere-admin.js';

interface PollJson {
  polls: { objectsDecoded: number; objectsReused: number; hostsSeen: number }[];
  findings: { fingerprint: string; host: string; rule: string; ruleset: string | null; lastSeen: string }[];
}

describe('poll with stored decodings', function () {
  this.timeout(60_000);
  let sim: Simulator;
  const objects = 7 + 3;

  before(async () => {
    sim = await startSimulator({ clusters: 2, clusterHosts: 3, standalone: 1 });
  });

  after(async () => {
    await sim?.stop();
  });

  function workspace(): Workspace {
    const baseline = baselineDocument({ rulesetDefaults: { allowedHosts: { mode: 'restricted' } }, rulesets: { sshServer: { management: true, enabled: true } } });
    return new Workspace(sim, { maxObjects: 3, baselines: { 'b.json': baseline } });
  }

  it('decodes nothing when nothing changed', async () => {
    const ws = workspace();
    const first = await ws.json<PollJson>('poll');
    const second = await ws.json<PollJson>('poll');
    expect(first.body.polls[0]!.objectsDecoded).to.equal(objects);
    expect(second.body.polls[0]!.objectsDecoded).to.equal(0);
    expect(second.body.polls[0]!.objectsReused).to.equal(objects);
    expect(second.body.findings.map((f) => f.fingerprint)).to.deep.equal(first.body.findings.map((f) => f.fingerprint));
  });

  it('finds what a fresh database finds', async () => {
    const ws = workspace();
    await ws.run('poll');
    const reused = await ws.json<PollJson>('poll');
    for (const suffix of ['', '-wal', '-shm']) {
      rmSync(`${ws.database}${suffix}`, { force: true });
    }
    const fresh = await ws.json<PollJson>('poll');
    expect(reused.body.polls[0]!.objectsDecoded).to.equal(0);
    expect(fresh.body.polls[0]!.objectsDecoded).to.equal(objects);
    const identity = (body: PollJson) => body.findings.map((f) => `${f.host} ${f.rule} ${f.ruleset}`).sort();
    expect(identity(reused.body)).to.deep.equal(identity(fresh.body));
  });

  it('decodes only the changed host', async () => {
    const ws = workspace();
    await ws.run('poll');
    const target = (await sim.listHosts()).find((h) => h.name === 'DC0_C1_H1')!;
    const admin = await AdminClient.login(sim.url, sim.username, sim.password);
    await admin.disableRuleset(target.firewallSystem, 'sshServer');
    try {
      const after = await ws.json<PollJson>('poll');
      expect(after.body.polls[0]!.objectsDecoded).to.equal(1);
      const disabled = after.body.findings.filter((f) => f.rule === 'management-ruleset-disabled');
      expect(disabled.map((f) => f.host)).to.deep.equal(['DC0_C1_H1']);
    } finally {
      await admin.enableRuleset(target.firewallSystem, 'sshServer');
      await admin.logout();
    }
  });

  it('follows a host into another state', async () => {
    const ws = workspace();
    await ws.run('poll');
    await sim.setHost('DC0_H0', { connectionState: 'disconnected' });
    try {
      const after = await ws.json<PollJson>('poll');
      expect(after.body.polls[0]!.objectsDecoded).to.equal(1);
      expect(after.body.findings.filter((f) => f.host === 'DC0_H0').map((f) => f.rule)).to.include('host-not-checked');
    } finally {
      await sim.setHost('DC0_H0', { connectionState: 'connected' });
    }
  });
});
