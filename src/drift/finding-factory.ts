import type { BaselineRef, Finding, RuleId, Severity } from '../model/finding.js';
import type { HostObservation } from '../model/host.js';
import { RULES } from './catalogue.js';
import { fingerprintOf } from './fingerprint.js';

export interface FindingDraft {
  rule: RuleId;
  ruleset?: string | null;
  expected: unknown;
  actual: unknown;
  message: string;
  severity?: Severity;
}

export type MakeFinding = (draft: FindingDraft) => Finding;

/** Returns a function that fills in the fields every finding of one host shares. */
export function findingFactory(vcenter: string, host: HostObservation, baseline: BaselineRef | null): MakeFinding {
  return (draft) => {
    const ruleset = draft.ruleset ?? null;
    return {
      fingerprint: fingerprintOf(draft.rule, vcenter, host.moid, ruleset),
      rule: draft.rule,
      severity: draft.severity ?? RULES[draft.rule].severity,
      vcenter,
      host: host.name,
      hostMoid: host.moid,
      cluster: host.cluster,
      ruleset,
      expected: draft.expected,
      actual: draft.actual,
      message: draft.message,
      baseline,
    };
  };
}
