// Semantic checks of a baseline document that JSON Schema cannot express:
// valid addresses and networks, no host bits, no repeated entries, and a
// plausible approval date.

import type { AllowedHostsPolicy } from '../model/baseline.js';
import {
  cidrContains,
  formatAddress,
  formatCidr,
  hostBitsSet,
  networkOf,
  parseAddress,
  parseCidr,
  type Cidr,
} from '../model/ip.js';
import type { BaselineDocument, DocumentIssues } from './baselines-types.js';
import { formatIssue, type PathSegment } from './issue-path.js';

/** Runs every check on a document that passed the schema. */
export function checkBaselineDocument(document: BaselineDocument, now: Date): DocumentIssues {
  const issues: DocumentIssues = { errors: [], warnings: [] };
  checkApprovalDate(document.approval.at, now, issues);

  const defaults = document.rulesetDefaults?.allowedHosts;
  if (defaults) {
    checkAllowedHosts(defaults, ['rulesetDefaults', 'allowedHosts'], issues);
  }
  for (const [key, ruleset] of Object.entries(document.rulesets ?? {})) {
    if (ruleset.allowedHosts) {
      checkAllowedHosts(ruleset.allowedHosts, ['rulesets', key, 'allowedHosts'], issues);
    }
  }
  return issues;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-](\d{2}):(\d{2})))?$/;

// UTC+14 (Line Islands) is the earliest time zone, so a date lies in the
// future everywhere only while it has not begun there.
const EARLIEST_ZONE_MS = 14 * 3600 * 1000;

/** Rejects impossible dates and times, and warns about an approval in the future. */
export function checkApprovalDate(text: string, now: Date, issues: DocumentIssues): void {
  const path = ['approval', 'at'];
  const match = DATE_TIME.exec(text);
  if (!match || !isValidCalendarDate(match) || !isValidTime(match)) {
    issues.errors.push(formatIssue(path, `${JSON.stringify(text)} is not a valid date or date-time`));
    return;
  }

  const isDateOnly = match[4] === undefined;
  const start = isDateOnly ? Date.parse(`${text}T00:00:00Z`) - EARLIEST_ZONE_MS : Date.parse(text);
  if (start > now.getTime()) {
    issues.warnings.push(formatIssue(path, `${text} is in the future; check the approval date`));
  }
}

function isValidCalendarDate(match: RegExpExecArray): boolean {
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function isValidTime(match: RegExpExecArray): boolean {
  const within = (text: string | undefined, max: number) => text === undefined || Number(text) <= max;
  return within(match[4], 23) && within(match[5], 59) && within(match[6], 59) && within(match[8], 23) && within(match[9], 59);
}

function checkAllowedHosts(policy: AllowedHostsPolicy, path: PathSegment[], issues: DocumentIssues): void {
  if (policy.mode === 'within') {
    const networks = checkNetworks(policy.networks, [...path, 'networks'], issues);
    warnNestedNetworks(networks, [...path, 'networks'], issues);
  } else if (policy.mode === 'exact') {
    checkAddresses(policy.ipAddress, [...path, 'ipAddress'], issues);
    checkNetworks(policy.ipNetwork, [...path, 'ipNetwork'], issues);
  }
}

function checkAddresses(values: string[], path: PathSegment[], issues: DocumentIssues): void {
  const seen = new Map<string, number>();
  values.forEach((value, index) => {
    const entryPath = [...path, index];
    const address = parseAddress(value);
    if (!address) {
      const hint = parseCidr(value) ? '; a network belongs in ipNetwork' : '';
      issues.errors.push(formatIssue(entryPath, `${JSON.stringify(value)} is not a valid IPv4 or IPv6 address${hint}`));
      return;
    }
    reportDuplicate(formatAddress(address), value, index, seen, path, issues);
  });
}

// Returns the valid networks with their indexes, for further checks.
function checkNetworks(values: string[], path: PathSegment[], issues: DocumentIssues): { index: number; cidr: Cidr }[] {
  const seen = new Map<string, number>();
  const valid: { index: number; cidr: Cidr }[] = [];
  values.forEach((value, index) => {
    const entryPath = [...path, index];
    const cidr = parseCidr(value);
    if (!cidr) {
      issues.errors.push(formatIssue(entryPath, `${JSON.stringify(value)} is not a valid IPv4 or IPv6 network`));
      return;
    }
    if (hostBitsSet(cidr)) {
      const suggestion = JSON.stringify(formatCidr(networkOf(cidr)));
      issues.errors.push(formatIssue(entryPath, `${JSON.stringify(value)} has host bits set; did you mean ${suggestion}?`));
      return;
    }
    if (reportDuplicate(formatCidr(cidr), value, index, seen, path, issues)) {
      valid.push({ index, cidr });
    }
  });
  return valid;
}

// Records the entry under its canonical form and returns true, or reports a duplicate and returns false.
function reportDuplicate(
  canonical: string,
  value: string,
  index: number,
  seen: Map<string, number>,
  path: PathSegment[],
  issues: DocumentIssues,
): boolean {
  const first = seen.get(canonical);
  if (first === undefined) {
    seen.set(canonical, index);
    return true;
  }
  const listName = path[path.length - 1] as string;
  issues.errors.push(formatIssue([...path, index], `${JSON.stringify(value)} is a duplicate of ${listName}[${first}]`));
  return false;
}

// A network inside another listed one widens nothing, which suggests a typo.
function warnNestedNetworks(networks: { index: number; cidr: Cidr }[], path: PathSegment[], issues: DocumentIssues): void {
  for (const inner of networks) {
    const outer = networks.find((candidate) => candidate !== inner && cidrContains(candidate.cidr, inner.cidr));
    if (outer) {
      const message = `${formatCidr(inner.cidr)} lies inside networks[${outer.index}] (${formatCidr(outer.cidr)}) and adds nothing`;
      issues.warnings.push(formatIssue([...path, inner.index], message));
    }
  }
}
