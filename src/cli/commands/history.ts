import { firewallSwitchLabel, formatValue } from '../../report/labels.js';
import { parseReportTime } from '../../report/period.js';
import { DiffError, hostDiff, hostHistory, type HostDiff } from '../../report/host-history.js';
import type { StateEvidence } from '../../report/types.js';
import type { HostLookup } from '../../store/hosts.js';
import type { Store } from '../../store/store.js';
import { CONFIG_OPTION, JSON_OPTION, parseCommandArgs } from '../args.js';
import { loadContext, withStore } from '../context.js';
import { EXIT, ExitError, UsageError } from '../exit-error.js';
import type { CommandIo } from '../io.js';

export const HISTORY_HELP = `vdrift history --host NAME [--vcenter NAME] [--json] [--config PATH]
  Lists the host's state changes from the database: when each state was
  first and last seen (poll id and time), its snapshot hash, why the host
  was not checked, the firewall switch, and the baseline version that judged it.
  --json  print one JSON document {host, states} on stdout`;

export const DIFF_HELP = `vdrift diff --host NAME [--vcenter NAME] [--from TIME] [--to TIME] [--json] [--config PATH]
  Prints the firewall values that differ between two stored states of the
  host, one line per path with the value before and after. By default it
  compares the latest state read with the last different one before it.
  --from and --to pick the states in force at those times instead: an ISO
  8601 date, read as UTC, or a date-time with a time zone.
  --json  print one JSON document {host, before, after, changes} on stdout`;

const HOST_OPTIONS = { ...CONFIG_OPTION, ...JSON_OPTION, host: { type: 'string' }, vcenter: { type: 'string' } } as const;

export async function historyCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('history', args, HOST_OPTIONS);
  const context = await loadContext(values.config, io, false);
  return withStore(context, (store) => {
    const host = findHost(store, 'history', values.host, values.vcenter);
    const states = hostHistory(store, host.id);
    if (values.json) {
      io.out(JSON.stringify({ host: hostJson(host), states }, null, 2));
    } else {
      io.out(`${hostLine(host)}\n${historyTable(states)}`);
    }
    return EXIT.ok;
  });
}

export async function diffCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('diff', args, { ...HOST_OPTIONS, from: { type: 'string' }, to: { type: 'string' } });
  const from = values.from === undefined ? undefined : time(values.from, '--from');
  const to = values.to === undefined ? undefined : time(values.to, '--to');
  const context = await loadContext(values.config, io, false);
  return withStore(context, (store) => {
    const host = findHost(store, 'diff', values.host, values.vcenter);
    let diff: HostDiff | null;
    try {
      diff = hostDiff(store, host.id, { from, to });
    } catch (err) {
      if (err instanceof DiffError) {
        throw new ExitError(`vdrift diff: host ${host.name} (${host.vcenter}): ${err.message}`, EXIT.usage);
      }
      throw err;
    }
    if (values.json) {
      io.out(JSON.stringify({ host: hostJson(host), before: diff?.before ?? null, after: diff?.after ?? null, changes: diff?.changes ?? [] }, null, 2));
    } else {
      io.out(`${hostLine(host)}\n${diffText(diff)}`);
    }
    return EXIT.ok;
  });
}

function findHost(store: Store, command: string, name: string | undefined, vcenter: string | undefined): HostLookup {
  if (!name) {
    throw new UsageError(`vdrift ${command}: --host NAME is required`);
  }
  const candidates = store.hosts.findByName(name).filter((row) => vcenter === undefined || row.vcenter === vcenter);
  if (candidates.length === 0) {
    throw new ExitError(`vdrift ${command}: host ${name}${vcenter ? ` in vCenter ${vcenter}` : ''} is not in the database; run vdrift poll first`, EXIT.usage);
  }
  if (candidates.length > 1) {
    throw new UsageError(`vdrift ${command}: host ${name} exists in several vCenters (${candidates.map((row) => row.vcenter).join(', ')}); choose one with --vcenter`);
  }
  return candidates[0]!;
}

function time(text: string, option: string): string {
  const parsed = parseReportTime(text, 'start');
  if (parsed === null) {
    throw new UsageError(`vdrift diff: ${option} ${JSON.stringify(text)} is not an ISO 8601 date such as 2026-05-01 or a date-time with a time zone such as 2026-05-01T08:00:00Z`);
  }
  return parsed;
}

function hostJson(host: HostLookup) {
  return { vcenter: host.vcenter, cluster: host.cluster, name: host.name, lastSeenAt: host.lastSeenAt, removedAt: host.removedAt };
}

function hostLine(host: HostLookup): string {
  const removed = host.removedAt ? `, removed at ${host.removedAt}` : '';
  return `host ${host.name} (vCenter ${host.vcenter}, cluster ${host.cluster ?? 'standalone'}${removed})`;
}

function historyTable(states: readonly StateEvidence[]): string {
  const rows = states.map((state) => [
    `${state.firstPoll.at} (poll ${state.firstPoll.id})`,
    `${state.lastPoll.at} (poll ${state.lastPoll.id})${state.current ? ' current' : ''}`,
    state.snapshotHash ?? '-',
    state.notCheckedReason === null ? 'checked' : `not checked: ${state.notCheckedReason}${state.notCheckedDetail ? ` (${state.notCheckedDetail})` : ''}`,
    firewallSwitchLabel(state.firewallSwitch),
    state.baseline ? `${state.baseline.id} v${state.baseline.version} (${state.baseline.hash.slice(0, 12)})` : '-',
  ]);
  return table([['FIRST SEEN', 'LAST SEEN', 'SNAPSHOT', 'STATE', 'FIREWALL', 'BASELINE'], ...rows]);
}

function diffText(diff: HostDiff | null): string {
  if (diff === null) {
    return 'no firewall change recorded: every state read has the same snapshot and firewall switch';
  }
  const side = (label: string, s: HostDiff['before']) => `${label}: snapshot ${s.snapshotHash}, firewall ${firewallSwitchLabel(s.firewallSwitch)}, seen from ${s.firstPoll.at} (poll ${s.firstPoll.id}) to ${s.lastPoll.at} (poll ${s.lastPoll.id})`;
  const lines = [side('before', diff.before), side('after ', diff.after), ''];
  if (diff.changes.length === 0) {
    lines.push('no differences');
  } else {
    lines.push(table([['PATH', 'BEFORE', 'AFTER'], ...diff.changes.map((change) => [change.path, formatValue(change.before), formatValue(change.after)])]));
  }
  return lines.join('\n');
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')).join('\n');
}
