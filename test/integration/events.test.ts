// vCenter events end to end: who changed it, changes undone between polls,
// targeted re-reads in vdrift run, the firewall on/off probe, broad changes
// and authorized administrators.
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { Workspace, baselineDocument } from '../helpers/cli.js';
import { HttpReceiver } from '../helpers/receivers.js';
import { ServiceProcess } from '../helpers/service.js';
import { startSimulator, type SimHost, type Simulator } from '../helpers/vcsim.js';
import { AdminClient } from '../helpers/vsphere-admin.js';

interface FindingJson {
  rule: string;
  severity: string;
  host: string | null;
  ruleset: string | null;
  message: string;
  actual: Record<string, unknown>;
  attribution: { userName: string; at: string; eventTypeId: string; authorized: boolean | null } | null;
}

interface PollJson {
  polls: { outcome: string; hostsChecked: number; firewallStateUnknown: { host: string; error: string }[] }[];
  findings: FindingJson[];
}

const SSH = baselineDocument({ rulesets: { sshServer: { management: true, enabled: true, allowedHosts: { mode: 'restricted' } } } });

describe('firewall events and probes', function () {
  this.timeout(120_000);
  let sim: Simulator;
  let hosts: SimHost[];
  let admin: AdminClient;

  before(async () => {
    sim = await startSimulator({ clusters: 1, clusterHosts: 6, standalone: 0 });
    hosts = await sim.listHosts();
    admin = await AdminClient.login(sim.url, sim.username, sim.password);
  });

  beforeEach(async () => {
    for (const host of hosts) {
      await admin.updateRuleset(host.firewallSystem, 'sshServer', { allIp: false });
    }
  });

  after(async () => {
    await sim?.stop();
  });

  function workspace(extra: Record<string, unknown> = {}, baseline = SSH): Workspace {
    const ws = new Workspace(sim, { baselines: { 'b.json': baseline } });
    ws.writeConfig({
      database: './vdrift.db',
      baselines: './baselines',
      vcenters: [{ name: 'sim', url: sim.url, username: sim.username, passwordEnv: 'VDRIFT_TEST_PASSWORD' }],
      ...extra,
    });
    return ws;
  }

  function countRows(ws: Workspace, sql: string): number {
    const db = new Database(ws.database, { readonly: true });
    try {
      return db.prepare(sql).pluck().get() as number;
    } finally {
      db.close();
    }
  }

  it('names who opened the finding', async () => {
    const ws = workspace();
    await ws.run('poll');
    const target = hosts[0]!;
    await admin.updateRuleset(target.firewallSystem, 'sshServer', { allIp: true });
    const { body } = await ws.json<PollJson>('poll');
    const finding = body.findings.find((f) => f.host === target.name)!;
    expect(finding.rule).to.equal('management-ruleset-allow-all');
    expect(finding.attribution?.userName).to.equal(sim.username);
    expect(finding.attribution?.eventTypeId).to.equal('esx.audit.net.firewall.config.changed');
    expect(finding.attribution?.at).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const table = await ws.run('findings');
    expect(table.stdout).to.contain(`changed by ${sim.username} at `);
  });

  it('raises change-between-polls for an undone change', async () => {
    const ws = workspace();
    await ws.run('poll');
    const target = hosts[1]!;
    await admin.updateRuleset(target.firewallSystem, 'sshServer', { allIp: true });
    await admin.updateRuleset(target.firewallSystem, 'sshServer', { allIp: false });
    const { body } = await ws.json<PollJson>('poll');
    const mine = body.findings.filter((f) => f.host === target.name);
    expect(mine.map((f) => f.rule)).to.deep.equal(['change-between-polls']);
    expect(mine[0]!.severity).to.equal('high');
    expect(mine[0]!.message).to.contain(`by ${sim.username}`);
    const again = await ws.json<PollJson>('poll');
    expect(again.body.findings.filter((f) => f.host === target.name)).to.deep.equal([]);
  });

  it('raises change-between-polls for a disable event', async () => {
    const ws = workspace();
    await ws.run('poll');
    const target = hosts[2]!;
    await sim.postEvent({ host: target.name, eventTypeId: 'esx.audit.net.firewall.disabled', userName: 'root' });
    const { body } = await ws.json<PollJson>('poll');
    const finding = body.findings.find((f) => f.host === target.name)!;
    expect(finding.rule).to.equal('change-between-polls');
    expect(finding.message).to.contain('the firewall was switched off');
    expect(finding.message).to.contain('by root');
  });

  it('stores routine events without findings', async () => {
    const ws = workspace();
    await ws.run('poll');
    await sim.postEvents(Array.from({ length: 50 }, (_, i) => ({ host: hosts[i % hosts.length]!.name, eventTypeId: 'esx.audit.net.firewall.port.hooked' })));
    const { body } = await ws.json<PollJson>('poll');
    expect(body.findings).to.deep.equal([]);
    expect(countRows(ws, `SELECT count(*) FROM vcenter_events WHERE event_type_id = 'esx.audit.net.firewall.port.hooked'`)).to.equal(50);
  });

  it('keeps the event position across restarts', async () => {
    const ws = workspace();
    await ws.run('poll');
    await sim.postEvents(Array.from({ length: 5 }, () => ({ host: hosts[3]!.name, eventTypeId: 'esx.audit.net.firewall.port.removed' })));
    await ws.run('poll');
    await sim.postEvents(Array.from({ length: 3 }, () => ({ host: hosts[3]!.name, eventTypeId: 'esx.audit.net.firewall.port.removed' })));
    await ws.run('poll');
    await ws.run('poll');
    expect(countRows(ws, `SELECT count(*) FROM vcenter_events WHERE event_type_id = 'esx.audit.net.firewall.port.removed'`)).to.equal(8);
    expect(countRows(ws, 'SELECT count(*) - count(DISTINCT event_key) FROM vcenter_events')).to.equal(0);
  });

  it('gives one broad-change for many hosts', async () => {
    const ws = workspace({ broadChange: { rulesetsPerHost: 5, hosts: 5 } }, baselineDocument({ rulesets: { sshServer: { management: true } } }));
    await ws.run('poll');
    for (const host of hosts.slice(0, 5)) {
      await admin.updateRuleset(host.firewallSystem, 'sshServer', { allIp: true });
    }
    const { body } = await ws.json<PollJson>('poll');
    const broad = body.findings.filter((f) => f.rule === 'broad-change');
    expect(broad).to.have.length(1);
    expect(broad[0]!.host).to.equal(null);
    expect(broad[0]!.severity).to.equal('critical');
    expect((broad[0]!.actual.hosts as string[]).sort()).to.deep.equal(hosts.slice(0, 5).map((h) => h.name).sort());
  });

  it('escalates a change by an unauthorized account', async () => {
    const ws = workspace({ authorizedAdmins: ['VSPHERE.LOCAL\\change-board'] });
    await ws.run('poll');
    const target = hosts[4]!;
    await admin.updateRuleset(target.firewallSystem, 'sshServer', { allIp: true });
    const { body } = await ws.json<PollJson>('poll');
    const finding = body.findings.find((f) => f.host === target.name)!;
    expect(finding.severity).to.equal('critical');
    expect(finding.attribution?.authorized).to.equal(false);
    expect(finding.message).to.contain('not an authorized administrator');
    const later = await ws.json<PollJson>('poll');
    expect(later.body.findings.find((f) => f.host === target.name)!.severity).to.equal('critical');
  });

  describe('the esxcli probe', () => {
    it('flags a firewall switched off', async () => {
      const ws = workspace();
      const target = hosts[5]!;
      await ws.run('poll');
      await sim.setHost(target.name, { firewallEnabled: false });
      try {
        const { body } = await ws.json<PollJson>('poll');
        const finding = body.findings.find((f) => f.host === target.name)!;
        expect(finding.rule).to.equal('firewall-disabled');
        expect(finding.severity).to.equal('critical');
        expect(finding.actual).to.include({ enabled: false, defaultAction: 'DROP' });
      } finally {
        await sim.setHost(target.name, { firewallEnabled: true });
      }
      await ws.run('poll');

      const history = await ws.json<{ states: { firewallSwitch: { state: string } }[] }>('history', '--host', target.name);
      expect(history.body.states.map((state) => state.firewallSwitch.state)).to.deep.equal(['on', 'off', 'on']);
      const between = await ws.json<{ changes: { path: string; before: unknown; after: unknown }[] }>('diff', '--host', target.name);
      expect(between.body.changes).to.deep.equal([{ path: 'firewall.switch', before: 'off', after: 'on' }]);
    });

    it('survives a probe fault on one host', async () => {
      const ws = workspace();
      const target = hosts[0]!;
      await ws.run('poll');
      await sim.setHost(target.name, { esxcliFault: 'NotSupported', firewallEnabled: false });
      try {
        const { body } = await ws.json<PollJson>('poll');
        expect(body.polls[0]!.outcome).to.equal('complete');
        expect(body.polls[0]!.hostsChecked).to.equal(hosts.length);
        expect(body.findings.filter((f) => f.rule === 'firewall-disabled')).to.deep.equal([]);
        expect(body.polls[0]!.firewallStateUnknown.map((entry) => entry.host)).to.deep.equal([target.name]);
        expect(body.polls[0]!.firewallStateUnknown[0]!.error).to.contain('NotSupported');
        const db = new Database(ws.database, { readonly: true });
        try {
          const error = db.prepare('SELECT service_error FROM hosts WHERE name = ?').pluck().get(target.name) as string;
          expect(error).to.contain('NotSupported');
          const states = db.prepare(`SELECT s.service_state FROM hosts h JOIN host_states s ON s.id = h.current_state_id WHERE h.name != ?`).pluck().all(target.name) as string[];
          expect(states.every((state) => JSON.parse(state).enabled === true)).to.equal(true);
        } finally {
          db.close();
        }
      } finally {
        await sim.setHost(target.name, { esxcliFault: null, firewallEnabled: true });
      }
    });
    it('gives up a slow probe without retrying it', async () => {
      const ws = workspace({ probeTimeoutSeconds: 0.5 });
      const target = hosts[1]!;
      await ws.run('poll');
      await sim.setHost(target.name, { esxcliFault: 'timeout' });
      try {
        await sim.resetStats();
        const result = await ws.run('poll');
        expect(result.stdout).to.contain(`firewall state unknown on ${target.name}: ExecuteSoap`);
        expect(result.stdout).to.contain('timed out after');
        await new Promise((resolve) => setTimeout(resolve, 1500));
        expect((await sim.stats()).ExecuteSoap).to.equal(hosts.length);
      } finally {
        await sim.setHost(target.name, { esxcliFault: null });
      }
    });
  });

  describe('in vdrift run', () => {
    let receiver: HttpReceiver;
    let service: ServiceProcess | null = null;

    beforeEach(async () => {
      receiver = await HttpReceiver.start();
    });

    afterEach(async () => {
      await service?.stop('SIGKILL').catch(() => null);
      service = null;
      await receiver.stop();
    });

    function serviceWorkspace(): Workspace {
      return workspace({
        schedule: '0 0 1 1 *',
        health: '127.0.0.1:0',
        events: { watchSeconds: 1, rereadDebounceSeconds: 1, rereadRetrySeconds: 3 },
        notifications: { channels: [{ name: 'hook', type: 'webhook', url: receiver.url('/hook'), minSeverity: 'low' }] },
      });
    }

    it('re-reads only the changed host', async () => {
      const ws = serviceWorkspace();
      service = await ServiceProcess.start(ws);
      await service.waitForLog((line) => line.message === 'poll finished');
      const target = hosts[1]!;
      await admin.disableRuleset(target.firewallSystem, 'sshServer');
      try {
        await service.waitForLog((line) => line.message === 're-reading a host after firewall events');
        await service.waitForLog(() => receiver.requests.length > 0, 20_000);
        const body = receiver.json(0) as { items: { rule: string; host: string }[] };
        expect(body.items.map((item) => `${item.rule} ${item.host}`)).to.deep.equal([`management-ruleset-disabled ${target.name}`]);
        const rereads = service.logs.filter((line) => line.message === 'poll finished' && line.hostsSeen === 1);
        expect(rereads.length).to.be.at.least(1);
        expect(countRows(ws, `SELECT count(*) FROM polls WHERE kind = 'inventory'`)).to.equal(1);
      } finally {
        await admin.enableRuleset(target.firewallSystem, 'sshServer');
      }
    });

    it('notifies a switched-off firewall within seconds', async () => {
      const ws = serviceWorkspace();
      service = await ServiceProcess.start(ws);
      await service.waitForLog((line) => line.message === 'poll finished');
      const target = hosts[3]!;
      await sim.setHost(target.name, { firewallEnabled: false });
      try {
        await sim.postEvent({ host: target.name, eventTypeId: 'esx.audit.net.firewall.disabled', userName: 'root' });
        await service.waitForLog(() => receiver.requests.length > 0, 20_000);
        const body = receiver.json(0) as { items: { rule: string; host: string }[] };
        expect(body.items.map((item) => `${item.rule} ${item.host}`)).to.deep.equal([`firewall-disabled ${target.name}`]);
        const metrics = (await service.get('/metrics')).body;
        expect(metrics).to.contain('vdrift_rereads_total{vcenter="sim",result="drift"} 1\n');
      } finally {
        await sim.setHost(target.name, { firewallEnabled: true });
      }
    });

    it('collapses a burst into one re-read', async () => {
      const ws = serviceWorkspace();
      service = await ServiceProcess.start(ws);
      await service.waitForLog((line) => line.message === 'poll finished');
      const target = hosts[2]!;
      await sim.postEvents(Array.from({ length: 20 }, () => ({ host: target.name, eventTypeId: 'esx.audit.net.firewall.config.changed', userName: 'root' })));
      const line = await service.waitForLog((l) => l.message === 're-reading a host after firewall events');
      expect(line.events).to.equal(20);
      // Events that arrive while the re-read still retries join it.
      await sim.postEvents(Array.from({ length: 5 }, () => ({ host: target.name, eventTypeId: 'esx.audit.net.firewall.config.changed', userName: 'root' })));
      const closed = await service.waitForLog((l) => l.message === 'firewall events without observable drift', 30_000);
      expect(closed.events).to.equal(25);
      expect(service.count((l) => l.message === 're-reading a host after firewall events')).to.equal(1);
      const metrics = (await service.get('/metrics')).body;
      expect(metrics).to.contain('vdrift_rereads_total{vcenter="sim",result="no-observable-drift"} 1\n');
      expect(metrics).to.contain('vdrift_events_total{vcenter="sim"} 25\n');
    });

    it('stops during a re-read backoff', async () => {
      const ws = workspace({
        schedule: '0 0 1 1 *',
        health: false,
        events: { watchSeconds: 1, rereadDebounceSeconds: 1, rereadRetrySeconds: 600 },
      });
      service = await ServiceProcess.start(ws);
      await service.waitForLog((line) => line.message === 'poll finished');
      await sim.postEvent({ host: hosts[4]!.name, eventTypeId: 'esx.audit.net.firewall.config.changed', userName: 'root' });
      await service.waitForLog((line) => line.message === 're-reading a host after firewall events');
      await service.waitForLog(() => service!.count((line) => line.message === 'poll finished' && line.hostsSeen === 1) >= 2, 20_000);
      expect(await service.stop()).to.equal(0);
      expect(service.count((line) => line.message === 'firewall events without observable drift')).to.equal(0);
      service = null;
    });

    it('tries a rejected password once per poll', async () => {
      const ws = workspace({ schedule: '0 0 1 1 *', health: '127.0.0.1:0', events: { watchSeconds: 1, rereadDebounceSeconds: 1, rereadRetrySeconds: 3 } });
      await sim.resetStats();
      service = await ServiceProcess.start(ws, { VDRIFT_TEST_PASSWORD: 'wrong-password' });
      const failed = await service.waitForLog((line) => line.message === 'poll failed');
      expect(failed.error).to.contain('InvalidLogin');
      await new Promise((resolve) => setTimeout(resolve, 4000));
      expect((await sim.stats()).Login).to.equal(1);
      const health = JSON.parse((await service.get('/healthz')).body) as { status: string };
      expect(health.status).to.equal('degraded');
      expect(service.count((line) => line.message.startsWith('reading vCenter events failed'))).to.equal(0);
    });

    it('ignores fifty routine events', async () => {
      const ws = serviceWorkspace();
      service = await ServiceProcess.start(ws);
      await service.waitForLog((line) => line.message === 'poll finished');
      await sim.postEvents(Array.from({ length: 50 }, (_, i) => ({ host: hosts[i % hosts.length]!.name, eventTypeId: 'esx.audit.net.firewall.port.hooked' })));
      await new Promise((resolve) => setTimeout(resolve, 4000));
      expect(service.count((line) => line.message === 're-reading a host after firewall events')).to.equal(0);
      expect(countRows(ws, `SELECT count(*) FROM vcenter_events WHERE event_type_id = 'esx.audit.net.firewall.port.hooked'`)).to.equal(50);
    });
  });
});
