import { expect } from 'chai';
import { baselineDifferences, stateChanges, type Difference, type DifferenceContext } from '../../src/drift/differences.js';
import { evaluateHost } from '../../src/drift/evaluate.js';
import { fingerprintOf } from '../../src/drift/fingerprint.js';
import type { LoadedBaseline } from '../../src/model/baseline.js';
import type { RuleId } from '../../src/model/finding.js';
import type { FirewallState } from '../../src/model/firewall.js';
import type { HostObservation } from '../../src/model/host.js';
import { allowed, baseline, host, ruleset, state } from '../helpers/fixtures.js';

function differences(current: FirewallState, loaded: LoadedBaseline, context?: Partial<DifferenceContext>): Difference[] {
  return baselineDifferences(current, loaded.baseline, { previous: null, isOpen: () => false, ...context });
}

function paths(found: Difference[]): string[] {
  return found.map((difference) => difference.path);
}

/** Returns the ruleset a difference concerns, read from its path, as findings name it. */
function rulesetOf(path: string): string {
  return path.startsWith('rulesets.') ? path.split('.')[1]! : '-';
}

const restricted = baseline({ rulesetDefaults: { allowedHosts: { mode: 'restricted' } }, rulesets: { sshServer: { management: true } } });

describe('baselineDifferences', () => {
  it('returns nothing for a matching state', () => {
    const current = state([ruleset('sshServer', { allowedHosts: allowed(['10.0.0.5']) })]);
    expect(differences(current, restricted)).to.deep.equal([]);
  });

  it('names allow-all on a management ruleset', () => {
    const found = differences(state([ruleset('sshServer')]), restricted);
    expect(found).to.deep.equal([
      { path: 'rulesets.sshServer.allowedHosts.allIp', current: true, target: false, rule: 'management-ruleset-allow-all', severity: 'high', detail: null },
    ]);
  });

  it('names an open default policy', () => {
    const found = differences(state([], { incomingBlocked: false, outgoingBlocked: true }), baseline());
    expect(found).to.have.length(1);
    expect(found[0]!.path).to.equal('defaultPolicy.incomingBlocked');
    expect(found[0]!.current).to.equal(false);
    expect(found[0]!.target).to.equal(true);
    expect(found[0]!.severity).to.equal('critical');
  });

  it('reports an unreported policy as null', () => {
    const found = differences({ defaultPolicy: {}, rulesets: [] }, baseline());
    expect(found[0]!.current).to.equal(null);
    expect(found[0]!.severity).to.equal('medium');
  });

  it('lists entries outside approved networks', () => {
    const within = baseline({ rulesets: { sshServer: { allowedHosts: { mode: 'within', networks: ['10.0.0.0/8'] } } } });
    const current = state([ruleset('sshServer', { allowedHosts: allowed(['10.1.2.3', '192.0.2.7'], [['172.16.0.0', 12]]) })]);
    const found = differences(current, within);
    expect(paths(found)).to.deep.equal(['rulesets.sshServer.allowedHosts.ipAddress', 'rulesets.sshServer.allowedHosts.ipNetwork']);
    expect(found[0]!.current).to.deep.equal(['10.1.2.3', '192.0.2.7']);
    expect(found[0]!.target).to.deep.equal({ within: ['10.0.0.0/8'] });
    expect(found[0]!.detail).to.equal('outside the approved networks: 192.0.2.7');
    expect(found[1]!.detail).to.equal('outside the approved networks: 172.16.0.0/12');
  });

  it('names extra and missing exact entries', () => {
    const exact = baseline({ rulesets: { syslog: { allowedHosts: { mode: 'exact', ipAddress: ['10.0.0.5', '10.0.0.6'], ipNetwork: [] } } } });
    const found = differences(state([ruleset('syslog', { allowedHosts: allowed(['10.0.0.5', '10.9.9.9']) })]), exact);
    expect(found.map((d) => `${d.rule} ${d.detail}`)).to.deep.equal(['allowed-ips-missing missing: 10.0.0.6', 'allowed-ips-outside-baseline not in the baseline: 10.9.9.9']);
  });

  it('treats an address and its /32 alike', () => {
    const exact = baseline({ rulesets: { syslog: { allowedHosts: { mode: 'exact', ipAddress: [], ipNetwork: ['10.0.0.5/32'] } } } });
    expect(differences(state([ruleset('syslog', { allowedHosts: allowed(['10.0.0.5']) })]), exact)).to.deep.equal([]);
  });

  it('marks drift of ESXi-managed rulesets as info', () => {
    const managed = baseline({ rulesetDefaults: { allowedHosts: { mode: 'restricted' } }, rulesets: { nfsClient: { managedByEsxi: true } } });
    const found = differences(state([ruleset('nfsClient')]), managed);
    expect(found[0]!.severity).to.equal('info');
  });

  it('flags keep only after enabled', () => {
    const keep = baseline({ rulesets: { syslog: { management: true, enabled: 'keep' } } });
    const off = state([ruleset('syslog', { enabled: false })]);
    expect(differences(off, keep)).to.deep.equal([]);
    const previous = state([ruleset('syslog')]);
    expect(paths(differences(off, keep, { previous }))).to.deep.equal(['rulesets.syslog.enabled']);
    const open = (rule: RuleId, key: string) => rule === 'management-ruleset-disabled' && key === 'syslog';
    expect(paths(differences(off, keep, { isOpen: open }))).to.deep.equal(['rulesets.syslog.enabled']);
  });

  it('names a switched-off firewall service', () => {
    const found = differences(state([]), baseline(), { firewallService: { enabled: false, defaultAction: 'DROP' } });
    expect(found.map((d) => `${d.path} ${d.rule} ${d.severity}`)).to.deep.equal(['firewall.enabled firewall-disabled critical']);
  });

  it('sorts differences by path', () => {
    const open = baseline({ unlistedRulesets: 'report', rulesetDefaults: { allowedHosts: { mode: 'restricted' } }, rulesets: { zzz: { enabled: true } } });
    const found = differences(state([ruleset('b'), ruleset('a')], { incomingBlocked: false, outgoingBlocked: false }), open);
    expect(paths(found)).to.deep.equal([...paths(found)].sort());
  });
});

describe('baselineDifferences against evaluateHost', () => {
  const stig = baseline({
    defaultPolicy: { incomingBlocked: true, outgoingBlocked: true },
    rulesetDefaults: { allowedHosts: { mode: 'restricted' } },
    unlistedRulesets: 'report',
    rulesets: {
      sshServer: { management: true, allowedHosts: { mode: 'within', networks: ['10.0.0.0/8', '2001:db8::/32'] } },
      syslog: { management: true, enabled: 'keep', allowedHosts: { mode: 'exact', ipAddress: ['10.0.0.5'], ipNetwork: ['10.1.0.0/16'] } },
      vSphereClient: { management: true, enabled: true },
      gdbserver: { enabled: false },
      dns: { enabled: true },
      nfsClient: { managedByEsxi: true },
      legacy: {},
    },
  });
  const cases: { name: string; current: FirewallState; previous?: FirewallState; service?: { enabled: boolean; defaultAction: string } }[] = [
    { name: 'a clean host', current: state([ruleset('sshServer', { allowedHosts: allowed(['10.1.1.1']) }), ruleset('vSphereClient', { allowedHosts: allowed() }), ruleset('gdbserver', { enabled: false }), ruleset('dns', { allowedHosts: allowed() })]) },
    { name: 'every kind of drift', current: state([ruleset('sshServer', { allowedHosts: allowed(['192.0.2.1'], [['2001:db9::', 48]]) }), ruleset('syslog', { allowedHosts: allowed(['10.9.9.9']) }), ruleset('vSphereClient', { enabled: false }), ruleset('gdbserver'), ruleset('newThing'), ruleset('nfsClient')], { incomingBlocked: false, outgoingBlocked: true }) },
    { name: 'missing rulesets', current: state([ruleset('sshServer', { allowedHosts: undefined })]), previous: state([ruleset('legacy'), ruleset('syslog')]) },
    { name: 'a system-owned list', current: state([ruleset('vMotion', { ipListUserConfigurable: false }), ruleset('dns', { enabled: false })]) },
    { name: 'an esxcli PASS', current: state([ruleset('dns', { allowedHosts: allowed() })]), service: { enabled: true, defaultAction: 'PASS' } },
  ];

  for (const testCase of cases) {
    it(`agrees on ${testCase.name}`, () => {
      const observed = host(testCase.current, testCase.service ? ({ firewallService: { status: 'ok', loaded: true, ...testCase.service } } as Partial<HostObservation>) : {});
      const findings = evaluateHost({ vcenter: 'vc1', host: observed, baseline: { kind: 'matched', baseline: stig }, previous: testCase.previous ?? null, open: new Set() });
      const found = differences(testCase.current, stig, { previous: testCase.previous ?? null, firewallService: testCase.service ?? null });
      const fromFindings = [...new Set(findings.map((f) => `${f.rule}:${f.ruleset ?? '-'}:${f.severity}`))].sort();
      const fromDifferences = [...new Set(found.map((d) => `${d.rule}:${rulesetOf(d.path)}:${d.severity}`))].sort();
      expect(fromDifferences).to.deep.equal(fromFindings);
    });
  }

  it('agrees when a keep finding is open', () => {
    const current = state([ruleset('syslog', { enabled: false })]);
    const open = new Set([fingerprintOf('management-ruleset-disabled', 'vc1', 'host-1', 'syslog')]);
    const findings = evaluateHost({ vcenter: 'vc1', host: host(current), baseline: { kind: 'matched', baseline: stig }, previous: current, open });
    const found = differences(current, stig, { previous: current, isOpen: (rule, key) => open.has(fingerprintOf(rule, 'vc1', 'host-1', key)) });
    expect(found.map((d) => d.rule)).to.include('management-ruleset-disabled');
    expect(findings.map((f) => f.rule)).to.include('management-ruleset-disabled');
  });
});

describe('stateChanges', () => {
  it('returns nothing for equal states', () => {
    const current = state([ruleset('sshServer')]);
    expect(stateChanges(current, current)).to.deep.equal([]);
  });

  it('names changed fields by path', () => {
    const before = state([ruleset('sshServer'), ruleset('dns')]);
    const after = state([ruleset('sshServer', { allowedHosts: allowed(['10.0.0.1']) }), ruleset('dns', { enabled: false })]);
    expect(stateChanges(before, after)).to.deep.equal([
      { path: 'rulesets.dns.enabled', before: true, after: false },
      { path: 'rulesets.sshServer.allowedHosts.allIp', before: true, after: false },
      { path: 'rulesets.sshServer.allowedHosts.ipAddress', before: [], after: ['10.0.0.1'] },
    ]);
  });

  it('shows added and removed rulesets', () => {
    const changes = stateChanges(state([ruleset('old')]), state([ruleset('new')]));
    expect(changes.map((change) => change.path)).to.deep.equal(['rulesets.new', 'rulesets.old']);
    expect(changes[0]!.before).to.equal(null);
    expect(changes[1]!.after).to.equal(null);
  });

  it('shows a default policy change', () => {
    const changes = stateChanges(state([]), state([], { incomingBlocked: false, outgoingBlocked: true }));
    expect(changes).to.deep.equal([{ path: 'defaultPolicy.incomingBlocked', before: true, after: false }]);
  });
});
