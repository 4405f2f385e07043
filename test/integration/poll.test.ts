// The walking skeleton end to end: the real vdrift process polls the
// simulator over HTTP and writes a real SQLite file.
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { Workspace, baselineDocument } from '../helpers/cli.js';
import { closedPort } from '../helpers/receivers.js';
import { startSimulator, type SimHost, type Simulator } from '../helpers/vcsim.js';
import { AdminClient } from '../helpers/vsphere-admin.js';

interface FindingJson {
  fingerprint: string;
  rule: string;
  severity: string;
  status: string;
  host: string;
  ruleset: string | null;
  actual: Record<string, unknown>;
  message: string;
  firstSeen: string;
  lastSeen: string;
}

interface PollJson {
  polls: { outcome: string; hostsSeen: number; hostsChecked: number }[];
  findings: FindingJson[];
}

function countRows(database: string, table: string): number {
  const db = new Database(database, { readonly: true });
  try {
    return db.prepare(`SELECT count(*) AS n FROM ${table}`).pluck().get() as number;
  } finally {
    db.close();
  }
}

/** A baseline for one host whose sshServer list must stay inside 10.0.0.0/8 or 2001:db8::/32. */
function restrictedSsh(host: string): Record<string, unknown> {
  return baselineDocument({
    id: 'restricted-ssh',
    scope: { hosts: [host] },
    rulesets: {
      sshServer: { management: true, enabled: true, allowedHosts: { mode: 'within', networks: ['10.0.0.0/8', '2001:db8::/32'] } },
    },
  });
}

describe('vdrift poll against the simulator', function () {
  this.timeout(120_000);
  let sim: Simulator;
  let hosts: SimHost[];
  let admin: AdminClient;

  before(async () => {
    sim = await startSimulator({ clusters: 1, clusterHosts: 3, standalone: 1 });
    hosts = await sim.listHosts();
    admin = await AdminClient.login(sim.url, sim.username, sim.password);
  });

  after(async () => {
    await sim?.stop();
  });

  function firewallOf(name: string): string {
    return hosts.find((host) => host.name === name)!.firewallSystem;
  }

  describe('with the starter baseline', () => {
    it('flags every host of a fresh inventory', async () => {
      const ws = new Workspace(sim, { baselines: {} });
      ws.writeBaseline('esxi-hardened.json', await import('../../baselines/esxi-hardened.json', { with: { type: 'json' } }).then((m) => m.default));
      const { code, body } = await ws.json<PollJson>('poll');
      expect(code).to.equal(1);
      expect(body.polls[0]!.hostsChecked).to.equal(hosts.length);
      const flagged = new Set(body.findings.filter((f) => f.rule === 'management-ruleset-allow-all').map((f) => f.host));
      expect([...flagged].sort()).to.deep.equal(hosts.map((h) => h.name).sort());
    });
  });

  describe('with a baseline captured from a cluster host', () => {
    let ws: Workspace;
    let captureWarning = '';
    const target = 'DC0_C0_H0';

    before(async () => {
      ws = new Workspace(sim, { baselines: { 'empty.json': baselineDocument({ id: 'seed', scope: { vcenters: ['none'] } }) } });
      await ws.run('poll');
      const capture = await ws.run('baseline', 'capture', '--host', target, '--approved-by', 'tester', '--ticket', 'CHG-42');
      expect(capture.code, capture.stderr).to.equal(0);
      captureWarning = capture.stderr;
      ws.writeBaseline('captured.json', capture.stdout);
    });

    it('warns that allow-all is approved', () => {
      expect(captureWarning).to.contain(`warning: ${target} lets every address reach`);
      expect(captureWarning).to.match(/management rulesets [^;]*sshServer/);
    });

    it('reports no findings for the cluster', async () => {
      const { body } = await ws.json<PollJson>('poll');
      const clusterFindings = body.findings.filter((f) => f.host.startsWith('DC0_C0_'));
      expect(clusterFindings).to.deep.equal([]);
    });

    it('flags one disabled management ruleset', async () => {
      const before = await ws.json<PollJson>('poll');
      await admin.disableRuleset(firewallOf(target), 'sshServer');
      try {
        const after = await ws.json<PollJson>('poll');
        const known = new Set(before.body.findings.map((f) => f.fingerprint));
        const added = after.body.findings.filter((f) => !known.has(f.fingerprint));
        expect(added.map((f) => `${f.rule} ${f.host} ${f.ruleset}`)).to.deep.equal([`management-ruleset-disabled ${target} sshServer`]);
        expect(added[0]!.severity).to.equal('high');
      } finally {
        await admin.enableRuleset(firewallOf(target), 'sshServer');
      }
      const restored = await ws.json<PollJson>('poll');
      expect(restored.body.findings.filter((f) => f.host === target)).to.deep.equal([]);
    });

    it('adds no snapshot rows in twenty unchanged polls', async () => {
      await ws.run('poll');
      const snapshots = countRows(ws.database, 'snapshots');
      const states = countRows(ws.database, 'host_states');
      for (let i = 0; i < 20; i += 1) {
        const result = await ws.run('poll');
        expect(result.code, result.stderr).to.be.oneOf([0, 1]);
      }
      expect(countRows(ws.database, 'snapshots')).to.equal(snapshots);
      expect(countRows(ws.database, 'host_states')).to.equal(states);
    });
  });

  describe('with a restricted management ruleset', () => {
    const target = 'DC0_C0_H1';
    let ws: Workspace;

    before(async () => {
      ws = new Workspace(sim, { baselines: { 'restricted.json': restrictedSsh(target) } });
      await admin.updateRuleset(firewallOf(target), 'sshServer', { allIp: false, ipAddress: ['10.1.2.3'] });
    });

    after(async () => {
      await admin.updateRuleset(firewallOf(target), 'sshServer', { allIp: true });
    });

    it('passes a list inside the approved networks', async () => {
      const { body } = await ws.json<PollJson>('poll');
      expect(body.findings.filter((f) => f.host === target)).to.deep.equal([]);
    });

    it('flags allow-all and resolves it when undone', async () => {
      await admin.updateRuleset(firewallOf(target), 'sshServer', { allIp: true });
      const opened = await ws.json<PollJson>('poll');
      const finding = opened.body.findings.find((f) => f.host === target);
      expect(finding?.rule).to.equal('management-ruleset-allow-all');
      expect(finding?.ruleset).to.equal('sshServer');

      await admin.updateRuleset(firewallOf(target), 'sshServer', { allIp: false, ipAddress: ['10.1.2.3'] });
      const closed = await ws.json<PollJson>('poll');
      expect(closed.body.findings.filter((f) => f.host === target)).to.deep.equal([]);
      const history = await ws.json<{ findings: FindingJson[] }>('findings', '--all');
      const resolved = history.body.findings.find((f) => f.fingerprint === finding!.fingerprint);
      expect(resolved?.status).to.equal('resolved');
    });

    it('names IPv4 and IPv6 networks outside the baseline', async () => {
      await admin.updateRuleset(firewallOf(target), 'sshServer', {
        allIp: false,
        ipAddress: ['10.1.2.3', '2001:db8::10'],
        ipNetwork: [
          { network: '192.0.2.0', prefixLength: 24 },
          { network: '2001:0db9:0000::', prefixLength: 48 },
        ],
      });
      try {
        const { body } = await ws.json<PollJson>('poll');
        const finding = body.findings.find((f) => f.host === target);
        expect(finding?.rule).to.equal('allowed-ips-outside-baseline');
        expect(finding?.actual).to.deep.equal({ allIp: false, outside: ['192.0.2.0/24', '2001:db9::/48'] });
        expect(finding?.message).to.contain('192.0.2.0/24').and.contain('2001:db9::/48');
      } finally {
        await admin.updateRuleset(firewallOf(target), 'sshServer', { allIp: false, ipAddress: ['10.1.2.3'] });
      }
      const { body } = await ws.json<PollJson>('poll');
      expect(body.findings.filter((f) => f.host === target)).to.deep.equal([]);
    });

    it('flags an open default policy as critical', async () => {
      await admin.updateDefaultPolicy(firewallOf(target), { incomingBlocked: false });
      try {
        const { body } = await ws.json<PollJson>('poll');
        const finding = body.findings.find((f) => f.host === target);
        expect(finding?.rule).to.equal('default-policy-open');
        expect(finding?.severity).to.equal('critical');
      } finally {
        await admin.updateDefaultPolicy(firewallOf(target), { incomingBlocked: true });
      }
      const { body } = await ws.json<PollJson>('poll');
      expect(body.findings.filter((f) => f.host === target)).to.deep.equal([]);
    });
  });

  describe('when not everything is clear', () => {
    it('never calls a failed poll clear', async () => {
      const ws = new Workspace(sim, { baselines: { 'restricted.json': restrictedSsh('DC0_C0_H0') }, vcenter: { url: `http://127.0.0.1:${await closedPort()}/sdk` } });
      const result = await ws.run('poll');
      expect(result.code).to.equal(3);
      expect(result.stdout).to.contain('sim: poll failed:');
      expect(result.stdout).to.contain('not every host was read: sim could not be polled completely');
    });

    it('exits 0 when exceptions accept every finding', async () => {
      const target = 'DC0_C0_H0';
      // Hosts outside the scope get a baseline with no rules, so they raise no host-not-checked findings.
      const ws = new Workspace(sim, { baselines: { 'restricted.json': restrictedSsh(target), 'others.json': baselineDocument({ id: 'others', defaultPolicy: {} }) } });
      expect((await ws.run('poll')).code).to.equal(1);
      const expires = new Date(Date.now() + 86_400_000).toISOString();
      const added = await ws.run('exception', 'add', '--host', target, '--ruleset', 'sshServer', '--rule', 'management-ruleset-allow-all', '--reason', 'vendor access', '--approved-by', 'ciso', '--expires', expires);
      expect(added.code, added.stderr).to.equal(0);
      const result = await ws.run('poll');
      expect(result.code).to.equal(0);
      expect(result.stdout).to.contain('1 open finding on 1 host: 1 high (1 accepted by exceptions)');
    });
  });

  describe('with hosts vCenter cannot reach', () => {
    for (const state of ['disconnected', 'notResponding'] as const) {
      it(`reports a ${state} host as not checked`, async () => {
        const target = 'DC0_C0_H2';
        const ws = new Workspace(sim, { baselines: { 'restricted.json': restrictedSsh(target) } });
        const before = await ws.json<PollJson>('poll');
        expect(before.body.findings.filter((f) => f.host === target).map((f) => f.rule)).to.deep.equal(['management-ruleset-allow-all']);

        await sim.setHost(target, { connectionState: state });
        try {
          const { body } = await ws.json<PollJson>('poll');
          const mine = body.findings.filter((f) => f.host === target);
          expect(mine.map((f) => f.rule)).to.include('host-not-checked');
          const notChecked = mine.find((f) => f.rule === 'host-not-checked')!;
          expect(notChecked.actual).to.include({ reason: state === 'disconnected' ? 'disconnected' : 'not-responding' });
          // The ruleset finding is neither re-confirmed nor resolved while the host is unreadable.
          const ruleset = mine.find((f) => f.rule === 'management-ruleset-allow-all')!;
          const earlier = before.body.findings.find((f) => f.fingerprint === ruleset.fingerprint)!;
          expect(ruleset.lastSeen).to.equal(earlier.lastSeen);
        } finally {
          await sim.setHost(target, { connectionState: 'connected' });
        }
      });
    }
  });
});

describe('vdrift poll paging', function () {
  this.timeout(120_000);
  let sim: Simulator;

  before(async () => {
    sim = await startSimulator({ clusters: 2, clusterHosts: 4, standalone: 2 });
  });

  after(async () => {
    await sim?.stop();
  });

  it('collects ten hosts two objects at a time', async () => {
    const ws = new Workspace(sim, { maxObjects: 2, baselines: { 'all.json': baselineDocument() } });
    await sim.resetStats();
    const { body } = await ws.json<PollJson>('poll');
    expect(body.polls[0]!.hostsSeen).to.equal(10);
    expect(body.polls[0]!.hostsChecked).to.equal(10);
    const stats = await sim.stats();
    // 10 hosts and 4 compute resources (2 clusters, 2 standalone) in pages of 2.
    expect(stats.ContinueRetrievePropertiesEx).to.equal(6);
  });
});
