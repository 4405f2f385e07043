import { expect } from 'chai';
import { attributionFor } from '../../src/drift/attribution.js';
import { evaluateChanges, rulesetChanges, type HostInterval, type IntervalEvent } from '../../src/drift/changes.js';
import { attributed } from '../../src/model/attribution.js';
import type { FirewallState } from '../../src/model/firewall.js';
import { allowed, ruleset, state } from '../helpers/fixtures.js';

const THRESHOLDS = { rulesetsPerHost: 3, hosts: 3 };

function event(overrides: Partial<IntervalEvent> = {}): IntervalEvent {
  return {
    key: 1,
    kind: 'EventEx',
    eventTypeId: 'esx.audit.net.firewall.config.changed',
    createdTime: '2026-12-01T10:05:00.000Z',
    userName: 'VSPHERE.LOCAL\\alice',
    hostMoid: 'host-1',
    hostName: 'esx1',
    ruleset: 'sshServer',
    message: null,
    data: {},
    outcome: null,
    ...overrides,
  };
}

function interval(moid: string, before: FirewallState | null, after: FirewallState | null, capturedAt: string[] = []): HostInterval {
  return { moid, name: moid.replace('host-', 'esx'), cluster: 'C1', before, after, capturedAt };
}

const quiet = state([ruleset('sshServer', { allowedHosts: allowed(['10.0.0.5']) }), ruleset('ntpClient'), ruleset('dns'), ruleset('CIMHttpServer')]);

describe('rulesetChanges', () => {
  it('lists each field that changed, ruleset by ruleset', () => {
    const after = state([ruleset('sshServer', { enabled: false }), ruleset('ntpClient'), ruleset('dns'), ruleset('syslog')]);
    expect(rulesetChanges(quiet, after)).to.deep.equal([
      { ruleset: 'sshServer', change: 'enabled true -> false' },
      { ruleset: 'sshServer', change: 'allowedHosts {"allIp":false,"ipAddress":["10.0.0.5"],"ipNetwork":[]} -> {"allIp":true,"ipAddress":[],"ipNetwork":[]}' },
      { ruleset: 'syslog', change: 'added' },
      { ruleset: 'CIMHttpServer', change: 'removed' },
    ]);
  });
});

describe('evaluateChanges', () => {
  it('raises change-between-polls for a change no snapshot captured', () => {
    const findings = evaluateChanges({ vcenter: 'vc1', hosts: [interval('host-1', quiet, quiet)], events: [event()], thresholds: THRESHOLDS });
    expect(findings.map((f) => `${f.rule}:${f.severity}:${f.host}`)).to.deep.equal(['change-between-polls:high:esx1']);
    expect(findings[0]!.message).to.equal('between polls on esx1, 1 firewall change left no trace in the state read (by VSPHERE.LOCAL\\alice)');
  });

  it('stays quiet when a snapshot was captured after the event', () => {
    const hosts = [interval('host-1', quiet, quiet, ['2026-12-01T10:06:00.000Z'])];
    expect(evaluateChanges({ vcenter: 'vc1', hosts, events: [event()], thresholds: THRESHOLDS })).to.deep.equal([]);
  });

  it('counts a disable even when a later snapshot exists', () => {
    const hosts = [interval('host-1', quiet, quiet, ['2026-12-01T10:06:00.000Z'])];
    const findings = evaluateChanges({ vcenter: 'vc1', hosts, events: [event({ eventTypeId: 'esx.audit.net.firewall.disabled', ruleset: null })], thresholds: THRESHOLDS });
    expect(findings.map((f) => f.rule)).to.deep.equal(['change-between-polls']);
    expect(findings[0]!.message).to.contain('the firewall was switched off');
  });

  it('ignores routine port events', () => {
    const events = [event({ eventTypeId: 'esx.audit.net.firewall.port.hooked' })];
    expect(evaluateChanges({ vcenter: 'vc1', hosts: [interval('host-1', quiet, quiet)], events, thresholds: THRESHOLDS })).to.deep.equal([]);
  });

  it('makes events that re-reads found without effect informational', () => {
    const events = [event({ outcome: 'no-observable-drift' })];
    const findings = evaluateChanges({ vcenter: 'vc1', hosts: [interval('host-1', quiet, quiet)], events, thresholds: THRESHOLDS });
    expect(findings[0]!.severity).to.equal('info');
  });

  it('raises broad-change when many rulesets change on one host', () => {
    const after = state([ruleset('sshServer', { enabled: false }), ruleset('ntpClient', { enabled: false }), ruleset('dns', { enabled: false }), ruleset('CIMHttpServer')]);
    const findings = evaluateChanges({ vcenter: 'vc1', hosts: [interval('host-1', quiet, after, ['2026-12-01T10:06:00.000Z'])], events: [], thresholds: THRESHOLDS });
    expect(findings.map((f) => `${f.rule}:${f.severity}:${f.host}`)).to.deep.equal(['broad-change:critical:esx1']);
    expect(findings[0]!.expected).to.deep.equal({ rulesetsChangedBelow: 3 });
  });

  it('counts rulesets, not fields, against the per-host threshold', () => {
    const after = state([ruleset('sshServer', { enabled: false }), ruleset('ntpClient', { enabled: false }), ruleset('dns'), ruleset('CIMHttpServer')]);
    const findings = evaluateChanges({ vcenter: 'vc1', hosts: [interval('host-1', quiet, after, ['2026-12-01T10:06:00.000Z'])], events: [], thresholds: THRESHOLDS });
    expect(findings).to.deep.equal([]);
  });

  it('groups the same change on many hosts into one finding', () => {
    const after = state([ruleset('sshServer'), ruleset('ntpClient'), ruleset('dns'), ruleset('CIMHttpServer')]);
    const hosts = ['host-1', 'host-2', 'host-3', 'host-4'].map((moid) => interval(moid, quiet, after, ['2026-12-01T10:06:00.000Z']));
    const findings = evaluateChanges({ vcenter: 'vc1', hosts, events: [], thresholds: THRESHOLDS });
    expect(findings).to.have.length(1);
    expect(findings[0]).to.include({ rule: 'broad-change', severity: 'critical', host: null, ruleset: 'sshServer' });
    expect(findings[0]!.actual).to.have.property('hosts').that.deep.equals(['esx1', 'esx2', 'esx3', 'esx4']);
  });

  it('needs both states to judge a broad change', () => {
    const hosts = ['host-1', 'host-2', 'host-3'].map((moid) => interval(moid, null, quiet));
    expect(evaluateChanges({ vcenter: 'vc1', hosts, events: [], thresholds: THRESHOLDS })).to.deep.equal([]);
  });
});

describe('attributionFor', () => {
  const finding = { hostMoid: 'host-1', ruleset: 'sshServer' };

  it('takes the latest change event of the host and ruleset', () => {
    const events = [event({ key: 7, userName: 'bob' }), event({ key: 9, userName: 'carol' }), event({ key: 12, userName: 'dave', ruleset: 'ntpClient' })];
    expect(attributionFor(finding, events, null)).to.deep.equal({
      userName: 'carol',
      at: '2026-12-01T10:05:00.000Z',
      eventTypeId: 'esx.audit.net.firewall.config.changed',
      eventKey: 9,
      authorized: null,
    });
  });

  it('accepts an event that names no ruleset', () => {
    expect(attributionFor(finding, [event({ ruleset: null })], null)?.userName).to.equal('VSPHERE.LOCAL\\alice');
  });

  it('ignores other hosts, routine events and events without a user', () => {
    const events = [event({ hostMoid: 'host-2' }), event({ eventTypeId: 'esx.audit.net.firewall.port.hooked' }), event({ userName: null })];
    expect(attributionFor(finding, events, null)).to.equal(null);
  });

  it('compares authorized accounts without regard to case', () => {
    expect(attributionFor(finding, [event()], ['vsphere.local\\ALICE'])?.authorized).to.equal(true);
    expect(attributionFor(finding, [event()], ['vsphere.local\\bob'])?.authorized).to.equal(false);
  });
});

describe('attributed', () => {
  const base = { severity: 'high' as const, message: 'sshServer admits every address' };
  const attribution = { userName: 'mallory', at: '2026-12-01T10:05:00.000Z', eventTypeId: 'esx.audit.net.firewall.config.changed', eventKey: 3 };

  it('raises the severity of a change by an unauthorized account one level and says so', () => {
    const result = attributed(base, { ...attribution, authorized: false });
    expect(result.severity).to.equal('critical');
    expect(result.message).to.equal('sshServer admits every address; changed by mallory, who is not an authorized administrator, so the severity is raised one level');
  });

  it('keeps critical at critical', () => {
    expect(attributed({ ...base, severity: 'critical' as const }, { ...attribution, authorized: false }).severity).to.equal('critical');
  });

  it('leaves authorized and unjudged changes alone', () => {
    expect(attributed(base, { ...attribution, authorized: true })).to.equal(base);
    expect(attributed(base, { ...attribution, authorized: null })).to.equal(base);
    expect(attributed(base, null)).to.equal(base);
  });
});
