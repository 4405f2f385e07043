// The compliance report as data. Every renderer (JSON, CSV, Markdown, HTML)
// writes these types and nothing else, so the formats agree on every number.
// schemas/report.schema.json describes the JSON rendering of them.
import type { Difference } from '../drift/differences.js';
import type { ExceptionHistoryRow, WindowHistoryRow } from '../store/report-queries.js';

export type HostStatus = 'compliant' | 'compliant-with-exceptions' | 'non-compliant' | 'not-evaluated';

/** Reasons for not judging a host in scope at the end of the period. */
export const NOT_EVALUATED_REASONS = [
  'unreachable',
  'disconnected',
  'not-responding',
  'no-permission',
  'no-firewall',
  'no-rulesets',
  'no-baseline',
  'baseline-conflict',
  'not-polled-in-period',
  'removed',
] as const;
export type NotEvaluatedReason = (typeof NOT_EVALUATED_REASONS)[number];

export interface Period {
  from: string;
  to: string;
  /** True when the requested end lay after the generation time and the period ends then instead. */
  endsAtGeneration: boolean;
}

export interface ReportFilters {
  vcenters: string[];
  clusters: string[];
  /** Host name patterns with `*` and `?`, case-insensitive. */
  hosts: string[];
}

export interface Summary {
  hostsInScope: number;
  evaluated: number;
  compliant: number;
  compliantWithExceptions: number;
  nonCompliant: number;
  notEvaluated: number;
  /** Every reason, zero included, in NOT_EVALUATED_REASONS order. */
  notEvaluatedByReason: Record<NotEvaluatedReason, number>;
  /** (compliant + compliantWithExceptions) / evaluated in percent with one decimal, or null when no host was evaluated. */
  complianceRatePercent: number | null;
  findings: FindingCounts;
}

export interface FindingCounts {
  opened: number;
  escalated: number;
  deescalated: number;
  resolved: number;
  openAtEnd: number;
}

export interface Gap {
  from: string;
  to: string;
  missedPolls: number;
  durationSeconds: number;
  /** True when the gap ends before vdrift first polled the vCenter: it was not yet watched, rather than unreachable. */
  beforeFirstPoll: boolean;
}

export interface Coverage {
  vcenter: string;
  expectedPolls: number;
  /** Expected poll times whose slot (up to the next expected time) saw a complete poll start. */
  coveredPolls: number;
  coveragePercent: number | null;
  completePolls: number;
  incompletePolls: number;
  failedPolls: number;
  /** When vdrift first polled this vCenter, at any time; null when it never did. */
  firstPollAt: string | null;
  gaps: Gap[];
}

export interface Schedule {
  expression: string;
  /** IANA zone the cron fields are read in: the zone of the process, as for `vdrift run`. */
  timeZone: string;
  /** The shortest spacing of two expected polls in the period, or null with fewer than two. */
  intervalSeconds: number | null;
}

/** A baseline version as recorded when it was loaded. */
export interface BaselineInfo {
  rowId: number;
  id: string;
  version: number;
  hash: string;
  file: string;
  approvedBy: string;
  approvedAt: string;
  ticket: string;
}

export interface BaselineInForce extends BaselineInfo {
  firstLoadedAt: string;
  lastLoadedAt: string;
  /** First and last poll time of every host state this version judged, in or out of the period. */
  firstInForce: string;
  lastInForce: string;
  /** Hosts in scope that this version judged at some time in the period. */
  hostsJudged: number;
}

export interface PollRef {
  id: number;
  at: string;
}

/** One run of polls in which a host showed one state: the evidence behind the report. */
/** The firewall's on/off switch as the esxcli probe saw it with a state, or not-probed when the probe was off. */
export interface FirewallSwitch {
  state: 'on' | 'off' | 'unknown' | 'not-probed';
  /** esxcli's DefaultAction (DROP or PASS) when the probe succeeded. */
  defaultAction: string | null;
}

export interface StateEvidence {
  snapshotHash: string | null;
  notCheckedReason: string | null;
  notCheckedDetail: string | null;
  firewallSwitch: FirewallSwitch;
  baseline: { rowId: number; id: string; version: number; hash: string } | null;
  firstPoll: PollRef;
  lastPoll: PollRef;
  /** True for the host's current run, which later polls may still extend. */
  current: boolean;
}

export type TimelineStatus = 'compliant' | 'accepted' | 'drifted' | 'not-checked' | 'absent';

export interface TimelineSegment {
  from: string;
  to: string;
  status: TimelineStatus;
}

export interface SeverityChange {
  at: string;
  from: string;
  to: string;
  direction: 'escalated' | 'de-escalated';
}

export interface WindowRef {
  id: number;
  ticket: string;
  createdBy: string;
  startsAt: string;
  endsAt: string;
  reason: string;
}

export interface ExceptionRef {
  exceptionId: string;
  approvedBy: string;
  expiresAt: string;
  withdrawnAt: string | null;
  reason: string;
}

export interface Attribution {
  userName: string;
  at: string;
  eventTypeId: string;
  eventKey: number | null;
  /** False when the account is not among the config's authorized administrators, null when the config names none. */
  authorized: boolean | null;
}

export interface FindingEntry {
  id: number;
  fingerprint: string;
  rule: string;
  /** Severity at the end of the period, or when the finding resolved. */
  severity: string;
  vcenter: string;
  cluster: string | null;
  host: string | null;
  ruleset: string | null;
  message: string;
  expected: unknown;
  actual: unknown;
  baseline: { rowId: number; id: string; version: number; hash: string } | null;
  openedAt: string;
  openedInPeriod: boolean;
  /** Null when the finding was still open at the end of the period. */
  resolvedAt: string | null;
  resolution: string | null;
  openAtEnd: boolean;
  /** Open time within reach of the report: to the resolution, or to the end of the period while open. */
  durationSeconds: number;
  severityChanges: SeverityChange[];
  /** The maintenance window the finding opened in. */
  window: WindowRef | null;
  /** Exceptions that accepted the finding at some time in the period. */
  exceptions: ExceptionRef[];
  acceptedAtEnd: boolean;
  attribution: Attribution | null;
}

export interface HostSection {
  vcenter: string;
  cluster: string | null;
  name: string;
  moid: string;
  status: HostStatus;
  reason: NotEvaluatedReason | null;
  reasonDetail: string | null;
  /** The baseline that judged the host's state at the end of the period. */
  baseline: BaselineInfo | null;
  /** Differences between that state and that baseline, empty for hosts not evaluated. */
  differences: Difference[];
  timeline: TimelineSegment[];
  /** State runs in force in the period, oldest first. The last one is the state at the end. */
  states: StateEvidence[];
  findings: FindingEntry[];
}

/** A window as the report shows it: the stored row with its scope parsed. */
export type WindowEntry = Omit<WindowHistoryRow, 'scope' | 'createdAt'> & { scope: unknown };

export type ExceptionEntry = ExceptionHistoryRow;

/** Everything but the host sections, which are streamed after it. */
export interface ReportHeader {
  reportVersion: 1;
  generatedAt: string;
  period: Period;
  filters: ReportFilters;
  definitions: Record<string, string>;
  schedule: Schedule;
  summary: Summary;
  coverage: Coverage[];
  baselines: BaselineInForce[];
  windows: WindowEntry[];
  exceptions: ExceptionEntry[];
  vcenterFindings: FindingEntry[];
}

/** A host's judgement without its details, for the host list that HTML and Markdown print before the sections. */
export interface HostIndexEntry {
  vcenter: string;
  cluster: string | null;
  name: string;
  status: HostStatus;
  reason: NotEvaluatedReason | null;
}

export interface Report {
  header: ReportHeader;
  /** Every host in scope, in the order of `hosts()`. */
  index: HostIndexEntry[];
  /** Host sections in vCenter, cluster, name and moid order, built one at a time. */
  hosts(): Iterable<HostSection>;
}
