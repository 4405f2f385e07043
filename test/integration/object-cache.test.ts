// A long-running poller decodes only hosts whose bytes changed, and what it
// reuses equals what a fresh decode returns.
import { expect } from 'chai';
import { collectHosts, type Collection } from '../../src/collect/collect.js';
import { ObjectCache } from '../../src/collect/object-cache.js';
import { Secret } from '../../src/config/secret.js';
import { VcenterSession } from '../../src/vsphere/session.js';
import { startSimulator, type Simulator } from '../helpers/vcsim.js';
import { AdminClient } from '../helpers/vsphere-admin.js';

class CountingCache extends ObjectCache {
  decoded = 0;
  reused = 0;
  override remember(key: string, entry: Parameters<ObjectCache['remember']>[1]): void {
    this.decoded += 1;
    super.remember(key, entry);
  }
  override reuse(key: string): void {
    this.reused += 1;
    super.reuse(key);
  }
  reset(): void {
    this.decoded = 0;
    this.reused = 0;
  }
}

describe('collectHosts with an object cache', function () {
  this.timeout(60_000);
  let sim: Simulator;

  before(async () => {
    sim = await startSimulator({ clusters: 2, clusterHosts: 3, standalone: 1 });
  });

  after(async () => {
    await sim?.stop();
  });

  async function collect(cache?: ObjectCache, maxObjects = 3): Promise<Collection> {
    const session = new VcenterSession({ url: sim.url, name: 'sim', timeoutMs: 30_000 }, { username: sim.username, password: new Secret(sim.password) });
    try {
      return await collectHosts(session, { maxObjects, ...(cache ? { cache } : {}) });
    } finally {
      await session.close();
    }
  }

  function summary(collection: Collection) {
    return collection.hosts.map((h) => ({ moid: h.moid, name: h.name, cluster: h.cluster, hash: h.snapshot?.hash })).sort((a, b) => a.moid.localeCompare(b.moid));
  }

  it('reuses unchanged hosts and parents', async () => {
    const cache = new CountingCache();
    const first = await collect(cache);
    cache.reset();
    const second = await collect(cache);
    expect(cache.decoded).to.equal(0);
    expect(cache.reused).to.equal(7 + 3);
    expect(summary(second)).to.deep.equal(summary(first));
  });

  it('matches an uncached read', async () => {
    const cache = new CountingCache();
    await collect(cache);
    const cached = await collect(cache);
    const fresh = await collect();
    expect(summary(cached)).to.deep.equal(summary(fresh));
  });

  it('decodes only the changed host', async () => {
    const cache = new CountingCache();
    const before = await collect(cache);
    const target = (await sim.listHosts()).find((h) => h.name === 'DC0_C1_H1')!;
    const admin = await AdminClient.login(sim.url, sim.username, sim.password);
    await admin.disableRuleset(target.firewallSystem, 'sshServer');
    try {
      cache.reset();
      const after = await collect(cache);
      expect(cache.decoded).to.equal(1);
      const changed = summary(after).filter((h, i) => h.hash !== summary(before)[i]!.hash);
      expect(changed.map((h) => h.name)).to.deep.equal(['DC0_C1_H1']);
    } finally {
      await admin.enableRuleset(target.firewallSystem, 'sshServer');
      await admin.logout();
    }
  });

  it('follows a host into another state', async () => {
    const cache = new CountingCache();
    await collect(cache);
    await sim.setHost('DC0_H0', { connectionState: 'disconnected' });
    try {
      const after = await collect(cache);
      const host = after.hosts.find((h) => h.name === 'DC0_H0')!;
      expect(host.notChecked?.reason).to.equal('disconnected');
    } finally {
      await sim.setHost('DC0_H0', { connectionState: 'connected' });
    }
  });
});
