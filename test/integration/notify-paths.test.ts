// Every channel type end to end. A real poll queues findings in the outbox
// and delivers them to local receivers, notify test proves a channel works,
// maintenance mode holds, and a vCenter that keeps failing raises a finding.
import { expect } from 'chai';
import { Workspace, baselineDocument } from '../helpers/cli.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { HttpReceiver, TcpSyslogListener, UdpSyslogListener } from '../helpers/receivers.js';
import { startSimulator, type SimHost, type Simulator } from '../helpers/vcsim.js';
import { AdminClient } from '../helpers/vsphere-admin.js';

interface PollJson {
  polls: { outcome: string; notificationsQueued: number }[];
  findings: { rule: string; host: string | null; hold: { kind: string } | null; status: string }[];
}

describe('notification paths', function () {
  this.timeout(120_000);
  let sim: Simulator;
  let hosts: SimHost[];
  let http: HttpReceiver;
  let udp: UdpSyslogListener;
  let tcp: TcpSyslogListener;

  before(async () => {
    sim = await startSimulator({ clusters: 1, clusterHosts: 2, standalone: 0 });
    hosts = await sim.listHosts();
  });

  beforeEach(async () => {
    http = await HttpReceiver.start();
    udp = await UdpSyslogListener.start();
    tcp = await TcpSyslogListener.start();
  });

  afterEach(async () => {
    await Promise.all([http.stop(), udp.stop(), tcp.stop()]);
  });

  after(async () => {
    await sim?.stop();
  });

  function workspace(extra: Record<string, unknown> = {}, url = sim.url): Workspace {
    const baseline = baselineDocument({ rulesets: { sshServer: { management: true, allowedHosts: { mode: 'restricted' } } } });
    const ws = new Workspace(sim, { baselines: { 'b.json': baseline } });
    ws.env.VDRIFT_HOOK_SECRET = 'hook-signing-secret';
    ws.env.VDRIFT_PD_KEY = 'pd-routing-key-0123456789';
    ws.writeConfig({
      database: './vdrift.db',
      baselines: './baselines',
      vcenters: [{ name: 'sim', url, username: sim.username, passwordEnv: 'VDRIFT_TEST_PASSWORD', connectTimeoutSeconds: 1 }],
      notifications: {
        retryBaseSeconds: 0.1,
        channels: [
          { name: 'hook', type: 'webhook', url: http.url('/hook'), secretEnv: 'VDRIFT_HOOK_SECRET', minSeverity: 'low' },
          { name: 'slack', type: 'slack', url: http.url('/slack'), minSeverity: 'high' },
          { name: 'teams', type: 'teams', url: http.url('/teams'), minSeverity: 'high' },
          { name: 'pd', type: 'pagerduty', url: http.url('/pd'), routingKeyEnv: 'VDRIFT_PD_KEY', minSeverity: 'high' },
          { name: 'siem-udp', type: 'syslog', host: '127.0.0.1', port: udp.port, protocol: 'udp', minSeverity: 'low' },
          { name: 'siem-tcp', type: 'syslog', host: '127.0.0.1', port: tcp.port, protocol: 'tcp', minSeverity: 'low' },
          { name: 'critical-only', type: 'webhook', url: http.url('/critical'), minSeverity: 'critical' },
        ],
      },
      ...extra,
    });
    return ws;
  }

  function paths(): string[] {
    return http.requests.map((request) => request.path).sort();
  }

  it('delivers a poll to every channel', async () => {
    const ws = workspace();
    const { body } = await ws.json<PollJson>('poll');
    expect(body.polls[0]!.notificationsQueued).to.equal(6);
    expect(paths()).to.deep.equal(['/hook', '/pd', '/pd', '/slack', '/teams']);
    const messages = [...(await udp.waitFor(2)), ...(await tcp.waitFor(2))].map((message) => message.toString('utf8'));
    for (const host of hosts) {
      expect(messages.filter((message) => message.includes(`host="${host.name}"`))).to.have.length(2);
    }
    const pd = http.requests.filter((request) => request.path === '/pd').map((request) => JSON.parse(request.body.toString('utf8')) as { event_action: string; routing_key: string });
    expect(pd.map((event) => event.event_action)).to.deep.equal(['trigger', 'trigger']);
    expect(pd[0]!.routing_key).to.equal('pd-routing-key-0123456789');
  });

  it('queues nothing twice across polls', async () => {
    const ws = workspace();
    await ws.run('poll');
    const first = http.requests.length;
    const { body } = await ws.json<PollJson>('poll');
    expect(body.polls[0]!.notificationsQueued).to.equal(0);
    expect(http.requests.length).to.equal(first);
  });

  it('keeps undelivered messages for the next run', async () => {
    const ws = workspace();
    http.replyWith({ status: 503 });
    await ws.run('poll');
    const failedAttempts = http.requests.length;
    http.replyWith({ status: 200, body: 'ok' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await ws.run('poll');
    const delivered = http.requests.slice(failedAttempts).map((request) => request.path).sort();
    expect(delivered).to.deep.equal(['/hook', '/pd', '/pd', '/slack', '/teams']);
  });

  it('proves a channel with notify test', async () => {
    const ws = workspace();
    const result = await ws.run('notify', 'test', '--channel', 'hook');
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.contain('delivered to hook');
    const body = http.json(0) as { test: boolean; summary: string };
    expect(body.test).to.equal(true);
    expect(body.summary).to.contain('Test notification');
  });

  it('reports a failing channel in notify test', async () => {
    const ws = workspace();
    http.replyWith({ status: 404, body: 'no_service' });
    const result = await ws.run('notify', 'test', '--channel', 'slack');
    expect(result.code).to.equal(4);
    expect(result.stdout).to.contain('was not delivered');
    expect(result.stdout).to.not.contain(http.url('/slack'));
  });

  it('holds hosts in maintenance mode', async () => {
    const ws = workspace();
    const target = hosts[0]!;
    await sim.setHost(target.name, { inMaintenanceMode: true });
    try {
      const { body } = await ws.json<PollJson>('poll');
      const held = body.findings.find((finding) => finding.host === target.name)!;
      expect(held.hold?.kind).to.equal('maintenance');
      expect(http.requests.filter((request) => request.path === '/hook')).to.have.length(1);
      expect((http.json(http.requests.findIndex((r) => r.path === '/hook')) as { items: unknown[] }).items).to.have.length(1);
    } finally {
      await sim.setHost(target.name, { inMaintenanceMode: false });
    }
    await ws.run('poll');
    const hooks = http.requests.filter((request) => request.path === '/hook');
    expect(hooks).to.have.length(2);
    const released = JSON.parse(hooks[1]!.body.toString('utf8')) as { items: { host: string; reason: string }[] };
    expect(released.items.map((item) => `${item.reason} ${item.host}`)).to.deep.equal([`opened ${target.name}`]);
  });

  it('raises vcenter-unreachable after repeated failures', async () => {
    const proxy = await startFaultProxy(sim.url);
    try {
      const ws = workspace({ unreachableAfter: 2 }, proxy.url);
      await ws.run('poll');
      proxy.addRule({ action: { kind: 'html', status: 502 } });
      const once = await ws.json<PollJson>('poll');
      expect(once.body.findings.some((finding) => finding.rule === 'vcenter-unreachable')).to.equal(false);
      const twice = await ws.json<PollJson>('poll');
      expect(twice.body.findings.filter((finding) => finding.rule === 'vcenter-unreachable')).to.have.length(1);
      expect(http.requests.some((request) => request.path === '/slack' && request.body.toString('utf8').includes('vcenter-unreachable'))).to.equal(true);

      proxy.clearRules();
      const back = await ws.json<PollJson>('poll');
      expect(back.body.findings.some((finding) => finding.rule === 'vcenter-unreachable')).to.equal(false);
      const resolved = http.requests.filter((request) => request.path === '/hook').map((request) => request.body.toString('utf8'));
      expect(resolved.some((body) => body.includes('"reason":"resolved"') && body.includes('vcenter-unreachable'))).to.equal(true);
    } finally {
      await proxy.stop();
    }
  });
});
