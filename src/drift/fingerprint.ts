import { hash } from 'node:crypto';
import type { RuleId } from '../model/finding.js';

const MEMO_LIMIT = 500_000;
const memo = new Map<string, string>();

/**
 * Computes a finding's identity across polls: a hash over the rule, the
 * vCenter, the host's managed object id and the ruleset. The moid rather
 * than the name is used so that renaming a host does not close and reopen
 * its findings.
 *
 * The parts are joined with NUL, which XML 1.0 cannot carry and config
 * names cannot contain, so the joined text is unambiguous. Results are
 * memoized because every poll recomputes the same identities.
 */
export function fingerprintOf(rule: RuleId, vcenter: string, hostMoid: string | null, ruleset: string | null): string {
  const identity = `${rule}\u0000${vcenter}\u0000${hostMoid ?? ''}\u0000${ruleset ?? ''}`;
  let fingerprint = memo.get(identity);
  if (fingerprint === undefined) {
    fingerprint = hash('sha256', identity, 'hex').slice(0, 32);
    if (memo.size >= MEMO_LIMIT) {
      memo.clear();
    }
    memo.set(identity, fingerprint);
  }
  return fingerprint;
}
