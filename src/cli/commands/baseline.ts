import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { listBaselineFiles, validateBaselineFiles } from '../../config/baselines.js';
import { loadConfig } from '../../config/config.js';
import { approvedOpenManagement, captureBaseline, captureId } from '../../drift/capture.js';
import type { Store } from '../../store/store.js';
import { CONFIG_OPTION, configPath, parseCommandArgs } from '../args.js';
import { loadContext, withStore } from '../context.js';
import { EXIT, ExitError, UsageError } from '../exit-error.js';
import type { CommandIo } from '../io.js';

export const BASELINE_HELP = `vdrift baseline capture --host NAME [--vcenter NAME] [--id ID]
                         [--approved-by NAME] [--ticket TICKET] [--config PATH]
  Prints on stdout a baseline built from the host's latest stored state,
  scoped to the host's cluster, for a person to review and commit. Without
  --approved-by and --ticket the approval fields are empty, and vdrift
  rejects the file until a reviewer fills them in.

vdrift baseline validate [FILE...] [--config PATH]
  Checks baseline files (default: every file in the configured baselines
  folder, or ./baselines without a config) and prints every problem.`;

export async function baselineCommand(args: string[], io: CommandIo): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'capture':
      return captureCommand(rest, io);
    case 'validate':
      return validateCommand(rest, io);
    default:
      throw new UsageError(`vdrift baseline: expected "capture" or "validate", got ${sub === undefined ? 'nothing' : JSON.stringify(sub)}; see vdrift --help`);
  }
}

async function captureCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('baseline capture', args, {
    ...CONFIG_OPTION,
    host: { type: 'string' },
    vcenter: { type: 'string' },
    id: { type: 'string' },
    'approved-by': { type: 'string' },
    ticket: { type: 'string' },
  });
  if (!values.host) {
    throw new UsageError('vdrift baseline capture: --host NAME is required');
  }
  const context = await loadContext(values.config, io, false);
  return withStore(context, (store) => {
    const baseline = captureFromStore(store, values.host!, values.vcenter, values);
    io.out(JSON.stringify(baseline, null, 2));
    const open = approvedOpenManagement(baseline);
    if (open.length > 0) {
      io.err(
        `warning: ${values.host} lets every address reach ${open.length === 1 ? 'management ruleset' : `${open.length} management rulesets`} ${open.join(', ')}; ` +
          'this baseline approves that with allowedHosts mode "any", so management-ruleset-allow-all stays silent for them. ' +
          'Change them to "restricted" or "within" with your admin networks before approval',
      );
    }
    if (!values['approved-by'] || !values.ticket) {
      io.err('fill in approval.by and approval.ticket before committing this baseline; vdrift rejects it until then');
    }
    return EXIT.ok;
  });
}

function captureFromStore(store: Store, host: string, vcenter: string | undefined, values: { id?: string; 'approved-by'?: string; ticket?: string }) {
  const candidates = store.hosts.findByName(host).filter((row) => vcenter === undefined || row.vcenter === vcenter);
  if (candidates.length === 0) {
    const where = vcenter ? ` in vCenter ${vcenter}` : '';
    throw new ExitError(`host ${host}${where} is not in the database; run vdrift poll first`, EXIT.usage);
  }
  if (candidates.length > 1) {
    const names = candidates.map((row) => row.vcenter).join(', ');
    throw new UsageError(`host ${host} exists in several vCenters (${names}); choose one with --vcenter`);
  }
  const row = candidates[0]!;
  const hash = store.hosts.latestSnapshotHash(row.id);
  const state = hash ? store.snapshots.state(hash) : null;
  if (!state) {
    throw new ExitError(`no firewall state of host ${host} has been read yet (it has only been seen as not checked)`, EXIT.usage);
  }
  return captureBaseline({
    id: values.id ?? captureId(row.cluster ?? row.name),
    vcenter: row.vcenter,
    cluster: row.cluster,
    host: row.name,
    state,
    seenAt: row.lastSeenAt,
    approvedBy: values['approved-by'] ?? '',
    ticket: values.ticket ?? '',
    now: new Date(),
  });
}

async function validateCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('baseline validate', args, CONFIG_OPTION, true);
  const files = positionals.length > 0 ? positionals.map((file) => resolve(io.cwd, file)) : listBaselineFiles(await baselinesFolder(values.config, io));
  const reports = validateBaselineFiles(files);
  let errors = 0;
  for (const report of reports) {
    for (const warning of report.warnings) {
      io.err(`warning: ${warning}`);
    }
    for (const error of report.errors) {
      io.err(error);
    }
    errors += report.errors.length;
    if (report.errors.length === 0) {
      io.out(`${report.file}: valid`);
    }
  }
  if (errors > 0) {
    const failing = reports.filter((r) => r.errors.length > 0).length;
    throw new ExitError(`${errors} problem${errors === 1 ? '' : 's'} in ${failing} of ${reports.length} baseline file${reports.length === 1 ? '' : 's'}`, EXIT.usage);
  }
  return EXIT.ok;
}

/** Returns the configured baselines folder, or ./baselines when no config file exists. */
async function baselinesFolder(option: string | undefined, io: CommandIo): Promise<string> {
  const file = resolve(io.cwd, configPath(option, io.env));
  if (option === undefined && io.env.VDRIFT_CONFIG === undefined && !existsSync(file)) {
    return resolve(io.cwd, 'baselines');
  }
  const { config } = await loadConfig(file, { env: io.env, readPasswords: false });
  return config.baselines;
}
