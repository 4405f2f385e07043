// vdrift run as a real process against the simulator and a real webhook
// receiver: one message per transition, grouped causes, retries, crash
// recovery without duplicates, windows, exceptions, clean shutdown, metrics.
import { expect } from 'chai';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { Workspace, baselineDocument } from '../helpers/cli.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { HttpReceiver } from '../helpers/receivers.js';
import { ServiceProcess } from '../helpers/service.js';
import { startSimulator, type SimHost, type Simulator } from '../helpers/vcsim.js';
import { AdminClient } from '../helpers/vsphere-admin.js';

interface WebhookBody {
  deliveryId: string;
  severity: string;
  summary: string;
  group: { kind: string; key: string };
  items: { reason: string; host: string; ruleset: string; rule: string; ticket: string | null }[];
}

const EVERY_SECOND = '* * * * * *';

describe('vdrift run', function () {
  this.timeout(180_000);
  let sim: Simulator;
  let hosts: SimHost[];
  let admin: AdminClient;
  let receiver: HttpReceiver;
  const services: ServiceProcess[] = [];

  before(async () => {
    sim = await startSimulator({ clusters: 1, clusterHosts: 3, standalone: 1 });
    hosts = await sim.listHosts();
    admin = await AdminClient.login(sim.url, sim.username, sim.password);
  });

  beforeEach(async () => {
    receiver = await HttpReceiver.start();
  });

  afterEach(async () => {
    for (const service of services.splice(0)) {
      await service.stop('SIGKILL').catch(() => null);
    }
    await receiver.stop();
    for (const host of hosts) {
      await admin.updateRuleset(host.firewallSystem, 'sshServer', { allIp: true });
    }
  });

  after(async () => {
    await sim?.stop();
  });

  /** Creates a workspace whose service polls every second and sends every finding to the receiver. */
  function workspace(baseline: Record<string, unknown>, extra: Record<string, unknown> = {}, url = sim.url): Workspace {
    const ws = new Workspace(sim, { baselines: { 'b.json': baselineDocument(baseline) } });
    if (baseline.scope) {
      // Hosts outside the scope get a baseline with no rules, so they raise no host-not-checked findings.
      ws.writeBaseline('others.json', baselineDocument({ id: 'others', defaultPolicy: {} }));
    }
    ws.writeConfig({
      database: './vdrift.db',
      baselines: './baselines',
      vcenters: [{ name: 'sim', url, username: sim.username, passwordEnv: 'VDRIFT_TEST_PASSWORD' }],
      schedule: EVERY_SECOND,
      health: '127.0.0.1:0',
      notifications: {
        channels: [{ name: 'hook', type: 'webhook', url: receiver.url('/hook'), minSeverity: 'low', timeoutSeconds: 1 }],
        retryBaseSeconds: 0.2,
        ...((extra.notifications as object | undefined) ?? {}),
      },
      ...Object.fromEntries(Object.entries(extra).filter(([key]) => key !== 'notifications')),
    });
    return ws;
  }

  async function start(ws: Workspace): Promise<ServiceProcess> {
    const service = await ServiceProcess.start(ws);
    services.push(service);
    return service;
  }

  function polls(service: ServiceProcess): number {
    return service.count((line) => line.message === 'poll finished');
  }

  async function waitForPolls(service: ServiceProcess, count: number): Promise<void> {
    await service.waitForLog(() => polls(service) >= count);
  }

  function bodies(): WebhookBody[] {
    return receiver.requests.map((request) => JSON.parse(request.body.toString('utf8')) as WebhookBody);
  }

  async function waitForRequests(count: number, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (receiver.requests.length < count) {
      if (Date.now() > deadline) {
        throw new Error(`the receiver got ${receiver.requests.length} requests, expected ${count}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const SSH_RESTRICTED = { rulesets: { sshServer: { management: true, allowedHosts: { mode: 'restricted' } } } };

  it('sends one grouped message per transition', async () => {
    const service = await start(workspace(SSH_RESTRICTED));
    await waitForPolls(service, 4);
    await waitForRequests(1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.requests).to.have.length(1);
    const [body] = bodies();
    expect(body!.group.kind).to.equal('ruleset');
    expect(body!.items.map((item) => item.host).sort()).to.deep.equal(hosts.map((host) => host.name).sort());
    expect(body!.items.every((item) => item.reason === 'opened' && item.rule === 'management-ruleset-allow-all')).to.equal(true);
    expect(receiver.requests[0]!.headers['x-vdrift-delivery']).to.equal(body!.deliveryId);
  });

  it('sends a resolve message', async () => {
    const service = await start(workspace(SSH_RESTRICTED));
    await waitForRequests(1);
    const target = hosts[0]!;
    await admin.updateRuleset(target.firewallSystem, 'sshServer', { allIp: false });
    await waitForRequests(2);
    const resolved = bodies()[1]!;
    expect(resolved.items.map((item) => `${item.reason} ${item.host}`)).to.deep.equal([`resolved ${target.name}`]);
    const before = polls(service);
    await waitForPolls(service, before + 2);
    expect(receiver.requests).to.have.length(2);
  });

  it('delivers once after three failures', async () => {
    receiver.queue({ status: 503 }, { status: 503 }, { status: 503 });
    const service = await start(workspace(SSH_RESTRICTED));
    await waitForRequests(4);
    const before = polls(service);
    await waitForPolls(service, before + 2);
    expect(receiver.requests).to.have.length(4);
    expect(new Set(bodies().map((body) => body.deliveryId)).size).to.equal(1);
    expect(service.count((line) => line.message === 'notification delivery failed; will retry')).to.equal(3);
  });

  it('resumes delivery after SIGKILL without duplicates', async () => {
    const baseline = { rulesets: { sshServer: { management: true, allowedHosts: { mode: 'restricted' } }, webAccess: { management: true, allowedHosts: { mode: 'restricted' } } } };
    const ws = workspace(baseline);
    receiver.queue({ delayMs: 120_000 });
    const first = await start(ws);
    await waitForRequests(1);
    expect(await first.stop('SIGKILL')).to.equal(null);

    const second = await start(ws);
    await waitForRequests(3, 40_000);
    await waitForPolls(second, polls(second) + 2);
    const acknowledged = bodies().slice(1).map((body) => body.deliveryId);
    expect(new Set(acknowledged).size).to.equal(acknowledged.length);
    expect(acknowledged).to.include(bodies()[0]!.deliveryId);
    expect(acknowledged).to.have.length(2);
  });

  it('holds a finding during a window', async () => {
    const target = hosts[1]!;
    await admin.updateRuleset(target.firewallSystem, 'sshServer', { allIp: false });
    const ws = workspace({ scope: { hosts: [target.name] }, ...SSH_RESTRICTED });
    const service = await start(ws);
    await waitForPolls(service, 1);
    const until = new Date(Date.now() + 5000).toISOString();
    const added = await ws.run('window', 'add', '--scope', `host=${target.name}`, '--from', 'now', '--to', until, '--ticket', 'CHG-77', '--by', 'tester', '--reason', 'patching');
    expect(added.code, added.stderr).to.equal(0);

    await admin.updateRuleset(target.firewallSystem, 'sshServer', { allIp: true });
    await waitForPolls(service, polls(service) + 2);
    expect(receiver.requests).to.have.length(0);
    const held = await ws.json<{ findings: { hold: { kind: string } | null; windowTicket: string }[] }>('findings');
    expect(held.body.findings[0]!.hold?.kind).to.equal('window');
    expect(held.body.findings[0]!.windowTicket).to.equal('CHG-77');

    await waitForRequests(1, 30_000);
    const released = bodies()[0]!;
    expect(released.items.map((item) => `${item.reason} ${item.host} ${item.ticket}`)).to.deep.equal([`opened ${target.name} CHG-77`]);
  });

  it('holds an accepted risk until expiry', async () => {
    const target = hosts[2]!;
    const ws = workspace({ scope: { hosts: [target.name] }, ...SSH_RESTRICTED });
    const expires = new Date(Date.now() + 6000).toISOString();
    const added = await ws.run('exception', 'add', '--host', target.name, '--ruleset', 'sshServer', '--rule', 'management-ruleset-allow-all', '--reason', 'vendor access', '--approved-by', 'ciso', '--expires', expires, '--id', 'EXC-1');
    expect(added.code, added.stderr).to.equal(0);
    const service = await start(ws);
    await waitForPolls(service, 2);
    expect(receiver.requests).to.have.length(0);
    const accepted = await ws.json<{ findings: { accepted: boolean }[] }>('findings');
    expect(accepted.body.findings[0]!.accepted).to.equal(true);

    await waitForRequests(1, 30_000);
    expect(bodies()[0]!.items.map((item) => `${item.reason} ${item.host}`)).to.deep.equal([`opened ${target.name}`]);
  });

  describe('with a slow vCenter', () => {
    let proxy: FaultProxy;

    beforeEach(async () => {
      proxy = await startFaultProxy(sim.url);
    });

    afterEach(async () => {
      await proxy.stop();
    });

    it('skips polls while one runs', async () => {
      proxy.addRule({ method: 'RetrievePropertiesEx', action: { kind: 'delay', ms: 2500 } });
      const service = await start(workspace(SSH_RESTRICTED, {}, proxy.url));
      await waitForPolls(service, 2);
      const metrics = await service.get('/metrics');
      const skipped = Number(/vdrift_polls_skipped_total\{vcenter="sim"\} (\d+)/.exec(metrics.body)?.[1]);
      expect(skipped).to.be.greaterThan(0);
      expect(service.count((line) => line.message.startsWith('skipping a scheduled poll'))).to.equal(skipped);
    });

    it('stops cleanly during a poll', async () => {
      proxy.addRule({ method: 'RetrievePropertiesEx', nth: 2, action: { kind: 'delay', ms: 4000 } });
      const ws = workspace(SSH_RESTRICTED, {}, proxy.url);
      const service = await start(ws);
      await waitForPolls(service, 1);
      await service.waitForLog(() => proxy.count('RetrievePropertiesEx') >= 2);
      expect(await service.stop('SIGTERM')).to.equal(0);
      expect(service.count((line) => line.message === 'service stopped')).to.equal(1);

      const db = new Database(ws.database, { readonly: true });
      try {
        expect(db.pragma('integrity_check', { simple: true })).to.equal('ok');
        const rows = db.prepare('SELECT id, hosts_seen AS hostsSeen FROM polls').all() as { id: number; hostsSeen: number }[];
        expect(rows.length).to.equal(polls(service));
        for (const row of rows) {
          expect(row.hostsSeen).to.equal(hosts.length);
        }
      } finally {
        db.close();
      }
    });
  });

  it('rejects a health port in use', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const ws = workspace(SSH_RESTRICTED, { health: `127.0.0.1:${port}` });
      const result = await ws.run('run');
      expect(result.code).to.equal(2);
      expect(result.stderr).to.contain(`cannot listen on 127.0.0.1:${port} for /healthz and /metrics`);
      expect(result.stderr).to.contain('set "health" in the config');
      expect(result.stderr).to.not.contain('    at ');
    } finally {
      taken.close();
    }
  });

  it('serves health and metrics that match', async () => {
    const service = await start(workspace(SSH_RESTRICTED));
    await waitForRequests(1);
    await waitForPolls(service, 3);
    const health = await service.get('/healthz');
    expect(health.status).to.equal(200);
    expect(JSON.parse(health.body)).to.deep.include({ status: 'ok', scheduler: 'running' });

    const text = (await service.get('/metrics')).body;
    const samples = parsePrometheus(text);
    const completed = polls(service);
    expect(samples.get('vdrift_polls_total{outcome="complete",vcenter="sim"}')).to.be.within(completed, completed + 1);
    expect(samples.get('vdrift_deliveries_total{channel="hook",result="delivered"}')).to.equal(1);
    expect(samples.get('vdrift_open_findings{severity="high"}')).to.equal(hosts.length);
    expect(samples.get('vdrift_hosts_checked{vcenter="sim"}')).to.equal(hosts.length);
    expect(samples.get('vdrift_outbox_messages{channel="hook",status="delivered"}')).to.equal(1);

    expect(await service.stop()).to.equal(0);
  });
});

/** Parses Prometheus text format into `name{sorted labels}` → value, failing on any malformed line. */
function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const typed = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') {
      continue;
    }
    if (line.startsWith('# HELP ')) {
      continue;
    }
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      typed.add(type[1]!);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (-?[0-9.e+]+|NaN|[+-]Inf)$/.exec(line);
    if (!sample) {
      throw new Error(`not a Prometheus text line: ${JSON.stringify(line)}`);
    }
    if (!typed.has(sample[1]!)) {
      throw new Error(`sample before its TYPE line: ${line}`);
    }
    const labels = [...(sample[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => `${m[1]}="${m[2]}"`).sort();
    samples.set(`${sample[1]}${labels.length > 0 ? `{${labels.join(',')}}` : ''}`, Number(sample[4]));
  }
  return samples;
}
