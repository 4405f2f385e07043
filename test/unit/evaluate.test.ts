import { expect } from 'chai';
import { evaluateHost, type HostEvaluationInput } from '../../src/drift/evaluate.js';
import { fingerprintOf } from '../../src/drift/fingerprint.js';
import type { LoadedBaseline } from '../../src/model/baseline.js';
import type { Finding } from '../../src/model/finding.js';
import type { FirewallState } from '../../src/model/firewall.js';
import { allowed, baseline, host, ruleset, state } from '../helpers/fixtures.js';

function evaluate(current: FirewallState, loaded: LoadedBaseline, extra: Partial<HostEvaluationInput> = {}): Finding[] {
  return evaluateHost({ vcenter: 'vc1', host: host(current), baseline: { kind: 'matched', baseline: loaded }, previous: null, open: new Set(), ...extra });
}

function rules(findings: Finding[]): string[] {
  return findings.map((f) => `${f.rule}:${f.ruleset ?? '-'}`).sort();
}

const restricted = baseline({ rulesetDefaults: { allowedHosts: { mode: 'restricted' } }, rulesets: { sshServer: { management: true } } });

describe('evaluateHost', () => {
  describe('when the host matches its baseline', () => {
    it('returns no findings', () => {
      const current = state([ruleset('sshServer', { allowedHosts: allowed(['10.0.0.5']) })]);
      expect(evaluate(current, restricted)).to.deep.equal([]);
    });
  });

  describe('default policy', () => {
    it('flags incoming traffic passed by default', () => {
      const findings = evaluate(state([], { incomingBlocked: false, outgoingBlocked: true }), baseline());
      expect(rules(findings)).to.deep.equal(['default-policy-open:-']);
      expect(findings[0]!.severity).to.equal('critical');
    });

    it('flags outgoing only where the baseline blocks it', () => {
      const open = state([], { incomingBlocked: true, outgoingBlocked: false });
      expect(evaluate(open, baseline())).to.deep.equal([]);
      expect(rules(evaluate(open, baseline({ defaultPolicy: { incomingBlocked: true, outgoingBlocked: true } })))).to.deep.equal(['default-policy-open:-']);
    });

    it('reports an unreported policy as medium', () => {
      const findings = evaluate({ defaultPolicy: {}, rulesets: [] }, baseline());
      expect(findings[0]!.severity).to.equal('medium');
    });
  });

  describe('the firewall switch from esxcli', () => {
    const on = { status: 'ok', enabled: true, defaultAction: 'DROP', loaded: true } as const;

    it('flags a firewall switched off as critical', () => {
      const current = state([ruleset('sshServer', { allowedHosts: allowed(['10.0.0.5']) })]);
      const findings = evaluate(current, restricted, { host: host(current, { firewallService: { ...on, enabled: false } }) });
      expect(rules(findings)).to.deep.equal(['firewall-disabled:-']);
      expect(findings[0]!.severity).to.equal('critical');
      expect(findings[0]!.actual).to.include({ enabled: false, defaultAction: 'DROP' });
    });

    it('raises nothing when the probe failed', () => {
      const current = state([ruleset('sshServer', { allowedHosts: allowed(['10.0.0.5']) })]);
      const unknown = { status: 'unknown', error: 'NotSupported: esxcli is not available' } as const;
      expect(evaluate(current, restricted, { host: host(current, { firewallService: unknown }) })).to.deep.equal([]);
    });

    it('shows both values when esxcli passes what defaultPolicy blocks', () => {
      const current = state([], { incomingBlocked: true, outgoingBlocked: true });
      const findings = evaluate(current, baseline(), { host: host(current, { firewallService: { ...on, defaultAction: 'PASS' } }) });
      expect(rules(findings)).to.deep.equal(['default-policy-open:-']);
      expect(findings[0]!.actual).to.deep.equal({ incomingBlocked: true, outgoingBlocked: true, esxcliDefaultAction: 'PASS' });
      expect(findings[0]!.severity).to.equal('critical');
      expect(findings[0]!.message).to.equal('esxcli reports default action PASS, although defaultPolicy does not show incoming traffic passed on esx1.example.com (baseline test v1)');
    });

    it('names only the direction defaultPolicy passes', () => {
      const current = state([], { incomingBlocked: false, outgoingBlocked: true });
      const both = baseline({ defaultPolicy: { incomingBlocked: true, outgoingBlocked: true } });
      const findings = evaluate(current, both, { host: host(current, { firewallService: { ...on, defaultAction: 'PASS' } }) });
      expect(findings[0]!.message).to.equal(
        'default policy passes incoming traffic on esx1.example.com (baseline test v1); esxcli also reports default action PASS, although defaultPolicy does not show outgoing traffic passed',
      );
    });
  });

  describe('allowed hosts', () => {
    it('flags allow-all on a management ruleset', () => {
      const findings = evaluate(state([ruleset('sshServer')]), restricted);
      expect(rules(findings)).to.deep.equal(['management-ruleset-allow-all:sshServer']);
      expect(findings[0]!.severity).to.equal('high');
    });

    it('flags allow-all on other rulesets as outside', () => {
      expect(rules(evaluate(state([ruleset('dns')]), restricted))).to.deep.equal(['allowed-ips-outside-baseline:dns']);
    });

    it('ignores allow-all on disabled rulesets', () => {
      expect(evaluate(state([ruleset('dns', { enabled: false })]), restricted)).to.deep.equal([]);
    });

    it('accepts an empty restricted list', () => {
      expect(evaluate(state([ruleset('sshServer', { allowedHosts: allowed() })]), restricted)).to.deep.equal([]);
    });

    it('skips defaults where the list is system-owned', () => {
      const current = state([ruleset('vMotion', { ipListUserConfigurable: false })]);
      expect(evaluate(current, restricted)).to.deep.equal([]);
    });

    it('applies defaults when the flag is unknown', () => {
      expect(rules(evaluate(state([ruleset('vMotion')]), restricted))).to.deep.equal(['allowed-ips-outside-baseline:vMotion']);
    });

    it('names IPv4 and IPv6 entries outside approved networks', () => {
      const within = baseline({ rulesets: { sshServer: { allowedHosts: { mode: 'within', networks: ['10.0.0.0/8', '2001:db8::/32'] } } } });
      const current = state([ruleset('sshServer', { allowedHosts: allowed(['10.1.2.3', '192.0.2.7', '2001:db8::5', '2001:db9::1'], [['10.2.0.0', 16], ['172.16.0.0', 12]]) })]);
      const findings = evaluate(current, within);
      expect(rules(findings)).to.deep.equal(['allowed-ips-outside-baseline:sshServer']);
      expect(findings[0]!.actual).to.deep.equal({ allIp: false, outside: ['192.0.2.7', '2001:db9::1', '172.16.0.0/12'] });
      expect(findings[0]!.message).to.contain('172.16.0.0/12');
    });

    it('judges a CIDR in ipAddress as a network', () => {
      const within = baseline({ rulesets: { sshServer: { allowedHosts: { mode: 'within', networks: ['10.0.0.0/16'] } } } });
      const inside = state([ruleset('sshServer', { allowedHosts: allowed(['10.0.1.0/24']) })]);
      const wider = state([ruleset('sshServer', { allowedHosts: allowed(['10.0.0.0/8']) })]);
      expect(evaluate(inside, within)).to.deep.equal([]);
      expect(rules(evaluate(wider, within))).to.deep.equal(['allowed-ips-outside-baseline:sshServer']);
    });

    it('counts an unparsable entry as outside', () => {
      const within = baseline({ rulesets: { sshServer: { allowedHosts: { mode: 'within', networks: ['0.0.0.0/0'] } } } });
      const current = state([ruleset('sshServer', { allowedHosts: allowed(['not-an-address']) })]);
      expect(rules(evaluate(current, within))).to.deep.equal(['allowed-ips-outside-baseline:sshServer']);
    });

    it('reports extra and missing entries of an exact list', () => {
      const exact = baseline({ rulesets: { syslog: { allowedHosts: { mode: 'exact', ipAddress: ['192.0.2.10'], ipNetwork: ['198.51.100.0/24'] } } } });
      const current = state([ruleset('syslog', { allowedHosts: allowed(['192.0.2.10', '192.0.2.11']) })]);
      const findings = evaluate(current, exact);
      expect(rules(findings)).to.deep.equal(['allowed-ips-missing:syslog', 'allowed-ips-outside-baseline:syslog']);
    });

    it('treats an address and its /32 as one entry', () => {
      const exact = baseline({ rulesets: { syslog: { allowedHosts: { mode: 'exact', ipAddress: [], ipNetwork: ['192.0.2.10/32'] } } } });
      const current = state([ruleset('syslog', { allowedHosts: allowed(['192.0.2.10']) })]);
      expect(evaluate(current, exact)).to.deep.equal([]);
    });
  });

  describe('enabled state', () => {
    const expectations = baseline({
      rulesets: { gdbserver: { enabled: false }, sshServer: { enabled: true, management: true }, ntpClient: { enabled: true } },
    });

    it('flags a ruleset expected off', () => {
      const current = state([ruleset('gdbserver'), ruleset('sshServer'), ruleset('ntpClient')]);
      expect(rules(evaluate(current, expectations))).to.deep.equal(['ruleset-enabled-unexpectedly:gdbserver']);
    });

    it('flags a disabled management ruleset as high', () => {
      const current = state([ruleset('gdbserver', { enabled: false }), ruleset('sshServer', { enabled: false }), ruleset('ntpClient')]);
      const findings = evaluate(current, expectations);
      expect(rules(findings)).to.deep.equal(['management-ruleset-disabled:sshServer']);
      expect(findings[0]!.severity).to.equal('high');
    });

    it('flags other disabled rulesets as low', () => {
      const current = state([ruleset('gdbserver', { enabled: false }), ruleset('sshServer'), ruleset('ntpClient', { enabled: false })]);
      const findings = evaluate(current, expectations);
      expect(rules(findings)).to.deep.equal(['ruleset-disabled-unexpectedly:ntpClient']);
      expect(findings[0]!.severity).to.equal('low');
    });

    describe('when the baseline says keep', () => {
      const keep = baseline({ rulesets: { syslog: { enabled: 'keep', management: true } } });
      const disabled = state([ruleset('syslog', { enabled: false })]);

      it('ignores a ruleset never seen enabled', () => {
        expect(evaluate(disabled, keep, { previous: disabled })).to.deep.equal([]);
      });

      it('flags a ruleset that was enabled', () => {
        const before = state([ruleset('syslog')]);
        expect(rules(evaluate(disabled, keep, { previous: before }))).to.deep.equal(['management-ruleset-disabled:syslog']);
      });

      it('keeps the finding open until re-enabled', () => {
        const open = new Set([fingerprintOf('management-ruleset-disabled', 'vc1', 'host-1', 'syslog')]);
        expect(rules(evaluate(disabled, keep, { previous: disabled, open }))).to.deep.equal(['management-ruleset-disabled:syslog']);
      });
    });
  });

  describe('ruleset keys', () => {
    it('reports unlisted rulesets when the baseline asks', () => {
      const report = baseline({ unlistedRulesets: 'report', rulesets: { sshServer: { enabled: true } } });
      const current = state([ruleset('sshServer'), ruleset('vic-engine', { enabled: false })]);
      expect(rules(evaluate(current, report))).to.deep.equal(['ruleset-added:vic-engine']);
    });

    it('ignores unlisted rulesets by default', () => {
      const current = state([ruleset('vic-engine', { enabled: false })]);
      expect(evaluate(current, baseline())).to.deep.equal([]);
    });

    it('reports a required ruleset that is missing', () => {
      const required = baseline({ rulesets: { syslog: { enabled: true } } });
      expect(rules(evaluate(state([]), required))).to.deep.equal(['ruleset-removed:syslog']);
    });

    it('reports a listed ruleset that disappeared', () => {
      const listed = baseline({ rulesets: { gdbserver: { enabled: false } } });
      const before = state([ruleset('gdbserver', { enabled: false })]);
      expect(evaluate(state([]), listed)).to.deep.equal([]);
      expect(rules(evaluate(state([]), listed, { previous: before }))).to.deep.equal(['ruleset-removed:gdbserver']);
    });
  });

  it('lowers drift of ESXi-managed rulesets to info', () => {
    const managed = baseline({ rulesetDefaults: { allowedHosts: { mode: 'restricted' } }, rulesets: { nfsClient: { managedByEsxi: true } } });
    const findings = evaluate(state([ruleset('nfsClient')]), managed);
    expect(rules(findings)).to.deep.equal(['allowed-ips-outside-baseline:nfsClient']);
    expect(findings[0]!.severity).to.equal('info');
  });

  describe('when the host cannot be judged', () => {
    it('reports a disconnected host only', () => {
      const observation = host(state([ruleset('sshServer')]), { notChecked: { reason: 'disconnected', detail: 'disconnected' } });
      const findings = evaluateHost({ vcenter: 'vc1', host: observation, baseline: { kind: 'matched', baseline: restricted }, previous: null, open: new Set() });
      expect(rules(findings)).to.deep.equal(['host-not-checked:-']);
      expect(findings[0]!.actual).to.include({ reason: 'disconnected' });
    });

    it('reports a host without a baseline', () => {
      const findings = evaluateHost({ vcenter: 'vc1', host: host(state([])), baseline: { kind: 'none' }, previous: null, open: new Set() });
      expect(findings[0]!.actual).to.include({ reason: 'no-baseline' });
      expect(findings[0]!.baseline).to.equal(null);
    });

    it('reports conflicting baselines by file', () => {
      const a = baseline({ id: 'a' }, 'baselines/a.json');
      const b = baseline({ id: 'b' }, 'baselines/b.json');
      const findings = evaluateHost({ vcenter: 'vc1', host: host(state([])), baseline: { kind: 'conflict', candidates: [a, b] }, previous: null, open: new Set() });
      expect(findings[0]!.actual).to.include({ reason: 'baseline-conflict' });
      expect(findings[0]!.message).to.contain('baselines/a.json').and.contain('baselines/b.json');
    });
  });

  it('gives stable fingerprints per rule, host and ruleset', () => {
    const first = evaluate(state([ruleset('sshServer'), ruleset('dns')]), restricted);
    const second = evaluate(state([ruleset('dns'), ruleset('sshServer')]), restricted);
    expect(first.map((f) => f.fingerprint).sort()).to.deep.equal(second.map((f) => f.fingerprint).sort());
    expect(new Set(first.map((f) => f.fingerprint)).size).to.equal(first.length);
  });
});
