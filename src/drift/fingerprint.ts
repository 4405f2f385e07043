import { createHash } from 'node:crypto';
import type { RuleId } from '../model/finding.js';

/**
 * Computes a finding's identity across polls: a hash over the rule, the
 * vCenter, the host's managed object id and the ruleset. The moid rather than the name
 * is used so that renaming a host does not close and reopen its findings.
 */
export function fingerprintOf(rule: RuleId, vcenter: string, hostMoid: string | null, ruleset: string | null): string {
  const identity = JSON.stringify([rule, vcenter, hostMoid ?? '', ruleset ?? '']);
  return createHash('sha256').update(identity).digest('hex').slice(0, 32);
}
