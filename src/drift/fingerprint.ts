import { hash } from 'node:crypto';
import type { RuleId } from '../model/finding.js';

const MEMO_LIMIT = 500_000;
/** Memo by vCenter, host moid, rule and ruleset: lookups by strings that already exist beat building and hashing a joined key. */
const memo = new Map<string, Map<string, Map<string, Map<string, string>>>>();
let memoSize = 0;

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
  const byRule = child(child(memo, vcenter), hostMoid ?? '');
  const byRuleset = child(byRule, rule);
  let fingerprint = byRuleset.get(ruleset ?? '');
  if (fingerprint === undefined) {
    fingerprint = hash('sha256', `${rule}\u0000${vcenter}\u0000${hostMoid ?? ''}\u0000${ruleset ?? ''}`, 'hex').slice(0, 32);
    if (memoSize >= MEMO_LIMIT) {
      memo.clear();
      memoSize = 0;
    }
    byRuleset.set(ruleset ?? '', fingerprint);
    memoSize += 1;
  }
  return fingerprint;
}

function child<V>(map: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let next = map.get(key);
  if (next === undefined) {
    next = new Map();
    map.set(key, next);
  }
  return next;
}
