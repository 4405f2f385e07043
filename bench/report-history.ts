// Writes a synthetic but realistic vdrift history straight into a database
// through SQL, for timing `vdrift report` at scale. The history has hosts
// in 5 clusters of one vCenter and a 15-minute poll schedule over the
// period (8,640 polls in 90 days), with a few failed and incomplete polls
// and one outage. A baseline is replaced by a new version halfway. Each host
// has a handful of state changes: drift that opens a finding and is undone,
// disconnections, and for a few hosts removal or an escalation. One window
// and one exception apply to some hosts.
//
// The random choices come from a seeded generator, so the same options give
// the same database.
//
//   node dist/bench/report-history.js --out FILE [--hosts 2500] [--days 90]
import { parseArgs } from 'node:util';
import type { Baseline } from '../src/model/baseline.js';
import { canonicalJson, sha256Hex } from '../src/model/canonical.js';
import type { FirewallState, Ruleset } from '../src/model/firewall.js';
import { Store } from '../src/store/store.js';

export interface HistoryOptions {
  hosts: number;
  days: number;
  /** End of the history. Polls run every 15 minutes before it. */
  end: string;
  seed?: number;
}

export interface HistorySummary {
  vcenter: string;
  from: string;
  to: string;
  polls: number;
  hosts: number;
  states: number;
  findings: number;
  /** Hours of the outage in which no poll ran, for checking the coverage gap. */
  outageHours: number;
}

const VCENTER = 'vc-bench';
const CLUSTERS = 5;
const POLL_MINUTES = 15;
const OUTAGE_POLLS = 16;

/** Drift episodes the generator uses: which ruleset changes and the finding it raises. */
const DRIFTS = [
  { key: 'sshServer', change: 'allow-all', rule: 'management-ruleset-allow-all', severity: 'high' },
  { key: 'gdbserver', change: 'enabled', rule: 'ruleset-enabled-unexpectedly', severity: 'medium' },
  { key: 'syslog', change: 'disabled', rule: 'management-ruleset-disabled', severity: 'high' },
] as const;

/** A small linear congruential generator: deterministic and good enough for shuffling test data. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function ruleset(key: string, enabled: boolean, allIp: boolean, addresses: string[] = []): Ruleset {
  return {
    allowedHosts: { allIp, ipAddress: addresses, ipNetwork: allIp ? [] : [{ network: '10.20.0.0', prefixLength: 16 }] },
    enabled,
    key,
    label: key,
    required: false,
    rules: [{ direction: 'inbound', port: 22, portType: 'dst', protocol: 'tcp' }],
  };
}

/** Builds the compliant state of a cluster, or that state with one drift applied. */
function firewallState(cluster: number, drift: (typeof DRIFTS)[number] | null): FirewallState {
  const keys = ['CIMHttpServer', 'CIMHttpsServer', 'NFC', 'dhcp', 'dns', 'gdbserver', 'nfsClient', 'ntpClient', 'snmp', 'sshServer', 'syslog', 'vMotion', 'vSphereClient', 'vpxHeartbeats', 'webAccess'];
  const rulesets = keys.map((key) => {
    const off = key === 'gdbserver' || key === 'snmp';
    const base = ruleset(key, !off, false, [`10.20.${cluster}.5`]);
    if (drift?.key !== key) {
      return base;
    }
    if (drift.change === 'allow-all') {
      return ruleset(key, true, true);
    }
    return { ...base, enabled: drift.change === 'enabled' };
  });
  return { defaultPolicy: { incomingBlocked: true, outgoingBlocked: true }, rulesets };
}

function baseline(version: number): Baseline {
  return {
    id: 'bench-hardened',
    version,
    description: 'synthetic baseline for the report benchmark',
    approval: { by: 'bench', at: version === 1 ? '2026-01-01' : '2026-02-15', ticket: `CHG-BENCH-${version}` },
    scope: {},
    defaultPolicy: { incomingBlocked: true },
    rulesetDefaults: { allowedHosts: { mode: 'restricted' } },
    unlistedRulesets: 'ignore',
    rulesets: {
      sshServer: { management: true },
      syslog: { management: true, enabled: version === 1 ? 'keep' : true },
      gdbserver: { enabled: false },
      vpxHeartbeats: { management: true, enabled: 'keep' },
      nfsClient: { managedByEsxi: true },
    },
  };
}

interface Run {
  start: number;
  snapshot: string | null;
  reason: string | null;
  baseline: number;
}

interface Episode {
  kind: 'drift' | 'disconnect';
  start: number;
  end: number | null;
  drift: (typeof DRIFTS)[number] | null;
}

/** Generates the history and returns what it wrote. */
export function writeHistory(path: string, options: HistoryOptions): HistorySummary {
  const store = Store.open(path);
  try {
    const polls = Math.round((options.days * 24 * 60) / POLL_MINUTES);
    const endMs = Date.parse(options.end);
    const startMs = endMs - polls * POLL_MINUTES * 60_000;
    const rand = random(options.seed ?? 42);
    const writer = new HistoryWriter(store, startMs, polls);
    writer.writeSetup();
    const outageStart = Math.floor(polls * 0.6);
    writer.writePolls(rand, outageStart);
    let states = 0;
    let findings = 0;
    store.db.transaction(() => {
      for (let index = 0; index < options.hosts; index += 1) {
        const counts = writer.writeHost(index, rand, outageStart);
        states += counts.states;
        findings += counts.findings;
      }
    })();
    return {
      vcenter: VCENTER,
      from: new Date(startMs).toISOString(),
      to: new Date(endMs).toISOString(),
      polls,
      hosts: options.hosts,
      states,
      findings,
      outageHours: (OUTAGE_POLLS * POLL_MINUTES) / 60,
    };
  } finally {
    store.close();
  }
}

class HistoryWriter {
  private readonly snapshots = new Map<string, string>();
  private readonly baselineRows: number[] = [];
  /** Poll ids by poll index, -1 in the outage, where no poll ran. */
  private readonly pollIds: number[] = [];
  private readonly pollOk: boolean[] = [];
  private vcenterId = 0;

  constructor(
    private readonly store: Store,
    private readonly startMs: number,
    private readonly polls: number,
  ) {}

  at(index: number, offsetSeconds = 20): string {
    return new Date(this.startMs + index * POLL_MINUTES * 60_000 + offsetSeconds * 1000).toISOString();
  }

  writeSetup(): void {
    const db = this.store.db;
    db.prepare('INSERT INTO vcenters (name) VALUES (?)').run(VCENTER);
    this.vcenterId = db.prepare('SELECT id FROM vcenters WHERE name = ?').pluck().get(VCENTER) as number;
    const insert = db.prepare(
      `INSERT INTO baseline_versions (baseline_id, version, hash, body, file, approved_by, approved_at, ticket, first_loaded_at, last_loaded_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const version of [1, 2]) {
      const body = baseline(version);
      const loaded = version === 1 ? this.at(0) : this.at(Math.floor(this.polls / 2));
      const result = insert.run(body.id, version, sha256Hex(canonicalJson(body)), JSON.stringify(body), 'baselines/bench.json', body.approval.by, body.approval.at, body.approval.ticket, loaded, this.at(this.polls - 1));
      this.baselineRows.push(Number(result.lastInsertRowid));
    }
    db.prepare(
      `INSERT INTO windows (source, scope, starts_at, ends_at, ticket, created_by, reason, created_at) VALUES ('cli', ?, ?, ?, 'CHG-BENCH-W', 'bench', 'patching', ?)`,
    ).run(canonicalJson({ clusters: ['Cluster-1'] }), this.at(100, 0), this.at(140, 0), this.at(99));
    db.prepare(
      `INSERT INTO exceptions (source, exception_id, cluster, ruleset, rule, reason, approved_by, expires_at, created_at)
       VALUES ('cli', 'RISK-BENCH-1', 'Cluster-2', 'gdbserver', 'ruleset-enabled-unexpectedly', 'vendor debugging', 'ciso', ?, ?)`,
    ).run(this.at(this.polls + 96 * 30), this.at(10));
  }

  /** Writes a poll every 15 minutes. About 0.5% fail, 0.2% stop midway, and none run during the outage. */
  writePolls(rand: () => number, outageStart: number): void {
    const insert = this.store.db.prepare(
      `INSERT INTO polls (vcenter_id, started_at, finished_at, outcome, error, hosts_seen, hosts_checked) VALUES (?, ?, ?, ?, ?, 0, 0)`,
    );
    this.store.db.transaction(() => {
      for (let index = 0; index < this.polls; index += 1) {
        if (index >= outageStart && index < outageStart + OUTAGE_POLLS) {
          this.pollIds.push(-1);
          this.pollOk.push(false);
          continue;
        }
        const outcome = pollOutcome(rand());
        const error = outcome === 'complete' ? null : 'connect ECONNREFUSED 127.0.0.1:443';
        this.pollIds.push(Number(insert.run(this.vcenterId, this.at(index, 0), this.at(index), outcome, error).lastInsertRowid));
        this.pollOk.push(outcome !== 'failed');
      }
    })();
  }

  writeHost(index: number, rand: () => number, outageStart: number): { states: number; findings: number } {
    const cluster = index % CLUSTERS;
    const episodes = this.episodes(rand, outageStart);
    const removedAt = rand() < 0.01 ? Math.floor(this.polls * (0.7 + rand() * 0.25)) : null;
    const runs = this.runs(cluster, episodes, removedAt);
    const hostId = this.insertHost(index, cluster, runs, removedAt);
    this.insertRuns(hostId, runs, removedAt);
    const findings = this.insertFindings(hostId, index, cluster, episodes, removedAt);
    return { states: runs.length, findings };
  }

  private episodes(rand: () => number, outageStart: number): Episode[] {
    const episodes: Episode[] = [];
    const count = Math.floor(rand() * 4);
    for (let i = 0; i < count; i += 1) {
      const start = 10 + Math.floor(rand() * (this.polls - 20));
      const length = 2 + Math.floor(rand() * 400);
      const end = start + length < this.polls && rand() > 0.1 ? start + length : null;
      if (start >= outageStart - 1 && start <= outageStart + OUTAGE_POLLS) {
        continue;
      }
      const disconnect = rand() < 0.15;
      episodes.push({ kind: disconnect ? 'disconnect' : 'drift', start, end, drift: disconnect ? null : DRIFTS[Math.floor(rand() * DRIFTS.length)]! });
    }
    // Episodes do not overlap: each one ends before the next begins.
    episodes.sort((a, b) => a.start - b.start);
    const kept: Episode[] = [];
    for (const episode of episodes) {
      const previous = kept[kept.length - 1];
      if (!previous || (previous.end !== null && previous.end < episode.start)) {
        kept.push(episode);
      }
    }
    return kept;
  }

  private runs(cluster: number, episodes: Episode[], removedAt: number | null): Run[] {
    const half = Math.floor(this.polls / 2);
    const changes = new Map<number, { snapshot?: string | null; reason?: string | null; baseline?: number }>();
    const note = (at: number, change: { snapshot?: string | null; reason?: string | null; baseline?: number }) => changes.set(at, { ...changes.get(at), ...change });
    const clean = this.snapshot(cluster, null);
    note(0, { snapshot: clean, reason: null, baseline: 0 });
    note(half, { baseline: 1 });
    for (const episode of episodes) {
      if (episode.kind === 'drift') {
        note(episode.start, { snapshot: this.snapshot(cluster, episode.drift) });
      } else {
        note(episode.start, { reason: 'disconnected' });
      }
      if (episode.end !== null) {
        note(episode.end, episode.kind === 'drift' ? { snapshot: clean } : { reason: null });
      }
    }
    const runs: Run[] = [];
    let current: Run = { start: 0, snapshot: null, reason: null, baseline: 0 };
    for (const at of [...changes.keys()].sort((a, b) => a - b)) {
      if (removedAt !== null && at >= removedAt) {
        break;
      }
      const poll = this.firstPollAtOrAfter(at);
      if (poll === null) {
        break;
      }
      current = { ...current, ...changes.get(at), start: poll };
      if (runs.length > 0 && runs[runs.length - 1]!.start === poll) {
        runs[runs.length - 1] = current;
      } else {
        runs.push(current);
      }
    }
    return runs;
  }

  private firstPollAtOrAfter(index: number): number | null {
    for (let i = index; i < this.polls; i += 1) {
      if (this.pollOk[i]) {
        return i;
      }
    }
    return null;
  }

  private lastPollBefore(index: number): number {
    for (let i = Math.min(index, this.polls) - 1; i >= 0; i -= 1) {
      if (this.pollOk[i]) {
        return i;
      }
    }
    return 0;
  }

  private snapshot(cluster: number, drift: (typeof DRIFTS)[number] | null): string {
    const name = `${cluster}:${drift?.key ?? 'clean'}`;
    let hash = this.snapshots.get(name);
    if (!hash) {
      const body = canonicalJson(firewallState(cluster, drift));
      hash = sha256Hex(body);
      this.store.db.prepare('INSERT INTO snapshots (hash, body, first_seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING').run(hash, body, this.at(0));
      this.snapshots.set(name, hash);
    }
    return hash;
  }

  private insertHost(index: number, cluster: number, runs: Run[], removedAt: number | null): number {
    const last = removedAt === null ? this.lastPollBefore(this.polls) : this.lastPollBefore(removedAt);
    const checked = runs[runs.length - 1]?.reason === null;
    const result = this.store.db
      .prepare(
        `INSERT INTO hosts (vcenter_id, moid, name, cluster, connection_state, in_maintenance, product_version, api_version,
                            first_seen_at, last_seen_at, last_seen_poll_id, last_checked_at, last_checked_poll_id, removed_at)
         VALUES (?, ?, ?, ?, ?, 0, '8.0.3', '8.0.3.0', ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        this.vcenterId,
        `host-${1000 + index}`,
        hostName(index, cluster),
        `Cluster-${cluster + 1}`,
        checked ? 'connected' : 'disconnected',
        this.at(0),
        this.at(last),
        this.pollIds[last],
        checked ? this.at(last) : null,
        checked ? this.pollIds[last] : null,
        removedAt === null ? null : this.at(this.firstPollAtOrAfter(removedAt) ?? removedAt),
      );
    return Number(result.lastInsertRowid);
  }

  private insertRuns(hostId: number, runs: Run[], removedAt: number | null): void {
    const insert = this.store.db.prepare(
      `INSERT INTO host_states (host_id, snapshot_hash, not_checked_reason, not_checked_detail, baseline_version_id,
                                first_poll_id, first_seen_at, last_poll_id, last_seen_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    let currentId: number | null = null;
    runs.forEach((run, i) => {
      const next = runs[i + 1];
      const closed = next !== undefined || removedAt !== null;
      let last: number | null = null;
      if (next) {
        last = this.lastPollBefore(next.start);
      } else if (removedAt !== null) {
        last = this.lastPollBefore(removedAt);
      }
      const detail = run.reason ? 'the host is disconnected from vCenter' : null;
      const result = insert.run(
        hostId,
        run.reason ? null : run.snapshot,
        run.reason,
        detail,
        run.reason ? null : this.baselineRows[run.baseline],
        this.pollIds[run.start],
        this.at(run.start),
        closed && last !== null ? this.pollIds[last] : null,
        closed && last !== null ? this.at(last) : null,
      );
      currentId = closed ? null : Number(result.lastInsertRowid);
    });
    this.store.db.prepare('UPDATE hosts SET current_state_id = ? WHERE id = ?').run(currentId, hostId);
  }

  private insertFindings(hostId: number, index: number, cluster: number, episodes: Episode[], removedAt: number | null): number {
    const host: SyntheticHost = { id: hostId, index, cluster, moid: `host-${1000 + index}`, name: hostName(index, cluster) };
    let count = 0;
    for (const episode of episodes) {
      const start = this.firstPollAtOrAfter(episode.start);
      if (start !== null && (removedAt === null || start < removedAt)) {
        this.insertFinding(host, episode, start, removedAt);
        count += 1;
      }
    }
    return count;
  }

  /** Writes the finding of one episode; one in five medium findings is escalated to high eight polls after it opened. */
  private insertFinding(host: SyntheticHost, episode: Episode, start: number, removedAt: number | null): void {
    const removedFirst = removedAt !== null && (episode.end === null || episode.end > removedAt);
    const endIndex = removedFirst ? removedAt : episode.end;
    const end = endIndex === null ? null : this.firstPollAtOrAfter(endIndex);
    const lastSeen = this.lastPollBefore(end ?? this.polls);
    const rule = episode.drift?.rule ?? 'host-not-checked';
    const ruleset = episode.drift?.key ?? null;
    const severity = episode.drift?.severity ?? 'medium';
    const inWindow = host.cluster === 0 && start >= 100 && start < 140;
    // Every seventh host's changes are attributed, and half of those to an account that is not authorized.
    const attribution =
      host.index % 7 === 0
        ? { userName: 'VSPHERE.LOCAL\\admin', at: this.at(start, -60), eventTypeId: 'esx.audit.net.firewall.config.changed', eventKey: 1000 + host.index, authorized: host.index % 14 === 0 ? false : null }
        : null;
    const result = this.statements().insertFinding.run(
      sha256Hex(`${rule}\u0000${VCENTER}\u0000${host.moid}\u0000${ruleset ?? ''}`).slice(0, 32),
      rule,
      severity,
      VCENTER,
      host.id,
      host.name,
      host.moid,
      `Cluster-${host.cluster + 1}`,
      ruleset,
      `${rule} on ${host.name}`,
      this.baselineRows[start >= Math.floor(this.polls / 2) ? 1 : 0],
      end === null ? 'open' : 'resolved',
      this.at(start),
      this.pollIds[start],
      this.at(lastSeen),
      this.pollIds[lastSeen],
      end === null ? null : this.at(end),
      end === null ? null : this.pollIds[end],
      resolution(end, removedFirst),
      inWindow ? 'CHG-BENCH-W' : null,
      attribution ? JSON.stringify(attribution) : null,
    );
    const escalation = this.firstPollAtOrAfter(start + 8);
    if (severity === 'medium' && episode.drift && host.index % 5 === 0 && escalation !== null && escalation < (end ?? this.polls)) {
      const findingId = Number(result.lastInsertRowid);
      this.statements().insertEscalation.run(findingId, this.pollIds[escalation], this.at(escalation), 'high', 'medium');
      this.statements().raiseSeverity.run('high', findingId);
    }
  }

  private prepared: ReturnType<HistoryWriter['prepare']> | null = null;

  private statements(): ReturnType<HistoryWriter['prepare']> {
    this.prepared ??= this.prepare();
    return this.prepared;
  }

  private prepare() {
    const db = this.store.db;
    return {
      insertFinding: db.prepare(
        `INSERT INTO findings (fingerprint, rule, severity, vcenter, host_id, host, host_moid, cluster, ruleset, expected, actual, message,
                               baseline_version_id, status, first_seen_at, first_poll_id, last_seen_at, last_poll_id, resolved_at,
                               resolved_poll_id, resolution, window_ticket, attribution)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', '{}', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertEscalation: db.prepare('INSERT INTO finding_severity_changes (finding_id, poll_id, at, severity, previous_severity) VALUES (?, ?, ?, ?, ?)'),
      raiseSeverity: db.prepare('UPDATE findings SET severity = ? WHERE id = ?'),
    };
  }
}

interface SyntheticHost {
  id: number;
  index: number;
  cluster: number;
  moid: string;
  name: string;
}

function hostName(index: number, cluster: number): string {
  return `esx${String(index).padStart(4, '0')}.cluster-${cluster + 1}.example.com`;
}

function pollOutcome(roll: number): 'failed' | 'incomplete' | 'complete' {
  if (roll < 0.005) {
    return 'failed';
  }
  return roll < 0.007 ? 'incomplete' : 'complete';
}

function resolution(end: number | null, removedFirst: boolean): string | null {
  if (end === null) {
    return null;
  }
  return removedFirst ? 'host removed from the vCenter inventory' : 'no longer observed';
}

const invokedDirectly = process.argv[1]?.endsWith('report-history.js') === true;
if (invokedDirectly) {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, hosts: { type: 'string', default: '2500' }, days: { type: 'string', default: '90' }, end: { type: 'string', default: '2026-06-01T00:00:00.000Z' } },
  });
  if (!values.out) {
    console.error('usage: node dist/bench/report-history.js --out FILE [--hosts 2500] [--days 90] [--end ISO-TIME]');
    process.exitCode = 2;
  } else {
    console.log(JSON.stringify(writeHistory(values.out, { hosts: Number(values.hosts), days: Number(values.days), end: values.end })));
  }
}
