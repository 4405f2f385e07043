// Attribution of a finding to the account that made the change, and its
// effect when the config lists the accounts allowed to change firewalls.
import { SEVERITIES, type Severity } from './finding.js';
import type { Attribution } from './notification.js';

export interface StoredAttribution extends Attribution {
  eventKey: number;
  /** False when the account is not among the authorized administrators; null when the config names none. */
  authorized: boolean | null;
}

/** One severity level up; critical stays critical. */
export function escalate(severity: Severity): Severity {
  return SEVERITIES[Math.min(SEVERITIES.length - 1, SEVERITIES.indexOf(severity) + 1)]!;
}

/** Returns the severity and message a finding has once its attribution is known. */
export function attributed<T extends { severity: Severity; message: string }>(finding: T, attribution: StoredAttribution | null): T {
  if (attribution?.authorized !== false) {
    return finding;
  }
  return {
    ...finding,
    severity: escalate(finding.severity),
    message: `${finding.message}; changed by ${attribution.userName}, who is not an authorized administrator, so the severity is raised one level`,
  };
}
