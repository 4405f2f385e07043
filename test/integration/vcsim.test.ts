// Integration tests of the vCenter simulator launcher (test/vcsim) and its
// helpers, over real HTTP on loopback. Property values are read from raw
// RetrievePropertiesEx responses with plain string checks, so that these
// tests depend on no vSphere client.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { connect, type PeerCertificate } from 'node:tls';
import { httpRequest } from '../helpers/http.js';
import { captureError, captureFault, hostRef, propertyValue, readHostProperty, readHostXml, readObjectXml } from '../helpers/raw-reads.js';
import { simulatorBinary, startSimulator, type SimHost, type Simulator } from '../helpers/vcsim.js';
import { AdminClient, returnedRef, type MoRef } from '../helpers/vsphere-admin.js';

const SIM_START_TIMEOUT_MS = 120_000;

describe('vcsim launcher', () => {
  let sim: Simulator;
  let hosts: SimHost[];
  let admin: AdminClient;

  before(async function () {
    this.timeout(SIM_START_TIMEOUT_MS);
    sim = await startSimulator({ clusters: 2, clusterHosts: 4, standalone: 2 });
    hosts = await sim.listHosts();
  });

  after(async () => {
    await sim?.stop();
  });

  beforeEach(async () => {
    admin = await AdminClient.login(sim.url, sim.username, sim.password);
  });

  /** Returns the host at index, failing the test when there is none. */
  function host(index: number): SimHost {
    const found = hosts[index];
    if (!found) throw new Error(`the simulator has no host at index ${index}`);
    return found;
  }

  describe('inventory', () => {
    it('lists every host once', () => {
      expect(sim.hosts).to.equal(10);
      expect(hosts).to.have.length(10);
      expect(new Set(hosts.map((h) => h.moid)).size).to.equal(10);
      expect(new Set(hosts.map((h) => h.firewallSystem)).size).to.equal(10);
    });

    it('names clusters and standalone hosts', () => {
      const standalone = hosts.filter((h) => h.cluster === null).map((h) => h.name);
      const clustered = hosts.filter((h) => h.cluster !== null);

      expect(standalone).to.deep.equal(['DC0_H0', 'DC0_H1']);
      expect(clustered).to.have.length(8);
      for (const h of clustered) {
        expect(h.name.startsWith(`${h.cluster}_H`), h.name).to.equal(true);
      }
    });

    it('starts hosts connected', () => {
      for (const h of hosts) {
        expect(h.connectionState, h.name).to.equal('connected');
        expect(h.inMaintenanceMode, h.name).to.equal(false);
      }
    });

    it('keeps the host order', async () => {
      expect(await sim.listHosts()).to.deep.equal(hosts);
    });
  });

  describe('host firewall', () => {
    it('disables a ruleset on one host', async () => {
      const target = host(0);
      const other = host(1);

      await admin.disableRuleset(target.firewallSystem, 'sshServer');

      const targetConfig = await readHostProperty(admin, target.moid, 'config.firewall');
      const otherConfig = await readHostProperty(admin, other.moid, 'config.firewall');
      const targetInfo = await readFirewallInfo(admin, target.firewallSystem);
      const otherInfo = await readFirewallInfo(admin, other.firewallSystem);

      expect(rulesetEnabled(targetConfig, 'sshServer')).to.equal(false);
      expect(rulesetEnabled(targetInfo, 'sshServer')).to.equal(false);
      expect(rulesetEnabled(otherConfig, 'sshServer')).to.equal(true);
      expect(rulesetEnabled(otherInfo, 'sshServer')).to.equal(true);
    });

    it('enables a ruleset again', async () => {
      const target = host(0);

      await admin.disableRuleset(target.firewallSystem, 'syslog');
      await admin.enableRuleset(target.firewallSystem, 'syslog');

      const config = await readHostProperty(admin, target.moid, 'config.firewall');
      expect(rulesetEnabled(config, 'syslog')).to.equal(true);
    });

    it('keeps config.firewall equal to firewallInfo', async () => {
      const target = host(0);

      await admin.disableRuleset(target.firewallSystem, 'NFC');

      const config = await readHostProperty(admin, target.moid, 'config.firewall');
      const info = await readFirewallInfo(admin, target.firewallSystem);
      expect(config).to.contain('<key>NFC</key>');
      expect(config).to.equal(info);
    });

    it('replaces allowedHosts with UpdateRuleset', async () => {
      const target = host(2);

      await admin.updateRuleset(target.firewallSystem, 'sshServer', {
        allIp: false,
        ipAddress: ['192.0.2.10', '192.0.2.11'],
        ipNetwork: [{ network: '198.51.100.0', prefixLength: 24 }],
      });

      const restricted = rulesetXml(await readHostProperty(admin, target.moid, 'config.firewall'), 'sshServer');
      expect(restricted).to.contain('<allIp>false</allIp>');
      expect(restricted).to.contain('<ipAddress>192.0.2.10</ipAddress>');
      expect(restricted).to.contain('<ipAddress>192.0.2.11</ipAddress>');
      expect(restricted).to.contain('<network>198.51.100.0</network>');
      expect(restricted).to.contain('<prefixLength>24</prefixLength>');

      await admin.updateRuleset(target.firewallSystem, 'sshServer', { allIp: true });

      const open = rulesetXml(await readFirewallInfo(admin, target.firewallSystem), 'sshServer');
      expect(open).to.contain('<allIp>true</allIp>');
      expect(open).not.to.contain('<ipAddress>');
      expect(open).not.to.contain('<ipNetwork>');
    });

    it('leaves other hosts after UpdateRuleset', async () => {
      const target = host(2);
      const other = host(3);

      await admin.updateRuleset(target.firewallSystem, 'NFC', { allIp: false, ipAddress: ['192.0.2.20'] });

      const otherRuleset = rulesetXml(await readHostProperty(admin, other.moid, 'config.firewall'), 'NFC');
      expect(otherRuleset).to.contain('<allIp>true</allIp>');
      expect(otherRuleset).not.to.contain('192.0.2.20');
    });

    it('updates only the given policy fields', async () => {
      const target = host(3);

      await admin.updateDefaultPolicy(target.firewallSystem, { incomingBlocked: false });
      const first = await readHostProperty(admin, target.moid, 'config.firewall');
      expect(first).to.contain('<incomingBlocked>false</incomingBlocked>');
      expect(first).to.contain('<outgoingBlocked>true</outgoingBlocked>');

      await admin.updateDefaultPolicy(target.firewallSystem, { outgoingBlocked: false });
      const second = await readFirewallInfo(admin, target.firewallSystem);
      expect(second).to.contain('<incomingBlocked>false</incomingBlocked>');
      expect(second).to.contain('<outgoingBlocked>false</outgoingBlocked>');
    });

    it('faults on an unknown ruleset', async () => {
      const fs = host(0).firewallSystem;

      const disable = await captureFault(admin.disableRuleset(fs, 'noSuchRuleset'));
      const update = await captureFault(admin.updateRuleset(fs, 'noSuchRuleset', { allIp: true }));

      expect(disable.faultType).to.equal('NotFound');
      expect(disable.faultString).to.contain('noSuchRuleset');
      expect(update.faultType).to.equal('NotFound');
    });

    it('faults on an invalid address', async () => {
      const fault = await captureFault(
        admin.updateRuleset(host(0).firewallSystem, 'sshServer', { allIp: false, ipAddress: ['300.1.2.3'] }),
      );

      expect(fault.faultType).to.equal('InvalidArgument');
      expect(fault.faultString).to.contain('300.1.2.3');
    });

    it('answers RefreshFirewall', async () => {
      const xml = await admin.call('RefreshFirewall', { type: 'HostFirewallSystem', value: host(0).firewallSystem });
      expect(xml).to.contain('RefreshFirewallResponse');
    });
  });

  describe('paging', () => {
    let view: MoRef;

    beforeEach(async () => {
      view = await createHostView(admin);
    });

    afterEach(async () => {
      await admin.call('DestroyView', view);
    });

    it('pages ten hosts two at a time', async () => {
      await sim.resetStats();

      const pages: string[][] = [];
      let response = await retrieveFromView(admin, view, ['name'], 2);
      pages.push(objectIds(response));
      let token = resultToken(response);
      while (token !== undefined) {
        response = await continueRetrieve(admin, token);
        pages.push(objectIds(response));
        token = resultToken(response);
      }

      const seen = pages.flat();
      expect(pages.map((p) => p.length)).to.deep.equal([2, 2, 2, 2, 2]);
      expect(new Set(seen).size).to.equal(seen.length);
      expect([...seen].sort()).to.deep.equal(hosts.map((h) => h.moid).sort());

      const calls = await sim.stats();
      expect(calls.RetrievePropertiesEx).to.equal(1);
      expect(calls.ContinueRetrievePropertiesEx).to.equal(4);
    });

    it('returns one page without maxObjects', async () => {
      const response = await retrieveFromView(admin, view, ['name']);

      expect(objectIds(response)).to.have.length(10);
      expect(resultToken(response)).to.equal(undefined);
    });

    it('omits the token on the last page', async () => {
      const response = await retrieveFromView(admin, view, ['name'], 10);

      expect(objectIds(response)).to.have.length(10);
      expect(resultToken(response)).to.equal(undefined);
    });

    it('keeps the order across pages', async () => {
      const whole = objectIds(await retrieveFromView(admin, view, ['name']));

      const first = await retrieveFromView(admin, view, ['name'], 4);
      const rest = await continueRetrieve(admin, requireToken(first));
      const last = await continueRetrieve(admin, requireToken(rest));

      expect([...objectIds(first), ...objectIds(rest), ...objectIds(last)]).to.deep.equal(whole);
    });

    it('faults on a used token', async () => {
      const first = await retrieveFromView(admin, view, ['name'], 2);
      const token = requireToken(first);
      await continueRetrieve(admin, token);

      const fault = await captureFault(continueRetrieve(admin, token));

      expect(fault.faultType).to.equal('InvalidArgument');
    });

    it('faults on an unknown token', async () => {
      const fault = await captureFault(continueRetrieve(admin, 'no-such-token'));

      expect(fault.faultType).to.equal('InvalidArgument');
      expect(fault.faultString).to.contain('no-such-token');
    });

    it('drops a cancelled token', async () => {
      const token = requireToken(await retrieveFromView(admin, view, ['name'], 3));

      await admin.call(
        'CancelRetrievePropertiesEx',
        admin.serviceContent.propertyCollector,
        `<token>${token}</token>`,
      );
      const fault = await captureFault(continueRetrieve(admin, token));

      expect(fault.faultType).to.equal('InvalidArgument');
    });

    it('pages a created property collector', async () => {
      const created = await admin.call('CreatePropertyCollector', admin.serviceContent.propertyCollector);
      const collector = returnedRef(created);

      try {
        const first = await retrieveFromView(admin, view, ['name'], 3, collector);
        const rest = await continueRetrieve(admin, requireToken(first), collector);

        expect(objectIds(first)).to.have.length(3);
        expect(objectIds(rest)).to.have.length(3);
      } finally {
        await admin.call('DestroyPropertyCollector', collector);
      }
    });
  });

  describe('property updates', () => {
    let collector: MoRef;

    beforeEach(async () => {
      collector = returnedRef(await admin.call('CreatePropertyCollector', admin.serviceContent.propertyCollector));
    });

    afterEach(async () => {
      await admin.call('DestroyPropertyCollector', collector);
    });

    it('publishes firewall changes to watchers', async () => {
      const target = host(8);
      await watch(admin, collector, hostRef(target.moid), ['config.firewall']);
      await watch(admin, collector, { type: 'HostFirewallSystem', value: target.firewallSystem }, ['firewallInfo']);
      const version = await waitForUpdates(admin, collector);

      await admin.disableRuleset(target.firewallSystem, 'vMotion');
      const update = await waitForUpdates(admin, collector, version);

      expect(update).to.contain(`<obj type="HostSystem">${target.moid}</obj>`);
      expect(update).to.contain(`<obj type="HostFirewallSystem">${target.firewallSystem}</obj>`);
      expect(rulesetEnabled(changeValue(update, 'config.firewall'), 'vMotion')).to.equal(false);
      expect(rulesetEnabled(changeValue(update, 'firewallInfo'), 'vMotion')).to.equal(false);
    });

    it('publishes connection state to watchers', async () => {
      const target = host(9);
      await watch(admin, collector, hostRef(target.moid), ['runtime.connectionState']);
      const version = await waitForUpdates(admin, collector);

      await sim.setHost(target.moid, { connectionState: 'notResponding' });
      const update = await waitForUpdates(admin, collector, version);
      await sim.setHost(target.moid, { connectionState: 'connected' });

      expect(changeValue(update, 'runtime.connectionState')).to.equal('notResponding');
    });
  });

  describe('control API', () => {
    it('changes the connection state', async () => {
      const target = host(4);

      const changed = await sim.setHost(target.name, { connectionState: 'disconnected', inMaintenanceMode: true });
      const xml = await readHostXml(admin, target.moid, [
        'runtime.connectionState',
        'summary.runtime.connectionState',
        'runtime.inMaintenanceMode',
      ]);

      expect(changed.connectionState).to.equal('disconnected');
      expect(changed.inMaintenanceMode).to.equal(true);
      expect(propertyValue(xml, 'runtime.connectionState')).to.equal('disconnected');
      expect(propertyValue(xml, 'summary.runtime.connectionState')).to.equal('disconnected');
      expect(propertyValue(xml, 'runtime.inMaintenanceMode')).to.equal('true');

      await sim.setHost(target.moid, { connectionState: 'connected', inMaintenanceMode: false });
      const listed = (await sim.listHosts()).find((h) => h.moid === target.moid);
      expect(listed?.connectionState).to.equal('connected');
      expect(listed?.inMaintenanceMode).to.equal(false);
    });

    it('drops and restores config.firewall', async () => {
      const target = host(5);
      await admin.disableRuleset(target.firewallSystem, 'CIMSLP');
      const before = await readHostProperty(admin, target.moid, 'config.firewall');

      await sim.setHost(target.moid, { firewall: 'absent' });
      const hidden = await readHostXml(admin, target.moid, ['config.firewall', 'name']);
      const hiddenInfo = await readObjectXml(
        admin,
        { type: 'HostFirewallSystem', value: target.firewallSystem },
        ['firewallInfo'],
      );

      expect(objectIds(hidden)).to.deep.equal([target.moid]);
      expect(hidden).not.to.contain('<name>config.firewall</name>');
      expect(propertyValue(hidden, 'name')).to.equal(target.name);
      expect(hiddenInfo).not.to.contain('<name>firewallInfo</name>');

      await sim.setHost(target.moid, { firewall: 'present' });
      expect(await readHostProperty(admin, target.moid, 'config.firewall')).to.equal(before);
      expect(await readFirewallInfo(admin, target.firewallSystem)).to.equal(before);
    });

    it('rejects an unknown host', async () => {
      const error = await captureError(sim.setHost('no-such-host', { connectionState: 'connected' }));

      expect(error.message).to.contain('HTTP 404');
      expect(error.message).to.contain('no-such-host');
    });

    it('rejects an invalid field value', async () => {
      const bad = { connectionState: 'sleeping' } as unknown as { connectionState: 'connected' };
      const error = await captureError(sim.setHost(host(0).name, bad));

      expect(error.message).to.contain('HTTP 400');
      expect(error.message).to.contain('connectionState');
    });

    it('rejects an unknown field', async () => {
      const res = await httpRequest(`${sim.controlUrl}/host`, {
        method: 'POST',
        body: JSON.stringify({ host: host(0).name, powerState: 'off' }),
      });

      expect(res.status).to.equal(400);
      expect(res.body).to.contain('powerState');
    });

    it('rejects a foreign Host header', async () => {
      const res = await httpRequest(`${sim.controlUrl}/hosts`, { headers: { host: 'attacker.example' } });

      expect(res.status).to.equal(403);
    });

    it('counts SOAP calls by method', async () => {
      await sim.resetStats();

      await admin.disableRuleset(host(6).firewallSystem, 'CIMSLP');
      await readHostProperty(admin, host(6).moid, 'name');
      await readHostProperty(admin, host(6).moid, 'name');
      const calls = await sim.stats();

      expect(calls).to.deep.equal({ DisableRuleset: 1, RetrievePropertiesEx: 2 });
    });
  });

  describe('sessions', () => {
    it('faults with NotAuthenticated after expiry', async () => {
      const expiring = await AdminClient.login(sim.url, sim.username, sim.password);

      await sim.expireSessions();
      const fault = await captureFault(expiring.disableRuleset(host(7).firewallSystem, 'CIMSLP'));

      expect(fault.faultType).to.equal('NotAuthenticated');
    });

    it('reports properties as missing after expiry', async () => {
      const expiring = await AdminClient.login(sim.url, sim.username, sim.password);

      await sim.expireSessions();
      const xml = await readHostXml(expiring, host(7).moid, ['name']);

      expect(xml).to.contain('<missingSet>');
      // govmomi 0.24.2 writes the type attribute with the prefix
      // "XMLSchema-instance" bound to the xsi namespace, where vCenter writes "xsi".
      expect(xml).to.match(/:type="NotAuthenticated"/);
      expect(xml).not.to.contain('<propSet>');
    });

    it('accepts a new login after expiry', async () => {
      await sim.expireSessions();
      const fresh = await AdminClient.login(sim.url, sim.username, sim.password);

      expect(await readHostProperty(fresh, host(7).moid, 'name')).to.equal(host(7).name);
    });

    it('rejects a wrong password', async () => {
      const fault = await captureFault(AdminClient.login(sim.url, sim.username, 'wrong'));

      expect(fault.faultType).to.equal('InvalidLogin');
    });
  });
});

describe('vcsim launcher in TLS mode', () => {
  let sim: Simulator;

  before(async function () {
    this.timeout(SIM_START_TIMEOUT_MS);
    sim = await startSimulator({ tls: true, clusters: 0, standalone: 1, username: 'admin', password: 's3cret' });
  });

  after(async () => {
    await sim?.stop();
  });

  it('serves the certificate it wrote', async () => {
    const url = new URL(sim.url);
    const served = await peerCertificate(url.hostname, Number(url.port), sim.certPem ?? '');
    const written = new X509Certificate(readFileSync(sim.certFile ?? '', 'utf8'));

    expect(url.protocol).to.equal('https:');
    expect(served.raw.equals(written.raw)).to.equal(true);
    expect(written.fingerprint256).to.equal(sim.certSha256);
    expect(served.fingerprint256).to.equal(sim.certSha256);
  });

  it('names loopback in the certificate', () => {
    const cert = new X509Certificate(sim.certPem ?? '');

    expect(cert.checkIP('127.0.0.1')).to.equal('127.0.0.1');
    expect(cert.checkHost('localhost')).to.equal('localhost');
  });

  it('answers SOAP over HTTPS', async () => {
    const tlsAdmin = await AdminClient.login(sim.url, 'admin', 's3cret', { ca: sim.certPem });
    const [only] = await sim.listHosts();

    expect(only?.name).to.equal('DC0_H0');
    expect(await readHostProperty(tlsAdmin, only?.moid ?? '', 'name')).to.equal('DC0_H0');
  });

  it('rejects clients without the certificate', async () => {
    const error = await captureError(httpRequest(`${sim.controlUrl}/hosts`));

    expect(error.message).to.match(/self[- ]signed/i);
  });
});

describe('vcsim binary', () => {
  it('rejects a non-loopback listen address', async () => {
    const result = await runBinary(['-listen', '0.0.0.0:0']);

    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('loopback');
  });

  it('exits when stdin closes', async () => {
    const child = spawn(simulatorBinary(), ['-clusters', '0', '-standalone', '1'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const lines = createInterface({ input: child.stdout });
    const firstLine = await new Promise<string>((resolve) => lines.once('line', resolve));

    child.stdin.end();

    expect(JSON.parse(firstLine)).to.have.property('hosts', 1);
    expect(await exited).to.equal(0);
  });
});

// --- SOAP helpers: request bodies as in the vim25 WSDL, raw XML back. ---

async function readFirewallInfo(client: AdminClient, firewallSystem: string): Promise<string> {
  const xml = await readObjectXml(client, { type: 'HostFirewallSystem', value: firewallSystem }, ['firewallInfo']);
  return propertyValue(xml, 'firewallInfo');
}

/** Returns the XML of the ruleset with key id. */
function rulesetXml(firewallXml: string, id: string): string {
  for (const match of firewallXml.matchAll(/<ruleset>([\s\S]*?)<\/ruleset>/g)) {
    const body = match[1] ?? '';
    if (body.includes(`<key>${id}</key>`)) return body;
  }
  throw new Error(`no ruleset ${id} in: ${firewallXml.slice(0, 300)}`);
}

function rulesetEnabled(firewallXml: string, id: string): boolean {
  const enabled = /<enabled>(true|false)<\/enabled>/.exec(rulesetXml(firewallXml, id));
  if (!enabled) throw new Error(`ruleset ${id} has no enabled element`);
  return enabled[1] === 'true';
}

/** Creates a filter on collector for paths of one object. */
async function watch(client: AdminClient, collector: MoRef, obj: MoRef, paths: string[]): Promise<void> {
  const pathSet = paths.map((p) => `<pathSet>${p}</pathSet>`).join('');
  await client.call(
    'CreateFilter',
    collector,
    `<spec><propSet><type>${obj.type}</type>${pathSet}</propSet>` +
      `<objectSet><obj type="${obj.type}">${obj.value}</obj></objectSet></spec>` +
      '<partialUpdates>false</partialUpdates>',
  );
}

/**
 * Calls WaitForUpdatesEx. Without version it returns the version of the
 * current state; with one it returns the raw update set that follows it.
 */
async function waitForUpdates(client: AdminClient, collector: MoRef, version?: string): Promise<string> {
  const versionXml = version === undefined ? '' : `<version>${version}</version>`;
  const xml = await client.call(
    'WaitForUpdatesEx',
    collector,
    `${versionXml}<options><maxWaitSeconds>10</maxWaitSeconds></options>`,
  );
  if (version !== undefined) return xml;

  const next = /<version>([^<]*)<\/version>/.exec(xml)?.[1];
  if (next === undefined) throw new Error(`WaitForUpdatesEx returned no version: ${xml.slice(0, 500)}`);
  return next;
}

/** Returns the content of the val element of change name in an update set. */
function changeValue(xml: string, name: string): string {
  const start = xml.indexOf(`<changeSet><name>${name}</name>`);
  if (start < 0) throw new Error(`no change of ${name} in update: ${xml.slice(0, 800)}`);

  const valueStart = xml.indexOf('>', xml.indexOf('<val', start)) + 1;
  const valueEnd = xml.indexOf('</val></changeSet>', valueStart);
  return xml.slice(valueStart, valueEnd);
}

/** Creates a ContainerView of every HostSystem under the root folder. */
async function createHostView(client: AdminClient): Promise<MoRef> {
  const { rootFolder, viewManager } = client.serviceContent;
  const xml = await client.call(
    'CreateContainerView',
    viewManager,
    `<container type="${rootFolder.type}">${rootFolder.value}</container>` +
      '<type>HostSystem</type><recursive>true</recursive>',
  );
  return returnedRef(xml);
}

function retrieveFromView(
  client: AdminClient,
  view: MoRef,
  paths: string[],
  maxObjects?: number,
  collector: MoRef = client.serviceContent.propertyCollector,
): Promise<string> {
  const pathSet = paths.map((p) => `<pathSet>${p}</pathSet>`).join('');
  const options = maxObjects === undefined ? '' : `<maxObjects>${maxObjects}</maxObjects>`;
  return client.call(
    'RetrievePropertiesEx',
    collector,
    `<specSet><propSet><type>HostSystem</type>${pathSet}</propSet>` +
      `<objectSet><obj type="${view.type}">${view.value}</obj><skip>true</skip>` +
      '<selectSet xsi:type="TraversalSpec"><name>view</name><type>ContainerView</type>' +
      '<path>view</path><skip>false</skip></selectSet></objectSet></specSet>' +
      `<options>${options}</options>`,
  );
}

function continueRetrieve(
  client: AdminClient,
  token: string,
  collector: MoRef = client.serviceContent.propertyCollector,
): Promise<string> {
  return client.call('ContinueRetrievePropertiesEx', collector, `<token>${token}</token>`);
}

/** Returns the moids of the objects in a RetrievePropertiesEx or Continue response, in order. */
function objectIds(xml: string): string[] {
  return [...xml.matchAll(/<objects><obj type="[^"]+">([^<]+)<\/obj>/g)].map((m) => m[1] ?? '');
}

function resultToken(xml: string): string | undefined {
  return /<token>([^<]+)<\/token>/.exec(xml)?.[1];
}

function requireToken(xml: string): string {
  const token = resultToken(xml);
  if (token === undefined) throw new Error(`expected a token in: ${xml.slice(0, 500)}`);
  return token;
}

// --- Process helpers. ---

/** Connects with TLS, trusting only ca, and returns the certificate the server presents. */
function peerCertificate(host: string, port: number, ca: string): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, ca, servername: 'localhost' }, () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      resolve(cert);
    });
    socket.once('error', reject);
  });
}

/** Runs the simulator binary to completion with stdin closed. */
function runBinary(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(simulatorBinary(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}
