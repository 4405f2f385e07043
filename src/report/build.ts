// Builds a compliance report in two passes over the hosts. The first pass
// judges every host and keeps only its judgement, because renderers print
// the summary first. The second pass rebuilds one host section at a time
// while the renderer writes it, so memory grows with the number of hosts,
// not with their history.
import { compareText } from '../drift/differences.js';
import { globToRegExp } from '../drift/match.js';
import type { PollTimeRow, ReportHostRow, SeverityChangeRow, WindowHistoryRow } from '../store/report-queries.js';
import type { Store } from '../store/store.js';
import { BaselineCatalog } from './baseline-catalog.js';
import { measureCoverage } from './coverage.js';
import { COMPLIANT_DEFINITION } from './definitions.js';
import { findingEntry } from './finding-entries.js';
import { HoldHistory } from './hold-history.js';
import { hostSection, readHost, SnapshotCache, type HostContext, type JudgedHost } from './host-section.js';
import { processTimeZone } from './schedule.js';
import { runsOverlapping } from './state-runs.js';
import { SummaryTally } from './summary.js';
import type { BaselineInForce, ExceptionEntry, FindingEntry, HostIndexEntry, HostSection, Period, Report, ReportFilters, WindowEntry } from './types.js';

export interface ReportOptions {
  period: Period;
  generatedAt: string;
  filters: ReportFilters;
  /**
   * The configured poll schedule (cron).
   * NOTE: it is applied to the whole period, because the database does not
   * record earlier schedules; a period spanning a schedule change gets wrong expected counts.
   */
  schedule: string;
  /** vCenters in the config, reported even when the database has never seen them. */
  configuredVcenters: readonly string[];
}

export function buildReport(store: Store, options: ReportOptions): Report {
  const { period, filters } = options;
  const vcenters = selectVcenters(store, options);
  const context = createContext(store, period, vcenters);
  const pass = judgeHosts(store, context, filters);
  const vcenterFindings = vcenters.flatMap((vcenter) => vcenterFindingsOf(store, vcenter.name, context));
  pass.tally.addFindings(vcenterFindings);
  const polls = vcenters.map((vcenter) => ({
    vcenter: vcenter.name,
    polls: vcenter.id === null ? [] : store.reports.polls(vcenter.id, period.from, period.to),
    firstPollAt: vcenter.id === null ? null : store.reports.firstPollAt(vcenter.id),
  }));
  const coverage = measureCoverage(options.schedule, Date.parse(period.from), Date.parse(period.to), polls);
  const targets = pass.inScope.map((host) => ({ vcenter: host.vcenter, cluster: host.cluster, host: host.name }));
  return {
    header: {
      reportVersion: 1,
      generatedAt: options.generatedAt,
      period,
      filters,
      definitions: { compliant: COMPLIANT_DEFINITION },
      schedule: { expression: options.schedule, timeZone: processTimeZone(), intervalSeconds: coverage.intervalSeconds },
      summary: pass.tally.summary(),
      coverage: coverage.coverage,
      baselines: baselinesInForce(store, context, pass.judgedIn),
      windows: context.holdHistory.windowsFor(period, targets).map(windowEntry),
      exceptions: context.holdHistory.exceptionsFor(period, targets).map(exceptionEntry),
      vcenterFindings,
    },
    index: pass.index,
    hosts: () => hostSections(pass.inScope, context),
  };
}

function createContext(store: Store, period: Period, vcenters: readonly { id: number | null; name: string }[]): HostContext {
  const lastPolls = new Map<string, PollTimeRow | null>();
  for (const vcenter of vcenters) {
    lastPolls.set(vcenter.name, vcenter.id === null ? null : store.reports.lastPollBy(vcenter.id, period.to));
  }
  return {
    store,
    snapshots: new SnapshotCache(store),
    period,
    holdHistory: new HoldHistory(store.reports.windows(), store.reports.exceptions()),
    baselines: new BaselineCatalog(store.reports),
    lastPolls,
  };
}

interface FirstPass {
  inScope: ReportHostRow[];
  index: HostIndexEntry[];
  tally: SummaryTally;
  /** Hosts in scope by the baseline version row that judged them in the period. */
  judgedIn: Map<number, Set<number>>;
}

/** Judges every host that matches the filters, keeping only what the summary and the host list need. */
function judgeHosts(store: Store, context: HostContext, filters: ReportFilters): FirstPass {
  const pass: FirstPass = { inScope: [], index: [], tally: new SummaryTally(), judgedIn: new Map() };
  for (const host of store.reports.hosts()) {
    const judged = matchesFilters(host, filters) ? readHost(host, context) : null;
    if (!judged) {
      continue;
    }
    pass.inScope.push(host);
    pass.index.push({ vcenter: host.vcenter, cluster: host.cluster, name: host.name, status: judged.judgement.status, reason: judged.judgement.reason });
    pass.tally.addHost(judged.judgement);
    pass.tally.addFindings(judged.findings);
    noteBaselines(judged, context.period, pass.judgedIn);
  }
  return pass;
}

function* hostSections(hosts: readonly ReportHostRow[], context: HostContext): Generator<HostSection> {
  for (const host of hosts) {
    const judged = readHost(host, context);
    if (judged) {
      yield hostSection(judged, context);
    }
  }
}

/** vCenters in the database or the config, narrowed by --vcenter, by name. */
function selectVcenters(store: Store, options: ReportOptions): { id: number | null; name: string }[] {
  const known = new Map<string, number | null>(store.reports.vcenters().map((row) => [row.name, row.id]));
  for (const name of options.configuredVcenters) {
    if (!known.has(name)) {
      known.set(name, null);
    }
  }
  const requested = options.filters.vcenters;
  return [...known.entries()]
    .filter(([name]) => requested.length === 0 || requested.includes(name))
    .map(([name, id]) => ({ id, name }))
    .sort((a, b) => compareText(a.name, b.name));
}

export function matchesFilters(host: { vcenter: string; cluster: string | null; name: string }, filters: ReportFilters): boolean {
  if (filters.vcenters.length > 0 && !filters.vcenters.includes(host.vcenter)) {
    return false;
  }
  if (filters.clusters.length > 0 && (host.cluster === null || !filters.clusters.includes(host.cluster))) {
    return false;
  }
  return filters.hosts.length === 0 || filters.hosts.some((pattern) => globToRegExp(pattern).test(host.name));
}

function noteBaselines(judged: JudgedHost, period: Period, judgedIn: Map<number, Set<number>>): void {
  for (const { run } of runsOverlapping(judged.ranges, period.from, period.to)) {
    if (run.baselineVersionId !== null) {
      const hosts = judgedIn.get(run.baselineVersionId) ?? new Set<number>();
      hosts.add(judged.host.id);
      judgedIn.set(run.baselineVersionId, hosts);
    }
  }
}

function baselinesInForce(store: Store, context: HostContext, judgedIn: Map<number, Set<number>>): BaselineInForce[] {
  const spans = new Map(store.reports.baselineSpans().map((span) => [span.baselineVersionId, span]));
  const versions: BaselineInForce[] = [];
  for (const [rowId, hosts] of judgedIn) {
    const version = context.baselines.get(rowId);
    const span = spans.get(rowId);
    if (version && span) {
      versions.push({
        ...version.info,
        firstLoadedAt: version.firstLoadedAt,
        lastLoadedAt: version.lastLoadedAt,
        firstInForce: span.firstInForce,
        lastInForce: span.lastInForce,
        hostsJudged: hosts.size,
      });
    }
  }
  return versions.sort((a, b) => compareText(a.id, b.id) || a.version - b.version || compareText(a.hash, b.hash) || a.rowId - b.rowId);
}

function vcenterFindingsOf(store: Store, vcenter: string, context: HostContext): FindingEntry[] {
  const changes = new Map<number, SeverityChangeRow[]>();
  for (const change of store.reports.vcenterSeverityChanges(vcenter)) {
    changes.set(change.findingId, [...(changes.get(change.findingId) ?? []), change]);
  }
  return store.reports.vcenterFindings(vcenter, context.period.from, context.period.to).map((row) => findingEntry(row, changes.get(row.id) ?? [], context));
}

function windowEntry(window: WindowHistoryRow): WindowEntry {
  return {
    id: window.id,
    source: window.source,
    scope: JSON.parse(window.scope) as unknown,
    startsAt: window.startsAt,
    endsAt: window.endsAt,
    endedAt: window.endedAt,
    ticket: window.ticket,
    createdBy: window.createdBy,
    reason: window.reason,
  };
}

function exceptionEntry(row: ExceptionEntry): ExceptionEntry {
  return {
    exceptionId: row.exceptionId,
    source: row.source,
    vcenter: row.vcenter,
    cluster: row.cluster,
    host: row.host,
    ruleset: row.ruleset,
    rule: row.rule,
    reason: row.reason,
    approvedBy: row.approvedBy,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    withdrawnAt: row.withdrawnAt,
  };
}
