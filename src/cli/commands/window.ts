import { parseZonedTime } from '../../config/config-checks.js';
import { windowActive, type MaintenanceWindow, type WindowScope } from '../../model/hold.js';
import { CONFIG_OPTION, JSON_OPTION, parseCommandArgs } from '../args.js';
import { loadContext, withStore } from '../context.js';
import { EXIT, ExitError, UsageError } from '../exit-error.js';
import type { CommandIo } from '../io.js';

export const WINDOW_HELP = `vdrift window add --scope SCOPE --from TIME --to TIME --ticket TICKET
                  --by NAME --reason TEXT [--config PATH] [--json]
  Adds a maintenance window: findings opened inside it are recorded and
  labelled with the ticket, and notified only if still open when it ends.
  SCOPE is key=value pairs separated by commas, with keys vcenter,
  cluster and host (a name pattern with * and ?); every key named must
  match, and a key may repeat: --scope cluster=Prod-A,host=esx0*.
  TIME is an ISO 8601 date-time with a time zone, or "now".
vdrift window list [--all] [--json]   windows active now or later (--all: also ended ones)
vdrift window end ID                  ends a window early`;

export async function windowCommand(args: string[], io: CommandIo): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'add':
      return addWindow(rest, io);
    case 'list':
      return listWindows(rest, io);
    case 'end':
      return endWindow(rest, io);
    default:
      throw new UsageError(`vdrift window: expected "add", "list" or "end", got ${sub === undefined ? 'nothing' : JSON.stringify(sub)}; see vdrift --help`);
  }
}

async function addWindow(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('window add', args, {
    ...CONFIG_OPTION,
    ...JSON_OPTION,
    scope: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    ticket: { type: 'string' },
    by: { type: 'string' },
    reason: { type: 'string' },
  });
  for (const key of ['scope', 'from', 'to', 'ticket', 'by', 'reason'] as const) {
    if (!values[key]) {
      throw new UsageError(`vdrift window add: --${key} is required`);
    }
  }
  const now = new Date();
  const startsAt = parseTime(values.from!, '--from', now);
  const endsAt = parseTime(values.to!, '--to', now);
  if (endsAt <= startsAt) {
    throw new UsageError(`vdrift window add: --to (${endsAt}) must be later than --from (${startsAt})`);
  }
  const scope = parseScope(values.scope!);
  const context = await loadContext(values.config, io, false);
  return withStore(context, (store) => {
    const id = store.windows.add({ scope, startsAt, endsAt, ticket: values.ticket!, createdBy: values.by!, reason: values.reason! }, now.toISOString());
    const window = store.windows.byId(id)!;
    io.out(values.json ? JSON.stringify(window, null, 2) : `window ${id} added: ${describe(window)}`);
    return EXIT.ok;
  });
}

async function listWindows(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('window list', args, { ...CONFIG_OPTION, ...JSON_OPTION, all: { type: 'boolean' } });
  const context = await loadContext(values.config, io, false);
  return withStore(context, (store) => {
    store.windows.syncConfig(context.config.windows, new Date().toISOString());
    const now = new Date().toISOString();
    const windows = store.windows.list().filter((window) => values.all || window.endsAt > now && (window.endedAt === null || window.endedAt > now));
    if (values.json) {
      io.out(JSON.stringify({ windows: windows.map((window) => ({ ...window, active: windowActive(window, now) })) }, null, 2));
    } else {
      io.out(windows.length === 0 ? 'no windows' : windows.map((window) => `${window.id}  ${windowActive(window, now) ? 'active ' : '       '}  ${describe(window)}`).join('\n'));
    }
    return EXIT.ok;
  });
}

async function endWindow(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('window end', args, CONFIG_OPTION, true);
  const id = Number(positionals[0]);
  if (positionals.length !== 1 || !Number.isInteger(id) || id <= 0) {
    throw new UsageError('vdrift window end: expected one window id, as vdrift window list shows it');
  }
  const context = await loadContext(values.config, io, false);
  return withStore(context, (store) => {
    const window = store.windows.byId(id);
    if (!window) {
      throw new ExitError(`window ${id} does not exist; vdrift window list --all shows every window`, EXIT.usage);
    }
    if (!store.windows.end(id, new Date().toISOString())) {
      throw new ExitError(`window ${id} has already ended`, EXIT.usage);
    }
    io.out(`window ${id} ended; findings it held are notified by the next poll if still open`);
    return EXIT.ok;
  });
}

/** Parses `vcenter=a,cluster=b,host=c*` into a window scope. */
export function parseScope(text: string): WindowScope {
  const scope: Record<'vcenters' | 'clusters' | 'hosts', string[]> = { vcenters: [], clusters: [], hosts: [] };
  const keys: Record<string, keyof typeof scope> = { vcenter: 'vcenters', cluster: 'clusters', host: 'hosts' };
  for (const part of text.split(',')) {
    const [key, value, ...extra] = part.split('=');
    const target = keys[key?.trim() ?? ''];
    if (!target || !value?.trim() || extra.length > 0) {
      throw new UsageError(`vdrift window add: --scope part ${JSON.stringify(part)} is not key=value with key vcenter, cluster or host`);
    }
    scope[target].push(value.trim());
  }
  return Object.fromEntries(Object.entries(scope).filter(([, values]) => values.length > 0)) as WindowScope;
}

function parseTime(text: string, option: string, now: Date): string {
  if (text === 'now') {
    return now.toISOString();
  }
  const time = parseZonedTime(text);
  if (time === null) {
    throw new UsageError(`vdrift window add: ${option} ${JSON.stringify(text)} is not an ISO 8601 date-time with a time zone, such as 2026-12-05T22:00:00Z, or "now"`);
  }
  return new Date(time).toISOString();
}

function describe(window: MaintenanceWindow): string {
  const scope = Object.entries(window.scope).map(([key, values]) => `${key}=${(values as string[]).join('|')}`).join(' ');
  const end = window.endedAt && window.endedAt < window.endsAt ? `${window.endedAt} (ended early)` : window.endsAt;
  return `${window.startsAt} to ${end}, ${scope}, ticket ${window.ticket}, by ${window.createdBy}: ${window.reason}`;
}
