import { RULESET_RULES, parseExpiry } from '../../config/exceptions.js';
import { RULES } from '../../drift/catalogue.js';
import type { RuleId } from '../../model/finding.js';
import { CONFIG_OPTION, JSON_OPTION, parseCommandArgs } from '../args.js';
import { loadContext, loadExceptionsFor, withStore } from '../context.js';
import { EXIT, ExitError, UsageError } from '../exit-error.js';
import type { CommandIo } from '../io.js';

export const EXCEPTION_HELP = `vdrift exception add (--host NAME | --cluster NAME) [--vcenter NAME] [--ruleset KEY]
                     --rule RULE --reason TEXT --approved-by NAME --expires TIME
                     [--id ID] [--config PATH]
  Accepts a risk: findings of exactly this rule, ruleset and host or
  cluster are shown as accepted and not notified until TIME (an ISO 8601
  date or date-time with a time zone). Reviewed exception files can also
  live in the exceptions/ folder beside the baselines.
vdrift exception list [--json]   every exception, with whether it is in force`;

export async function exceptionCommand(args: string[], io: CommandIo): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'add':
      return addException(rest, io);
    case 'list':
      return listExceptions(rest, io);
    default:
      throw new UsageError(`vdrift exception: expected "add" or "list", got ${sub === undefined ? 'nothing' : JSON.stringify(sub)}; see vdrift --help`);
  }
}

async function addException(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('exception add', args, {
    ...CONFIG_OPTION,
    id: { type: 'string' },
    host: { type: 'string' },
    cluster: { type: 'string' },
    vcenter: { type: 'string' },
    ruleset: { type: 'string' },
    rule: { type: 'string' },
    reason: { type: 'string' },
    'approved-by': { type: 'string' },
    expires: { type: 'string' },
  });
  const entry = checkEntry(values, new Date());
  const context = await loadContext(values.config, io, false);
  return withStore(context, (store) => {
    if (store.exceptions.list().some((existing) => existing.exceptionId === entry.id)) {
      throw new ExitError(`an exception with id ${entry.id} already exists; choose another --id`, EXIT.usage);
    }
    store.exceptions.add(entry, new Date().toISOString());
    io.out(`exception ${entry.id} added: ${entry.rule}${entry.ruleset ? ` on ${entry.ruleset}` : ''} for ${entry.host ? `host ${entry.host}` : `cluster ${entry.cluster}`} until ${entry.expiresAt}`);
    return EXIT.ok;
  });
}

type AddValues = Partial<Record<'id' | 'host' | 'cluster' | 'vcenter' | 'ruleset' | 'rule' | 'reason' | 'approved-by' | 'expires', string>>;

function checkEntry(values: AddValues, now: Date) {
  if (Boolean(values.host) === Boolean(values.cluster)) {
    throw new UsageError('vdrift exception add: give exactly one of --host and --cluster');
  }
  for (const key of ['rule', 'reason', 'approved-by', 'expires'] as const) {
    if (!values[key]) {
      throw new UsageError(`vdrift exception add: --${key} is required`);
    }
  }
  const rule = values.rule as RuleId;
  const hostRules = Object.keys(RULES).filter((id) => !id.startsWith('vcenter-') && id !== 'broad-change' && id !== 'change-between-polls');
  if (!hostRules.includes(rule)) {
    throw new UsageError(`vdrift exception add: --rule ${JSON.stringify(values.rule)} is not a host rule; use one of ${hostRules.join(', ')}`);
  }
  if (RULESET_RULES.has(rule) !== Boolean(values.ruleset)) {
    throw new UsageError(RULESET_RULES.has(rule) ? `vdrift exception add: --ruleset is required for rule ${rule}` : `vdrift exception add: rule ${rule} concerns the whole host, so leave out --ruleset`);
  }
  const expiresAt = parseExpiry(values.expires!);
  if (expiresAt === null || expiresAt <= now.toISOString()) {
    throw new UsageError(`vdrift exception add: --expires ${JSON.stringify(values.expires)} must be a future ISO 8601 date or date-time with a time zone`);
  }
  return {
    id: values.id ?? `cli-${now.toISOString().replace(/[^0-9]/g, '').slice(0, 14)}-${Math.floor(now.getMilliseconds())}`,
    vcenter: values.vcenter ?? null,
    host: values.host ?? null,
    cluster: values.cluster ?? null,
    ruleset: values.ruleset ?? null,
    rule,
    reason: values.reason!,
    approvedBy: values['approved-by']!,
    expiresAt,
  };
}

async function listExceptions(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('exception list', args, { ...CONFIG_OPTION, ...JSON_OPTION });
  const context = await loadContext(values.config, io, false);
  const files = loadExceptionsFor(context);
  return withStore(context, (store) => {
    const now = new Date().toISOString();
    store.exceptions.syncFiles(files, now);
    const all = store.exceptions.list().map((exception) => ({ ...exception, inForce: exception.withdrawnAt === null && exception.expiresAt > now }));
    if (values.json) {
      io.out(JSON.stringify({ exceptions: all }, null, 2));
    } else {
      const lines = all.map((e) => `${e.exceptionId}  ${e.inForce ? 'in force' : 'ended   '}  ${e.rule}${e.ruleset ? `/${e.ruleset}` : ''} on ${e.host ?? `cluster ${e.cluster}`} until ${e.expiresAt}, approved by ${e.approvedBy}: ${e.reason}`);
      io.out(lines.length === 0 ? 'no exceptions' : lines.join('\n'));
    }
    return EXIT.ok;
  });
}
