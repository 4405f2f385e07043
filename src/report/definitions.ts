// Definitions printed in every report, so that a reader can check each
// count against the words. host-judgement.ts implements them.

export const COMPLIANT_DEFINITION =
  'A host is judged on the firewall state in force at the end of the period. It is evaluated when that state was read ' +
  'and judged against a baseline, the host was seen in the period, and the last inventory poll of its vCenter at or ' +
  'before the end of the period read it; every other host in scope is not evaluated, with the reason. An evaluated host ' +
  'is compliant when no finding about its firewall state of severity low or above is open at the end of the period. It ' +
  'is compliant with exceptions when every such finding is accepted by an exception in force at the end of the period, ' +
  'and non-compliant otherwise. Findings held by a maintenance window count, because a window delays notification, not ' +
  'drift. Informational findings, host-not-checked and findings about changes between polls (change-between-polls, ' +
  'broad-change) do not decide compliance. The compliance rate is (compliant + compliant with exceptions) / evaluated.';
