// Reasons a finding is held back from notification: planned work and
// accepted risk. Both are history, never switches: they are kept after they
// end, and whether one applies is derived from the clock.
import type { RuleId } from './finding.js';

export interface WindowScope {
  vcenters?: string[];
  clusters?: string[];
  /** Host name patterns with `*` and `?`. */
  hosts?: string[];
}

export interface MaintenanceWindow {
  id: number;
  source: 'config' | 'cli';
  scope: WindowScope;
  startsAt: string;
  endsAt: string;
  /** Set by `vdrift window end` when the work finished early. */
  endedAt: string | null;
  ticket: string;
  createdBy: string;
  reason: string;
}

/** An accepted risk: one rule on one ruleset of one host or cluster, until it expires. */
export interface RiskException {
  id: number;
  exceptionId: string;
  source: 'file' | 'cli';
  vcenter: string | null;
  cluster: string | null;
  host: string | null;
  ruleset: string | null;
  rule: RuleId;
  reason: string;
  approvedBy: string;
  expiresAt: string;
  file: string | null;
}

export function windowActive(window: MaintenanceWindow, now: string): boolean {
  const end = window.endedAt !== null && window.endedAt < window.endsAt ? window.endedAt : window.endsAt;
  return window.startsAt <= now && now < end;
}
