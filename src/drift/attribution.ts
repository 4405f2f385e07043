// Who made the change behind a finding, from vCenter events.
import { isChangeEvent, type FirewallEvent } from '../model/event.js';
import type { StoredAttribution } from '../model/attribution.js';

/**
 * Picks the latest change event of the finding's host that names the
 * finding's ruleset, or names none, within the interval.
 */
export function attributionFor(
  finding: { hostMoid: string | null; ruleset: string | null },
  events: readonly FirewallEvent[],
  authorizedAdmins: readonly string[] | null,
): StoredAttribution | null {
  const candidates = events.filter(
    (event) => event.hostMoid !== null && event.hostMoid === finding.hostMoid && isChangeEvent(event) && (event.ruleset === null || finding.ruleset === null || event.ruleset === finding.ruleset),
  );
  const latest = candidates.sort((a, b) => a.key - b.key).at(-1);
  if (!latest || !latest.userName) {
    return null;
  }
  return {
    userName: latest.userName,
    at: latest.createdTime,
    eventTypeId: latest.eventTypeId,
    eventKey: latest.key,
    authorized: authorizedAdmins === null ? null : authorizedAdmins.some((admin) => admin.toLowerCase() === latest.userName!.toLowerCase()),
  };
}
