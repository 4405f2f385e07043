// Findings about a vCenter as a whole rather than one host.
import type { Finding, RuleId } from '../model/finding.js';
import type { HostObservation } from '../model/host.js';
import { RULES } from './catalogue.js';
import { fingerprintOf } from './fingerprint.js';

export interface VcenterEvaluationInput {
  vcenter: string;
  username: string;
  /** Hosts this poll read; null when the poll failed and read none. */
  hosts: readonly HostObservation[] | null;
  /** Failed polls in a row, this one included; 0 when this poll did not fail. */
  consecutiveFailures: number;
  unreachableAfter: number;
  /** The error of the last poll, when it failed. */
  error: string | null;
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
  const findings: Finding[] = [];
  if (input.consecutiveFailures >= input.unreachableAfter) {
    findings.push(
      vcenterFinding(input.vcenter, 'vcenter-unreachable', {
        expected: { pollsSucceed: true },
        actual: { consecutiveFailures: input.consecutiveFailures, lastError: input.error },
        message: `vCenter ${input.vcenter} failed ${input.consecutiveFailures} polls in a row, so none of its hosts are checked: ${input.error ?? 'unknown error'}`,
      }),
    );
  }
  if (input.hosts === null) {
    // A failed poll shows nothing about permissions, so that finding stays as it was.
    return { findings, judged: ['vcenter-unreachable'] };
  }

  const denied = input.hosts.filter((host) => host.notChecked?.reason === 'no-permission');
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
  return { findings, judged: ['vcenter-unreachable', 'vcenter-permission-missing'] };
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
