// Which hold, if any, keeps a finding's notifications back: an exception
// (accepted risk) first, then a maintenance window, then vSphere
// maintenance mode when the config holds for it.
import type { NotificationSettings } from '../config/notification-types.js';
import { globToRegExp } from '../drift/match.js';
import { windowActive, type MaintenanceWindow, type RiskException, type WindowScope } from '../model/hold.js';
import type { HoldKind, HoldSubject } from '../store/finding-holds.js';

export interface Hold {
  kind: HoldKind;
  ref: string;
  /** The window's change ticket, kept on the finding as a label. */
  ticket: string | null;
}

export interface HoldContext {
  now: string;
  windows: readonly MaintenanceWindow[];
  exceptions: readonly RiskException[];
  maintenanceMode: NotificationSettings['maintenanceMode'];
}

export function holdFor(finding: HoldSubject, context: HoldContext): Hold | null {
  const exception = context.exceptions.find((candidate) => exceptionCovers(candidate, finding, context.now));
  if (exception) {
    return { kind: 'exception', ref: exception.exceptionId, ticket: null };
  }
  const window = context.windows.find((candidate) => windowActive(candidate, context.now) && windowCovers(candidate.scope, finding));
  if (window) {
    return { kind: 'window', ref: String(window.id), ticket: window.ticket };
  }
  if (finding.inMaintenance && context.maintenanceMode === 'hold') {
    return { kind: 'maintenance', ref: finding.hostMoid ?? '', ticket: null };
  }
  return null;
}

/** Returns whether an exception covers the finding: exactly its rule and ruleset on its host or cluster, never a look-alike. */
export function exceptionCovers(exception: RiskException, finding: Pick<HoldSubject, 'rule' | 'ruleset' | 'vcenter' | 'host' | 'cluster'>, now: string): boolean {
  return (
    exception.expiresAt > now &&
    exception.rule === finding.rule &&
    exception.ruleset === finding.ruleset &&
    (exception.vcenter === null || exception.vcenter === finding.vcenter) &&
    ((exception.host !== null && exception.host === finding.host) || (exception.cluster !== null && exception.cluster === finding.cluster))
  );
}

/** Returns whether a window covers the finding: every dimension its scope names must match. */
export function windowCovers(scope: WindowScope, finding: Pick<HoldSubject, 'vcenter' | 'cluster' | 'host'>): boolean {
  if (scope.vcenters && !scope.vcenters.includes(finding.vcenter)) {
    return false;
  }
  if (scope.clusters && (finding.cluster === null || !scope.clusters.includes(finding.cluster))) {
    return false;
  }
  if (scope.hosts && (finding.host === null || !scope.hosts.some((pattern) => globToRegExp(pattern).test(finding.host!)))) {
    return false;
  }
  return true;
}
