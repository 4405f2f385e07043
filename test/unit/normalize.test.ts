import { expect } from 'chai';
import { normalizeFirewall, snapshotOf } from '../../src/collect/normalize.js';
import { canonicalJson } from '../../src/model/canonical.js';
import type { HostFirewallInfoValue } from '../../src/vsphere/types.js';

function info(overrides: Partial<HostFirewallInfoValue> = {}): HostFirewallInfoValue {
  return {
    defaultPolicy: { incomingBlocked: true, outgoingBlocked: true },
    ruleset: [
      {
        key: 'sshServer',
        label: 'SSH Server',
        required: false,
        enabled: true,
        rule: [
          { port: 22, direction: 'inbound', portType: 'dst', protocol: 'tcp' },
          { port: 22, direction: 'inbound', portType: 'dst', protocol: 'tcp' },
        ],
        allowedHosts: {
          allIp: false,
          ipAddress: ['2001:0DB8::0001', '192.0.2.10', '2001:db8::1', ' 192.0.2.10 '],
          ipNetwork: [
            { network: '2001:db8:0:0::', prefixLength: 48 },
            { network: '198.51.100.0', prefixLength: 24 },
            { network: '2001:db8::', prefixLength: 48 },
          ],
        },
      },
      { key: 'NFC', label: 'NFC', required: false, enabled: true, rule: [{ port: 902, direction: 'inbound', protocol: 'tcp' }] },
      { key: 'dns', label: 'DNS', required: false, enabled: false, rule: [], allowedHosts: { allIp: true } },
    ],
    ...overrides,
  };
}

describe('normalizeFirewall', () => {
  it('sorts rulesets by key', () => {
    const keys = normalizeFirewall(info()).rulesets.map((r) => r.key);
    expect(keys).to.deep.equal(['NFC', 'dns', 'sshServer']);
  });

  it('canonicalizes and deduplicates addresses', () => {
    const ssh = normalizeFirewall(info()).rulesets.find((r) => r.key === 'sshServer')!;
    expect(ssh.allowedHosts!.ipAddress).to.deep.equal(['192.0.2.10', '2001:db8::1']);
  });

  it('canonicalizes and deduplicates networks', () => {
    const ssh = normalizeFirewall(info()).rulesets.find((r) => r.key === 'sshServer')!;
    expect(ssh.allowedHosts!.ipNetwork).to.deep.equal([
      { network: '198.51.100.0', prefixLength: 24 },
      { network: '2001:db8::', prefixLength: 48 },
    ]);
  });

  it('deduplicates identical rules', () => {
    const ssh = normalizeFirewall(info()).rulesets.find((r) => r.key === 'sshServer')!;
    expect(ssh.rules).to.have.length(1);
  });

  it('keeps an absent allowedHosts absent', () => {
    const nfc = normalizeFirewall(info()).rulesets.find((r) => r.key === 'NFC')!;
    expect(nfc).to.not.have.property('allowedHosts');
  });

  it('keeps an empty restricted list distinct from allow-all', () => {
    const value = info({ ruleset: [{ key: 'a', enabled: true, allowedHosts: { allIp: false } }, { key: 'b', enabled: true, allowedHosts: { allIp: true } }] });
    const [a, b] = normalizeFirewall(value).rulesets;
    expect(a!.allowedHosts).to.deep.equal({ allIp: false, ipAddress: [], ipNetwork: [] });
    expect(b!.allowedHosts).to.deep.equal({ allIp: true, ipAddress: [], ipNetwork: [] });
  });

  it('keeps a CIDR held in ipAddress as a network', () => {
    const value = info({ ruleset: [{ key: 'a', enabled: true, allowedHosts: { allIp: false, ipAddress: ['10.1.0.0/16'] } }] });
    expect(normalizeFirewall(value).rulesets[0]!.allowedHosts!.ipAddress).to.deep.equal(['10.1.0.0/16']);
  });

  it('omits the 8.0.2 flags when the host does not report them', () => {
    const ssh = normalizeFirewall(info()).rulesets.find((r) => r.key === 'sshServer')!;
    expect(ssh).to.not.have.property('userControllable');
    expect(ssh).to.not.have.property('ipListUserConfigurable');
  });

  it('keeps reported false flags', () => {
    const value = info({ ruleset: [{ key: 'a', enabled: true, userControllable: false, ipListUserConfigurable: false }] });
    const [a] = normalizeFirewall(value).rulesets;
    expect(a!.userControllable).to.equal(false);
    expect(a!.ipListUserConfigurable).to.equal(false);
  });
});

describe('snapshotOf', () => {
  it('serializes as canonical JSON', () => {
    const snapshot = snapshotOf(info());
    expect(snapshot.body).to.equal(canonicalJson(snapshot.state));
  });

  it('hashes equal states equally', () => {
    const shuffled = info();
    shuffled.ruleset = [...shuffled.ruleset!].reverse();
    expect(snapshotOf(shuffled).hash).to.equal(snapshotOf(info()).hash);
  });

  it('hashes different states differently', () => {
    const changed = info();
    changed.ruleset![0]!.enabled = false;
    expect(snapshotOf(changed).hash).to.not.equal(snapshotOf(info()).hash);
  });
});
