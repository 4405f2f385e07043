// Drift evaluation of one host: pure, from the host's state, the baseline
// that judges it, the state seen before, and which of its findings are
// already open, to the findings that hold now.
import type { Baseline, LoadedBaseline, RulesetExpectation } from '../model/baseline.js';
import type { BaselineRef, Finding } from '../model/finding.js';
import type { FirewallState, Ruleset } from '../model/firewall.js';
import type { HostObservation } from '../model/host.js';
import { judgeAllowedHosts } from './allowed-hosts.js';
import { findingFactory, type FindingDraft, type MakeFinding } from './finding-factory.js';
import { fingerprintOf } from './fingerprint.js';
import type { BaselineMatch } from './match.js';

export interface HostEvaluationInput {
  vcenter: string;
  host: HostObservation;
  baseline: BaselineMatch;
  /** The host's last state read before this poll, if any. */
  previous: FirewallState | null;
  /** Fingerprints of the host's findings that are open before this poll. */
  open: ReadonlySet<string>;
}

export function baselineRef(loaded: LoadedBaseline): BaselineRef {
  return { id: loaded.baseline.id, version: loaded.baseline.version, hash: loaded.hash };
}

export function evaluateHost(input: HostEvaluationInput): Finding[] {
  const { host, baseline } = input;
  const ref = baseline.kind === 'matched' ? baselineRef(baseline.baseline) : null;
  const make = findingFactory(input.vcenter, host, ref);

  const notChecked = notCheckedDraft(input);
  if (notChecked) {
    return [make(notChecked)];
  }
  const loaded = (baseline as { baseline: LoadedBaseline }).baseline;
  const state = host.snapshot!.state;
  const judge = new HostJudge(input, loaded.baseline, make, `on ${host.name} (baseline ${loaded.baseline.id} v${loaded.baseline.version})`);
  return judge.findings(state);
}

function notCheckedDraft(input: HostEvaluationInput): FindingDraft | null {
  const { host, baseline } = input;
  let reason = host.notChecked?.reason;
  let detail = host.notChecked?.detail;
  if (!reason && baseline.kind === 'none') {
    reason = 'no-baseline';
    detail = 'no baseline scope matches this host';
  }
  if (!reason && baseline.kind === 'conflict') {
    reason = 'baseline-conflict';
    const ids = baseline.candidates.map((c) => `${c.baseline.id} (${c.file})`).join(', ');
    detail = `several baselines match with the same specificity: ${ids}`;
  }
  if (!reason && !host.snapshot) {
    reason = 'no-firewall';
    detail = 'no firewall state was read';
  }
  if (!reason) {
    return null;
  }
  return {
    rule: 'host-not-checked',
    expected: { checked: true },
    actual: { checked: false, reason, detail },
    message: `host ${host.name} was not checked: ${detail}`,
  };
}

class HostJudge {
  constructor(
    private readonly input: HostEvaluationInput,
    private readonly baseline: Baseline,
    private readonly make: MakeFinding,
    private readonly where: string,
  ) {}

  findings(state: FirewallState): Finding[] {
    const drafts: FindingDraft[] = [...this.firewallService(state), ...this.defaultPolicy(state)];
    const present = new Set<string>();
    for (const ruleset of state.rulesets) {
      present.add(ruleset.key);
      for (const draft of this.ruleset(ruleset)) {
        drafts.push(draft);
      }
    }
    for (const key in this.baseline.rulesets) {
      if (!present.has(key)) {
        drafts.push(...this.missingRuleset(key, this.baseline.rulesets[key]!));
      }
    }
    return drafts.map(this.make);
  }

  /** Flags a firewall switched off, which voids every ruleset. Only esxcli over the API shows the switch. */
  private firewallService(state: FirewallState): FindingDraft[] {
    const service = this.input.host.firewallService;
    if (service?.status !== 'ok' || service.enabled) {
      return [];
    }
    return [
      {
        rule: 'firewall-disabled',
        expected: { enabled: true },
        actual: { enabled: false, defaultAction: service.defaultAction, loaded: service.loaded, defaultPolicy: state.defaultPolicy },
        message: `the firewall is switched off ${this.where}, so no ruleset or default policy applies`,
      },
    ];
  }

  private defaultPolicy(state: FirewallState): FindingDraft[] {
    const expected = this.baseline.defaultPolicy;
    const service = this.input.host.firewallService;
    const esxcliPasses = service?.status === 'ok' && service.defaultAction.toUpperCase() === 'PASS';

    const open: string[] = [];
    const unknown: string[] = [];
    const contradicted: string[] = [];
    for (const direction of ['incomingBlocked', 'outgoingBlocked'] as const) {
      const name = direction === 'incomingBlocked' ? 'incoming' : 'outgoing';
      if (expected[direction] !== true) {
        continue;
      }
      if (state.defaultPolicy[direction] === false) {
        open.push(name);
      } else if (esxcliPasses) {
        contradicted.push(name);
      } else if (state.defaultPolicy[direction] === undefined) {
        unknown.push(name);
      }
    }
    if (open.length === 0 && contradicted.length === 0 && unknown.length === 0) {
      return [];
    }

    // esxcli reports one DefaultAction for both directions. Where it reports
    // PASS while defaultPolicy reports blocked, both values are shown.
    const actual = service?.status === 'ok' ? { ...state.defaultPolicy, esxcliDefaultAction: service.defaultAction } : state.defaultPolicy;
    const passed = open.length > 0 || contradicted.length > 0;
    return [
      {
        rule: 'default-policy-open',
        expected,
        actual,
        message: passed ? this.passedMessage(open, contradicted) : `host does not report whether ${unknown.join(' and ')} traffic is blocked by default ${this.where}`,
        // Not reporting the policy is suspicious but not proof of an open firewall.
        ...(passed ? {} : { severity: 'medium' as const }),
      },
    ];
  }

  /** Describes the directions defaultPolicy passes, and those only esxcli's PASS contradicts. */
  private passedMessage(open: readonly string[], contradicted: readonly string[]): string {
    const parts: string[] = [];
    if (open.length > 0) {
      parts.push(`default policy passes ${open.join(' and ')} traffic ${this.where}`);
    }
    if (contradicted.length > 0) {
      const esxcli = `default action PASS, although defaultPolicy does not show ${contradicted.join(' and ')} traffic passed`;
      parts.push(open.length > 0 ? `esxcli also reports ${esxcli}` : `esxcli reports ${esxcli} ${this.where}`);
    }
    return parts.join('; ');
  }

  private ruleset(ruleset: Ruleset): FindingDraft[] {
    const expectation = this.baseline.rulesets[ruleset.key];
    if (!expectation && this.baseline.unlistedRulesets === 'report') {
      return [
        {
          rule: 'ruleset-added',
          ruleset: ruleset.key,
          expected: null,
          actual: { enabled: ruleset.enabled, allowedHosts: ruleset.allowedHosts ?? null },
          message: `ruleset ${ruleset.key} is not listed in the baseline ${this.where}`,
        },
        ...this.allowedHosts(ruleset, {}),
      ];
    }
    const drafts = [...this.enabled(ruleset, expectation ?? {}), ...this.allowedHosts(ruleset, expectation ?? {})];
    return expectation?.managedByEsxi ? drafts.map(informational) : drafts;
  }

  private enabled(ruleset: Ruleset, expectation: RulesetExpectation): FindingDraft[] {
    const wanted = expectation.enabled;
    if (wanted === false && ruleset.enabled) {
      return [
        {
          rule: 'ruleset-enabled-unexpectedly',
          ruleset: ruleset.key,
          expected: { enabled: false },
          actual: { enabled: true },
          message: `ruleset ${ruleset.key} is enabled but the baseline expects it off ${this.where}`,
        },
      ];
    }
    if ((wanted === true || wanted === 'keep') && !ruleset.enabled && this.mustBeEnabled(ruleset.key, wanted, expectation)) {
      const management = expectation.management === true;
      const rule = management ? 'management-ruleset-disabled' : 'ruleset-disabled-unexpectedly';
      const kind = management ? 'management ruleset' : 'ruleset';
      return [
        {
          rule,
          ruleset: ruleset.key,
          expected: { enabled: wanted === 'keep' ? 'keep' : true },
          actual: { enabled: false },
          message: `${kind} ${ruleset.key} is disabled ${this.where}`,
        },
      ];
    }
    return [];
  }

  /**
   * `keep` expects a ruleset to stay enabled once seen enabled. The finding
   * opens when the previous state had it enabled, and stays open until it is
   * enabled again, although the previous state then also shows it disabled.
   */
  private mustBeEnabled(key: string, wanted: true | 'keep', expectation: RulesetExpectation): boolean {
    if (wanted === true) {
      return true;
    }
    const before = this.input.previous?.rulesets.find((ruleset) => ruleset.key === key);
    const rule = expectation.management ? 'management-ruleset-disabled' : 'ruleset-disabled-unexpectedly';
    return before?.enabled === true || this.isOpen(rule, key);
  }

  private allowedHosts(ruleset: Ruleset, expectation: RulesetExpectation): FindingDraft[] {
    if (!ruleset.enabled) {
      return [];
    }
    const own = expectation.allowedHosts;
    const fallback = this.baseline.rulesetDefaults.allowedHosts;
    // The defaults skip lists that the host reports as not user-editable (API
    // 8.0.2.0 and later), as the ESXi 8 STIG does. An explicit policy still applies.
    const policy = own ?? (ruleset.ipListUserConfigurable === false ? undefined : fallback);
    if (!policy) {
      return [];
    }
    return judgeAllowedHosts(ruleset, policy, expectation.management === true, this.where);
  }

  private missingRuleset(key: string, expectation: RulesetExpectation): FindingDraft[] {
    const before = this.input.previous?.rulesets.some((ruleset) => ruleset.key === key) === true;
    const required = expectation.enabled === true || this.baseline.unlistedRulesets === 'report';
    if (!required && !before && !this.isOpen('ruleset-removed', key)) {
      return [];
    }
    const draft: FindingDraft = {
      rule: 'ruleset-removed',
      ruleset: key,
      expected: { present: true },
      actual: { present: false },
      message: `ruleset ${key} is missing ${this.where}`,
    };
    return [expectation.managedByEsxi ? informational(draft) : draft];
  }

  private isOpen(rule: FindingDraft['rule'], ruleset: string): boolean {
    return this.input.open.has(fingerprintOf(rule, this.input.vcenter, this.input.host.moid, ruleset));
  }
}

/** Drift of a ruleset ESXi manages itself is recorded, but only as information. */
function informational(draft: FindingDraft): FindingDraft {
  return { ...draft, severity: 'info' };
}
