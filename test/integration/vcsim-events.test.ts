// Integration tests of the simulator's vCenter events, esxcli over the API,
// API 8.0.2.0 ruleset fields and permission gaps, over real HTTP on
// loopback. Each test posts events with its own eventTypeId or reads its own
// host, so the tests do not see each other's events.
import { expect } from 'chai';
import { httpRequest } from '../helpers/http.js';
import { captureError, captureFault, hostRef, propertyValue, readHostProperty, readHostXml, readObjectXml } from '../helpers/raw-reads.js';
import { startSimulator, type SimHost, type Simulator } from '../helpers/vcsim.js';
import {
  AdminClient,
  EsxcliFaultError,
  escapeXml,
  returnedRef,
  type MoRef,
  type VimEvent,
} from '../helpers/vsphere-admin.js';

const SIM_START_TIMEOUT_MS = 120_000;
const CONFIG_CHANGED = 'esx.audit.net.firewall.config.changed';
const FIREWALL_DISABLED = 'esx.audit.net.firewall.disabled';

describe('vcsim events and host extensions', () => {
  let sim: Simulator;
  let hosts: SimHost[];
  let admin: AdminClient;

  before(async function () {
    this.timeout(SIM_START_TIMEOUT_MS);
    sim = await startSimulator({ clusters: 1, clusterHosts: 3, standalone: 3 });
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

  describe('event filters', () => {
    it('matches EventEx and ExtendedEvent ids', async () => {
      const [ex, extended] = await sim.postEvents([
        { host: host(0).name, eventTypeId: 'test.match.ex', kind: 'EventEx' },
        { host: host(0).name, eventTypeId: 'test.match.extended', kind: 'ExtendedEvent' },
        { host: host(0).name, eventTypeId: 'test.match.other', kind: 'EventEx' },
      ]);

      const events = await admin.queryEvents({ eventTypeId: ['test.match.ex', 'test.match.extended'] });

      expect(sortedKeys(events)).to.deep.equal([ex, extended]);
      expect(events.find((e) => e.key === ex)?.type).to.equal('EventEx');
      expect(events.find((e) => e.key === extended)?.type).to.equal('ExtendedEvent');
    });

    it('matches other events by class', async () => {
      await postGeneralEvent(admin, host(0), 'test.class.general');

      const events = await admin.queryEvents({ eventTypeId: ['GeneralEvent'] });

      expect(events.map((e) => e.message)).to.include('test.class.general');
      expect(events.every((e) => e.type === 'GeneralEvent')).to.equal(true);
    });

    it('ignores the class name of EventEx', async () => {
      await sim.postEvent({ host: host(0).name, eventTypeId: 'test.class.ex', kind: 'EventEx' });

      const byClass = await admin.queryEvents({ eventTypeId: ['EventEx'] });

      expect(byClass).to.deep.equal([]);
    });

    it('excludes events outside the time range', async () => {
      const id = 'test.time.range';
      const [, inside] = await sim.postEvents([
        { host: host(0).name, eventTypeId: id, kind: 'EventEx', createdTime: '2024-03-01T08:00:00Z' },
        { host: host(0).name, eventTypeId: id, kind: 'EventEx', createdTime: '2024-03-01T09:00:00Z' },
        { host: host(0).name, eventTypeId: id, kind: 'EventEx', createdTime: '2024-03-01T10:00:00Z' },
      ]);

      const events = await admin.queryEvents({
        eventTypeId: [id],
        beginTime: new Date('2024-03-01T08:30:00Z'),
        endTime: new Date('2024-03-01T09:30:00Z'),
      });

      expect(keysOf(events)).to.deep.equal([inside]);
    });

    it('includes events at the range ends', async () => {
      const id = 'test.time.ends';
      const keys = await sim.postEvents([
        { host: host(0).name, eventTypeId: id, kind: 'EventEx', createdTime: '2024-04-01T08:00:00Z' },
        { host: host(0).name, eventTypeId: id, kind: 'EventEx', createdTime: '2024-04-01T09:00:00Z' },
      ]);

      const events = await admin.queryEvents({
        eventTypeId: [id],
        beginTime: new Date('2024-04-01T08:00:00Z'),
        endTime: new Date('2024-04-01T09:00:00Z'),
      });

      expect(sortedKeys(events)).to.deep.equal(keys);
    });

    it('filters by user name', async () => {
      const id = 'test.user';
      const [alice] = await sim.postEvents([
        { host: host(0).name, eventTypeId: id, kind: 'EventEx', userName: 'alice' },
        { host: host(0).name, eventTypeId: id, kind: 'EventEx', userName: 'bob' },
        { host: host(0).name, eventTypeId: id, kind: 'EventEx' },
      ]);

      const events = await admin.queryEvents({ eventTypeId: [id], userList: ['alice'] });

      expect(keysOf(events)).to.deep.equal([alice]);
    });

    it('matches the system user', async () => {
      const id = 'test.user.system';
      const [, system] = await sim.postEvents([
        { host: host(0).name, eventTypeId: id, kind: 'EventEx', userName: 'alice' },
        { host: host(0).name, eventTypeId: id, kind: 'EventEx' },
      ]);

      const events = await admin.queryEvents({ eventTypeId: [id], systemUser: true });

      expect(keysOf(events)).to.deep.equal([system]);
    });

    it('filters by host entity', async () => {
      const id = 'test.entity.self';
      const [first] = await sim.postEvents([
        { host: host(0).name, eventTypeId: id, kind: 'EventEx' },
        { host: host(1).name, eventTypeId: id, kind: 'ExtendedEvent' },
      ]);

      const events = await admin.queryEvents({ eventTypeId: [id], entity: { ref: hostRef(host(0).moid), recursion: 'self' } });

      expect(keysOf(events)).to.deep.equal([first]);
      expect(events[0]?.host?.moid).to.equal(host(0).moid);
    });

    it('includes hosts below the root folder', async () => {
      const id = 'test.entity.children';
      const keys = await sim.postEvents([
        { host: host(0).name, eventTypeId: id, kind: 'EventEx' },
        { host: host(4).name, eventTypeId: id, kind: 'ExtendedEvent' },
      ]);

      const events = await admin.queryEvents({
        eventTypeId: [id],
        entity: { ref: admin.serviceContent.rootFolder, recursion: 'children' },
      });

      expect(sortedKeys(events)).to.deep.equal(keys);
    });

    it('returns the newest maxCount events first', async () => {
      const id = 'test.max.count';
      const keys = await sim.postEvents(Array.from({ length: 5 }, () => ({ host: host(0).name, eventTypeId: id, kind: 'EventEx' as const })));

      const events = await admin.queryEvents({ eventTypeId: [id], maxCount: 2 });

      expect(keysOf(events)).to.deep.equal([keys[4], keys[3]]);
    });

    it('rejects an unknown entity', async () => {
      const fault = await captureFault(admin.queryEvents({ entity: { ref: hostRef('host-999999'), recursion: 'self' } }));

      expect(fault.faultType).to.equal('ManagedObjectNotFound');
    });
  });

  describe('PostEvent', () => {
    it('keeps the createdTime of a request', async () => {
      await postEventEx(admin, host(0), 'test.post.time', '2023-06-01T12:00:00Z');

      const [event] = await admin.queryEvents({ eventTypeId: ['test.post.time'] });

      expect(event?.createdTime).to.equal('2023-06-01T12:00:00Z');
    });

    it('sets the session user', async () => {
      await postEventEx(admin, host(0), 'test.post.user', '2023-06-01T12:00:00Z');

      const [event] = await admin.queryEvents({ eventTypeId: ['test.post.user'] });

      expect(event?.userName).to.equal(sim.username);
    });

    it('assigns increasing keys', async () => {
      await postEventEx(admin, host(0), 'test.post.keys', '2023-06-01T12:00:00Z');
      await postEventEx(admin, host(0), 'test.post.keys', '2023-06-01T12:00:00Z');

      const [newer, older] = await admin.queryEvents({ eventTypeId: ['test.post.keys'] });

      expect(newer?.key).to.be.greaterThan(older?.key ?? Infinity);
    });

    it('keeps the createdTime of the control API', async () => {
      const key = await sim.postEvent({
        host: host(0).moid,
        eventTypeId: 'test.control.time',
        kind: 'ExtendedEvent',
        createdTime: new Date('2022-02-02T02:02:02.000Z'),
        data: { reason: 'between polls' },
      });

      const [event] = await admin.queryEvents({ eventTypeId: ['test.control.time'] });

      expect(event?.key).to.equal(key);
      expect(new Date(event?.createdTime ?? '').toISOString()).to.equal('2022-02-02T02:02:02.000Z');
      expect(event?.data).to.deep.equal({ reason: 'between polls' });
    });
  });

  describe('event collector', () => {
    it('pages each event once', async () => {
      const id = 'test.collector.pages';
      const keys = await sim.postEvents(Array.from({ length: 60 }, () => ({ host: host(0).name, eventTypeId: id, kind: 'EventEx' as const })));
      const collector = await admin.createEventCollector({ eventTypeId: [id] });

      try {
        const read = await readAll(admin, collector, 25);

        expect(read).to.deep.equal(keys);
      } finally {
        await admin.destroyCollector(collector);
      }
    });

    it('reads events posted later', async () => {
      const id = 'test.collector.later';
      await sim.postEvents([{ host: host(0).name, eventTypeId: id, kind: 'EventEx' }]);
      const collector = await admin.createEventCollector({ eventTypeId: [id] });

      try {
        await readAll(admin, collector, 10);
        const later = await sim.postEvents([
          { host: host(1).name, eventTypeId: id, kind: 'EventEx' },
          { host: host(2).name, eventTypeId: id, kind: 'ExtendedEvent' },
        ]);

        expect(await readAll(admin, collector, 10)).to.deep.equal(later);
      } finally {
        await admin.destroyCollector(collector);
      }
    });

    it('publishes latestPage to watchers', async () => {
      const id = 'test.collector.watch';
      const collector = await admin.createEventCollector({ eventTypeId: [id] });
      const propertyCollector = returnedRef(await admin.call('CreatePropertyCollector', admin.serviceContent.propertyCollector));

      try {
        await admin.call(
          'CreateFilter',
          propertyCollector,
          '<spec><propSet><type>EventHistoryCollector</type><pathSet>latestPage</pathSet></propSet>' +
            `<objectSet><obj type="EventHistoryCollector">${escapeXml(collector.value)}</obj></objectSet></spec>` +
            '<partialUpdates>false</partialUpdates>',
        );
        const initial = await waitForUpdates(admin, propertyCollector);
        const version = /<version>([^<]*)<\/version>/.exec(initial)?.[1] ?? '';

        const key = await sim.postEvent({ host: host(0).name, eventTypeId: id, kind: 'EventEx' });
        const update = await waitForUpdates(admin, propertyCollector, version);

        expect(update).to.contain('<name>latestPage</name>');
        expect(update).to.contain(`<key>${key}</key>`);
      } finally {
        await admin.call('DestroyPropertyCollector', propertyCollector);
        await admin.destroyCollector(collector);
      }
    });

    it('faults after DestroyCollector', async () => {
      const collector = await admin.createEventCollector({ eventTypeId: ['test.collector.destroyed'] });
      await admin.destroyCollector(collector);

      const fault = await captureFault(admin.readNextEvents(collector, 10));

      expect(fault.faultType).to.equal('ManagedObjectNotFound');
    });

    it('rejects maxCount zero', async () => {
      const collector = await admin.createEventCollector({ eventTypeId: ['test.collector.zero'] });

      try {
        const fault = await captureFault(admin.readNextEvents(collector, 0));

        expect(fault.faultType).to.equal('InvalidArgument');
      } finally {
        await admin.destroyCollector(collector);
      }
    });
  });

  describe('firewall events', () => {
    it('posts config.changed for DisableRuleset', async () => {
      const target = host(0);

      await admin.disableRuleset(target.firewallSystem, 'sshServer');
      const [event] = await admin.queryEvents({
        eventTypeId: [CONFIG_CHANGED],
        entity: { ref: hostRef(target.moid), recursion: 'self' },
        maxCount: 1,
      });

      expect(event?.type).to.equal('EventEx');
      expect(event?.userName).to.equal(sim.username);
      expect(event?.arguments.ruleset).to.equal('sshServer');
      expect(event?.host?.moid).to.equal(target.moid);
    });

    it('posts config.changed for UpdateDefaultPolicy', async () => {
      const target = host(0);

      await admin.updateDefaultPolicy(target.firewallSystem, { incomingBlocked: true });
      const [event] = await admin.queryEvents({
        eventTypeId: [CONFIG_CHANGED],
        entity: { ref: hostRef(target.moid), recursion: 'self' },
        maxCount: 1,
      });

      expect(event?.arguments.defaultPolicy).to.equal('incomingBlocked=true,outgoingBlocked=true');
    });

    it('posts nothing when switched off', async () => {
      const target = host(0);
      const query = { eventTypeId: [CONFIG_CHANGED], entity: { ref: hostRef(target.moid), recursion: 'self' as const } };
      const before = await admin.queryEvents(query);

      await sim.settings({ firewallEvents: false });
      try {
        await admin.enableRuleset(target.firewallSystem, 'syslog');
      } finally {
        await sim.settings({ firewallEvents: true });
      }

      expect(await admin.queryEvents(query)).to.have.length(before.length);
    });
  });

  describe('esxcli', () => {
    it('reads the default firewall state', async () => {
      const state = await admin.executeEsxcliFirewallGet(host(1).moid);

      expect(state).to.deep.equal({ enabled: true, defaultAction: 'DROP', loaded: true });
    });

    it('round-trips enabled and defaultAction', async () => {
      const target = host(2);

      await admin.executeEsxcliFirewallSet(target.moid, { enabled: false, defaultAction: 'PASS' });
      const state = await admin.executeEsxcliFirewallGet(target.moid);

      expect(state.enabled).to.equal(false);
      expect(state.defaultAction).to.equal('PASS');
    });

    it('sets incomingBlocked from defaultAction', async () => {
      const target = host(2);

      await admin.executeEsxcliFirewallSet(target.moid, { defaultAction: 'PASS' });
      const firewall = await readHostProperty(admin, target.moid, 'config.firewall');

      expect(firewall).to.contain('<incomingBlocked>false</incomingBlocked>');
    });

    it('posts the disabled ExtendedEvent', async () => {
      const target = host(3);

      await admin.executeEsxcliFirewallSet(target.moid, { enabled: false });
      const events = await admin.queryEvents({
        eventTypeId: [FIREWALL_DISABLED],
        entity: { ref: hostRef(target.moid), recursion: 'self' },
      });
      await admin.executeEsxcliFirewallSet(target.moid, { enabled: true });

      expect(events).to.have.length(1);
      expect(events[0]?.type).to.equal('ExtendedEvent');
      expect(events[0]?.userName).to.equal(sim.username);
    });

    it('switches the firewall without an event', async () => {
      const target = host(4);
      const query = { eventTypeId: [FIREWALL_DISABLED], entity: { ref: hostRef(target.moid), recursion: 'self' as const } };

      await sim.setHost(target.moid, { firewallEnabled: false });
      const state = await admin.executeEsxcliFirewallGet(target.moid);
      await sim.setHost(target.moid, { firewallEnabled: true });

      expect(state.enabled).to.equal(false);
      expect(await admin.queryEvents(query)).to.deep.equal([]);
    });

    it('fails only for the faulted host', async () => {
      const faulted = host(4);
      const other = host(5);

      await sim.setHost(faulted.name, { esxcliFault: 'NotSupported' });
      try {
        const fault = await captureFault(admin.executeEsxcliFirewallGet(faulted.moid));
        const state = await admin.executeEsxcliFirewallGet(other.moid);

        expect(fault.faultType).to.equal('NotSupported');
        expect(state.loaded).to.equal(true);
      } finally {
        await sim.setHost(faulted.name, { esxcliFault: null });
      }
    });

    it('hangs ExecuteSoap in timeout mode', async () => {
      const target = host(4);
      const executer = await methodExecuter(admin, target.moid);

      await sim.setHost(target.name, { esxcliFault: 'timeout' });
      try {
        const call = admin.call('ExecuteSoap', executer, esxcliCall('vim.EsxCLI.network.firewall.get'), { timeoutMs: 1000 });
        const error = await captureError(call);

        expect(error.message).to.contain('timed out');
      } finally {
        await sim.setHost(target.name, { esxcliFault: null });
      }
    });

    it('succeeds after clearing the fault', async () => {
      const target = host(4);

      await sim.setHost(target.name, { esxcliFault: 'NotSupported' });
      const cleared = await sim.setHost(target.name, { esxcliFault: null });
      const state = await admin.executeEsxcliFirewallGet(target.moid);

      expect(cleared.esxcliFault).to.equal(null);
      expect(state.loaded).to.equal(true);
    });

    it('returns a fault element for a bad value', async () => {
      const executer = await methodExecuter(admin, host(1).moid);
      const argument = `<argument><name>enabled</name><val>${escapeXml('<enabled>maybe</enabled>')}</val></argument>`;

      const xml = await admin.call('ExecuteSoap', executer, esxcliCall('vim.EsxCLI.network.firewall.set', argument));

      expect(xml).to.contain('<faultMsg>');
      expect(xml).not.to.contain('<response>');
    });

    it('raises InvalidArgument for an unknown method', async () => {
      const executer = await methodExecuter(admin, host(1).moid);

      const fault = await captureFault(admin.call('ExecuteSoap', executer, esxcliCall('vim.EsxCLI.network.firewall.reload')));

      expect(fault.faultType).to.equal('InvalidArgument');
    });

    it('throws EsxcliFaultError from the helper', async () => {
      const error = await captureError(admin.executeEsxcliFirewallSet(host(1).moid, {}));

      expect(error).to.be.instanceOf(EsxcliFaultError);
    });
  });

  describe('API 8.0.2.0 ruleset flags', () => {
    let admin802: AdminClient;

    before(async () => {
      await sim.setHost(host(5).name, { apiVersion: '8.0.2.0' });
    });

    beforeEach(async () => {
      admin802 = await AdminClient.login(sim.url, sim.username, sim.password, { apiVersion: '8.0.2.0' });
    });

    it('reports the host API version', async () => {
      const xml = await readHostXml(admin, host(5).moid, ['config.product.apiVersion', 'config.product.version']);

      expect(propertyValue(xml, 'config.product.apiVersion')).to.equal('8.0.2.0');
      expect(propertyValue(xml, 'config.product.version')).to.equal('8.0.2');
    });

    it('omits flags for an older SOAPAction', async () => {
      const firewall = await readHostProperty(admin, host(5).moid, 'config.firewall');

      expect(firewall).not.to.contain('userControllable');
      expect(firewall).not.to.contain('ipListUserConfigurable');
    });

    it('adds flags for SOAPAction 8.0.2.0', async () => {
      const firewall = await readHostProperty(admin802, host(5).moid, 'config.firewall');

      expect(rulesetFlags(firewall, 'sshServer')).to.deep.equal({ userControllable: false, ipListUserConfigurable: true });
      expect(rulesetFlags(firewall, 'vMotion')).to.deep.equal({ userControllable: false, ipListUserConfigurable: false });
      expect(rulesetFlags(firewall, 'syslog')).to.deep.equal({ userControllable: true, ipListUserConfigurable: true });
    });

    it('adds flags to firewallInfo', async () => {
      const xml = await readObjectXml(admin802, { type: 'HostFirewallSystem', value: host(5).firewallSystem }, ['firewallInfo']);

      expect(rulesetFlags(propertyValue(xml, 'firewallInfo'), 'NFC')).to.deep.equal({
        userControllable: false,
        ipListUserConfigurable: false,
      });
    });

    it('omits flags for an older host', async () => {
      const firewall = await readHostProperty(admin802, host(0).moid, 'config.firewall');

      expect(firewall).not.to.contain('userControllable');
    });

    it('adds flags on later pages', async () => {
      const xml = await admin802.call(
        'RetrievePropertiesEx',
        admin802.serviceContent.propertyCollector,
        `<specSet><propSet><type>HostSystem</type><pathSet>config.firewall</pathSet></propSet>${hostObjectSet(hosts)}</specSet>` +
          '<options><maxObjects>1</maxObjects></options>',
      );
      let page = xml;
      let token = /<token>([^<]+)<\/token>/.exec(page)?.[1];
      while (token !== undefined && !page.includes(`>${host(5).moid}</obj>`)) {
        page = await admin802.call('ContinueRetrievePropertiesEx', admin802.serviceContent.propertyCollector, `<token>${token}</token>`);
        token = /<token>([^<]+)<\/token>/.exec(page)?.[1];
      }

      expect(page).to.contain(`>${host(5).moid}</obj>`);
      expect(page).to.contain('<userControllable>');
    });
  });

  describe('permission gaps', () => {
    const target = (): SimHost => host(3);

    afterEach(async () => {
      await sim.setHost(target().name, { deny: [] });
    });

    it('reports a denied path as NoPermission', async () => {
      await sim.setHost(target().name, { deny: ['config.firewall'] });

      const xml = await readHostXml(admin, target().moid, ['name', 'config.firewall']);
      const missing = /<missingSet><path>([^<]*)<\/path><fault>([\s\S]*?)<\/fault><\/missingSet>/.exec(xml);

      expect(missing?.[1]).to.equal('config.firewall');
      expect(missing?.[2]).to.match(/:type="NoPermission"/);
      expect(missing?.[2]).to.contain(`<object type="HostSystem">${target().moid}</object>`);
      expect(propertyValue(xml, 'name')).to.equal(target().name);
    });

    it('leaves other hosts readable', async () => {
      await sim.setHost(target().name, { deny: ['config.firewall'] });

      const xml = await readHostXml(admin, host(2).moid, ['config.firewall']);

      expect(xml).not.to.contain('<missingSet>');
      expect(propertyValue(xml, 'config.firewall')).to.contain('<ruleset>');
    });

    it('denies a parent path too', async () => {
      await sim.setHost(target().name, { deny: ['config.firewall'] });

      const xml = await readHostXml(admin, target().moid, ['config']);

      expect(xml).to.contain('<missingSet><path>config</path>');
      expect(xml).not.to.contain('<propSet>');
    });

    it('clears the gap with an empty list', async () => {
      await sim.setHost(target().name, { deny: ['config.firewall'] });
      const cleared = await sim.setHost(target().name, { deny: [] });

      const xml = await readHostXml(admin, target().moid, ['config.firewall']);

      expect(cleared.deny).to.deep.equal([]);
      expect(xml).not.to.contain('<missingSet>');
    });
  });

  describe('control API', () => {
    it('rejects an event for an unknown host', async () => {
      const error = await captureError(sim.postEvent({ host: 'no-such-host', eventTypeId: CONFIG_CHANGED }));

      expect(error.message).to.contain('HTTP 404');
    });

    it('rejects an unknown id without kind', async () => {
      const error = await captureError(sim.postEvent({ host: host(0).name, eventTypeId: 'test.no.kind' }));

      expect(error.message).to.contain('HTTP 400');
      expect(error.message).to.contain('kind');
    });

    it('takes the kind of a known id', async () => {
      const key = await sim.postEvent({ host: host(0).name, eventTypeId: 'esx.audit.ssh.disabled', message: 'test.known.kind' });

      const events = await admin.queryEvents({ eventTypeId: ['esx.audit.ssh.disabled'] });

      expect(events.find((e) => e.key === key)?.type).to.equal('ExtendedEvent');
    });

    it('posts no event of an invalid batch', async () => {
      const id = 'test.batch.invalid';

      const error = await captureError(
        sim.postEvents([
          { host: host(0).name, eventTypeId: id, kind: 'EventEx' },
          { host: 'no-such-host', eventTypeId: id, kind: 'EventEx' },
        ]),
      );

      expect(error.message).to.contain('event 1');
      expect(await admin.queryEvents({ eventTypeId: [id] })).to.deep.equal([]);
    });

    it('rejects an oversized event', async () => {
      const error = await captureError(
        sim.postEvent({ host: host(0).name, eventTypeId: 'test.oversized', kind: 'EventEx', message: 'x'.repeat(70_000) }),
      );

      expect(error.message).to.contain('HTTP 400');
      expect(error.message).to.contain('larger than the limit');
    });

    it('rejects an unknown esxcliFault', async () => {
      const res = await httpRequest(`${sim.controlUrl}/host`, {
        method: 'POST',
        body: JSON.stringify({ host: host(0).name, esxcliFault: 'crash' }),
      });

      expect(res.status).to.equal(400);
      expect(res.body).to.contain('esxcliFault');
    });

    it('rejects productVersion without apiVersion', async () => {
      const error = await captureError(sim.setHost(host(0).name, { productVersion: '8.0.2' }));

      expect(error.message).to.contain('HTTP 400');
    });

    it('reports the settings', async () => {
      expect(await sim.settings()).to.deep.equal({ firewallEvents: true });
    });
  });
});

describe('vcsim with a newer vCenter API version', () => {
  let sim: Simulator;

  before(async function () {
    this.timeout(SIM_START_TIMEOUT_MS);
    sim = await startSimulator({ clusters: 0, standalone: 1, apiVersion: '8.0.3.0' });
  });

  after(async () => {
    await sim?.stop();
  });

  it('reports the apiVersion in about', async () => {
    const res = await httpRequest(sim.url, {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: 'urn:vim25/8.0.3.0' },
      body:
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">' +
        '<soapenv:Body><RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this>' +
        '</RetrieveServiceContent></soapenv:Body></soapenv:Envelope>',
    });

    expect(res.body).to.contain('<apiVersion>8.0.3.0</apiVersion>');
    expect(res.body).to.contain('<version>8.0.3</version>');
  });
});

// --- SOAP helpers: request bodies as in the vim25 WSDL, raw XML back. ---

function keysOf(events: VimEvent[]): number[] {
  return events.map((event) => event.key);
}

function sortedKeys(events: VimEvent[]): number[] {
  return keysOf(events).sort((a, b) => a - b);
}

/** Reads the collector with ReadNextEvents until it returns nothing, and returns the keys in order. */
async function readAll(client: AdminClient, collector: MoRef, pageSize: number): Promise<number[]> {
  const keys: number[] = [];
  for (;;) {
    const page = await client.readNextEvents(collector, pageSize);
    if (page.length === 0) return keys;
    keys.push(...keysOf(page));
  }
}

/** Calls PostEvent with an EventEx about host, created at createdTime. */
async function postEventEx(client: AdminClient, target: SimHost, eventTypeId: string, createdTime: string): Promise<void> {
  const event =
    '<eventToPost xsi:type="EventEx"><key>0</key><chainId>0</chainId>' +
    `<createdTime>${createdTime}</createdTime><userName></userName>` +
    `<host><name>${escapeXml(target.name)}</name><host type="HostSystem">${target.moid}</host></host>` +
    `<eventTypeId>${escapeXml(eventTypeId)}</eventTypeId><severity>info</severity>` +
    '<arguments><key>source</key><value xsi:type="xsd:string">test</value></arguments></eventToPost>';

  await client.call('PostEvent', client.serviceContent.eventManager, event);
}

/** Calls PostEvent with a GeneralEvent about host whose message is message. */
async function postGeneralEvent(client: AdminClient, target: SimHost, message: string): Promise<void> {
  const event =
    '<eventToPost xsi:type="GeneralEvent"><key>0</key><chainId>0</chainId>' +
    `<createdTime>${new Date().toISOString()}</createdTime><userName></userName>` +
    `<host><name>${escapeXml(target.name)}</name><host type="HostSystem">${target.moid}</host></host>` +
    `<message>${escapeXml(message)}</message></eventToPost>`;

  await client.call('PostEvent', client.serviceContent.eventManager, event);
}

async function methodExecuter(client: AdminClient, hostMoid: string): Promise<MoRef> {
  return returnedRef(await client.call('RetrieveManagedMethodExecuter', hostRef(hostMoid)));
}

/** Calls WaitForUpdatesEx with a 10 s limit, from version when given. */
function waitForUpdates(client: AdminClient, collector: MoRef, version?: string): Promise<string> {
  const versionXml = version === undefined ? '' : `<version>${version}</version>`;
  return client.call('WaitForUpdatesEx', collector, `${versionXml}<options><maxWaitSeconds>10</maxWaitSeconds></options>`);
}

function esxcliCall(method: string, argumentXml = ''): string {
  return `<moid>ha-cli-handler-network-firewall</moid><version>urn:vim25/5.0</version><method>${method}</method>${argumentXml}`;
}

function hostObjectSet(list: SimHost[]): string {
  return list.map((h) => `<objectSet><obj type="HostSystem">${h.moid}</obj></objectSet>`).join('');
}

/** Returns the 8.0.2.0 flags of ruleset id, or throws when the ruleset or a flag is missing. */
function rulesetFlags(firewallXml: string, id: string): { userControllable: boolean; ipListUserConfigurable: boolean } {
  for (const match of firewallXml.matchAll(/<ruleset>([\s\S]*?)<\/ruleset>/g)) {
    const body = match[1] ?? '';
    if (!body.includes(`<key>${id}</key>`)) continue;

    const flag = (name: string): boolean => {
      const value = new RegExp(`<${name}>(true|false)</${name}>`).exec(body)?.[1];
      if (value === undefined) throw new Error(`ruleset ${id} has no ${name}: ${body.slice(0, 300)}`);
      return value === 'true';
    };
    return { userControllable: flag('userControllable'), ipListUserConfigurable: flag('ipListUserConfigurable') };
  }
  throw new Error(`no ruleset ${id} in: ${firewallXml.slice(0, 300)}`);
}
