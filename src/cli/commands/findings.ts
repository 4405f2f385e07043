import { CONFIG_OPTION, JSON_OPTION, parseCommandArgs } from '../args.js';
import { loadContext, withStore } from '../context.js';
import { EXIT } from '../exit-error.js';
import { findingJson, findingsTable, needsAttention, severitySummary } from '../format.js';
import type { CommandIo } from '../io.js';

export const FINDINGS_HELP = `vdrift findings [--config PATH] [--json] [--all]
  Lists the open findings in the database without polling.
  --all   include resolved findings
  --json  print one JSON document {findings} on stdout`;

export async function findingsCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('findings', args, { ...CONFIG_OPTION, ...JSON_OPTION, all: { type: 'boolean' } });
  const context = await loadContext(values.config, io, false);

  return withStore(context, (store) => {
    const findings = store.findings.list(values.all ? {} : { status: 'open' });
    const open = findings.filter((finding) => finding.status === 'open');
    if (values.json) {
      io.out(JSON.stringify({ findings: findings.map(findingJson) }, null, 2));
    } else {
      io.out(`${findingsTable(findings)}\n\n${severitySummary(open)}`);
    }
    return needsAttention(open) ? EXIT.openFindings : EXIT.ok;
  });
}
