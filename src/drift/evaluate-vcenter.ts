// Findings about a vCenter as a whole rather than one host.
import type { Finding, RuleId } from '../model/finding.js';
import type { HostObservation } from '../model/host.js';
import { RULES } from './catalogue.js';
import { fingerprintOf } from './fingerprint.js';

export interface VcenterEvaluationInput {
  vcenter: string;
  username: string;
  hosts: readonly HostObservation[];
}

export interface VcenterEvaluation {
  findings: Finding[];
  /** Rules this evaluation decided on; open findings of other vCenter rules are left as they are. */
  judged: RuleId[];
}

/** How many hosts must lack permission before it counts as an account problem: at least two, and a quarter of those seen. */
export function permissionGapIsWidespread(denied: number, seen: number): boolean {
  return denied >= 2 && denied * 4 >= seen;
}

export function evaluateVcenter(input: VcenterEvaluationInput): VcenterEvaluation {
  const denied = input.hosts.filter((host) => host.notChecked?.reason === 'no-permission');
  const findings: Finding[] = [];
  if (permissionGapIsWidespread(denied.length, input.hosts.length)) {
    const examples = denied.slice(0, 10).map((host) => host.name);
    findings.push(
      vcenterFinding(input.vcenter, 'vcenter-permission-missing', {
        expected: { readable: 'config.firewall on every host' },
        actual: { deniedHosts: denied.length, hostsSeen: input.hosts.length, examples },
        message: `account ${input.username} cannot read config.firewall on ${denied.length} of ${input.hosts.length} hosts of vCenter ${input.vcenter}; grant it the Read-only role (System.Read) on those hosts`,
      }),
    );
  }
  return { findings, judged: ['vcenter-permission-missing'] };
}

function vcenterFinding(vcenter: string, rule: RuleId, draft: { expected: unknown; actual: unknown; message: string }): Finding {
  return {
    fingerprint: fingerprintOf(rule, vcenter, null, null),
    rule,
    severity: RULES[rule].severity,
    vcenter,
    host: null,
    hostMoid: null,
    cluster: null,
    ruleset: null,
    ...draft,
    baseline: null,
  };
}
