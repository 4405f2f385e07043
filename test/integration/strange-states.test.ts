// Unusual but valid host answers are kept apart and judged as what they
// are: an unreported allowed-hosts list is not allow-all, an empty list is
// not allow-all, and a host without rulesets is never a silent pass.
import { expect } from 'chai';
import { Workspace, baselineDocument } from '../helpers/cli.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { startSimulator, type SimHost, type Simulator } from '../helpers/vcsim.js';
import { AdminClient } from '../helpers/vsphere-admin.js';

interface PollJson {
  polls: { outcome: string }[];
  findings: { host: string; rule: string; ruleset: string | null; actual: Record<string, unknown> }[];
}

/** Applies `edit` to the <objects> element of one host in a property-collector body. */
function editHost(body: string, moid: string, edit: (object: string) => string): string {
  const marker = `>${moid}</obj>`;
  const at = body.indexOf(marker);
  if (at === -1) {
    return body;
  }
  const start = body.lastIndexOf('<objects', at);
  const end = body.indexOf('</objects>', at) + '</objects>'.length;
  return body.slice(0, start) + edit(body.slice(start, end)) + body.slice(end);
}

/** Removes the allowedHosts element of one ruleset. */
function dropAllowedHosts(object: string, key: string): string {
  const at = object.indexOf(`<key>${key}</key>`);
  const end = object.indexOf('</ruleset>', at);
  const ruleset = object.slice(at, end).replace(/<allowedHosts>.*?<\/allowedHosts>/s, '');
  return object.slice(0, at) + ruleset + object.slice(end);
}

describe('strange but valid host states', function () {
  this.timeout(60_000);
  let sim: Simulator;
  let proxy: FaultProxy;
  let hosts: SimHost[];
  let admin: AdminClient;

  before(async () => {
    sim = await startSimulator({ clusters: 1, clusterHosts: 3, standalone: 0 });
    hosts = await sim.listHosts();
    admin = await AdminClient.login(sim.url, sim.username, sim.password);
  });

  beforeEach(async () => {
    proxy = await startFaultProxy(sim.url);
  });

  afterEach(async () => {
    await proxy.stop();
  });

  after(async () => {
    await sim?.stop();
  });

  function workspace(rulesets: Record<string, unknown>): Workspace {
    return new Workspace(sim, { baselines: { 'b.json': baselineDocument({ rulesets }) }, vcenter: { url: proxy.url } });
  }

  function findingsOf(body: PollJson, host: string): string[] {
    return body.findings.filter((f) => f.host === host).map((f) => `${f.rule} ${f.ruleset ?? '-'}`);
  }

  it('reports an unreported allowed-hosts list', async () => {
    const target = hosts[0]!;
    const ws = workspace({ sshServer: { management: true, allowedHosts: { mode: 'restricted' } } });
    proxy.addRule({ method: 'RetrievePropertiesEx', action: { kind: 'rewrite', transform: (body) => editHost(body, target.moid, (o) => dropAllowedHosts(o, 'sshServer')) } });
    const { body } = await ws.json<PollJson>('poll');
    expect(findingsOf(body, target.name)).to.deep.equal(['allowed-hosts-unknown sshServer']);
    expect(findingsOf(body, hosts[1]!.name)).to.deep.equal(['management-ruleset-allow-all sshServer']);
  });

  it('accepts an empty list as restricted', async () => {
    const target = hosts[1]!;
    await admin.updateRuleset(target.firewallSystem, 'sshServer', { allIp: false });
    try {
      const ws = workspace({ sshServer: { management: true, allowedHosts: { mode: 'within', networks: ['10.0.0.0/8'] } } });
      const { body } = await ws.json<PollJson>('poll');
      expect(findingsOf(body, target.name)).to.deep.equal([]);
      expect(findingsOf(body, hosts[0]!.name)).to.deep.equal(['management-ruleset-allow-all sshServer']);
    } finally {
      await admin.updateRuleset(target.firewallSystem, 'sshServer', { allIp: true });
    }
  });

  it('never passes a host without rulesets', async () => {
    const target = hosts[2]!;
    const ws = workspace({ sshServer: { management: true } });
    proxy.addRule({ method: 'RetrievePropertiesEx', action: { kind: 'rewrite', transform: (body) => editHost(body, target.moid, (o) => o.replace(/<ruleset>.*?<\/ruleset>/gs, '')) } });
    const { body } = await ws.json<PollJson>('poll');
    const mine = body.findings.filter((f) => f.host === target.name);
    expect(mine.map((f) => f.rule)).to.deep.equal(['host-not-checked']);
    expect(mine[0]!.actual).to.include({ reason: 'no-rulesets' });
  });

  it('judges IPv6 in any spelling alike', async () => {
    const target = hosts[0]!;
    const ws = workspace({ sshServer: { allowedHosts: { mode: 'exact', ipAddress: ['2001:db8::1'], ipNetwork: ['2001:db8:10::/48'] } } });
    await admin.updateRuleset(target.firewallSystem, 'sshServer', {
      allIp: false,
      ipAddress: ['2001:0DB8:0000:0000:0000:0000:0000:0001'],
      ipNetwork: [{ network: '2001:db8:10:0::', prefixLength: 48 }],
    });
    try {
      const { body } = await ws.json<PollJson>('poll');
      expect(findingsOf(body, target.name)).to.deep.equal([]);
    } finally {
      await admin.updateRuleset(target.firewallSystem, 'sshServer', { allIp: true });
    }
  });

  it('judges a CIDR written as an address', async () => {
    const target = hosts[1]!;
    const ws = workspace({ sshServer: { allowedHosts: { mode: 'within', networks: ['10.0.0.0/16'] } } });
    proxy.addRule({
      method: 'RetrievePropertiesEx',
      action: {
        kind: 'rewrite',
        transform: (body) =>
          editHost(body, target.moid, (o) => {
            const at = o.indexOf('<key>sshServer</key>');
            return o.slice(0, at) + o.slice(at).replace('<allIp>true</allIp>', '<ipAddress>10.0.0.0/8</ipAddress><allIp>false</allIp>');
          }),
      },
    });
    const { body } = await ws.json<PollJson>('poll');
    const mine = body.findings.filter((f) => f.host === target.name);
    expect(mine.map((f) => f.rule)).to.deep.equal(['allowed-ips-outside-baseline']);
    expect(mine[0]!.actual).to.deep.equal({ allIp: false, outside: ['10.0.0.0/8'] });
  });
});
