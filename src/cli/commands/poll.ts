import { pollAll } from '../../poll/poll-vcenter.js';
import { CONFIG_OPTION, JSON_OPTION, parseCommandArgs } from '../args.js';
import { loadBaselinesFor, loadContext, loadExceptionsFor, withStore } from '../context.js';
import { EXIT } from '../exit-error.js';
import { findingJson, findingsTable, pollJson, pollLine, severitySummary } from '../format.js';
import type { CommandIo } from '../io.js';

export const POLL_HELP = `vdrift poll [--config PATH] [--json]
  Polls every configured vCenter once, stores what it saw, evaluates it
  against the baselines and prints the open findings.
  --json  print one JSON document {polls, findings} on stdout`;

export async function pollCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('poll', args, { ...CONFIG_OPTION, ...JSON_OPTION });
  const context = await loadContext(values.config, io);
  const baselines = loadBaselinesFor(context);
  const exceptions = loadExceptionsFor(context);

  return withStore(context, async (store) => {
    const pollContext = { store, baselines, exceptions, settings: context.config, logger: context.logger };
    const results = await pollAll(context.config.vcenters, pollContext, context.config.service.concurrency);
    const names = new Set(context.config.vcenters.map((vcenter) => vcenter.name));
    const findings = store.findings.list({ status: 'open' }).filter((finding) => names.has(finding.vcenter));

    if (values.json) {
      io.out(JSON.stringify({ polls: results.map(pollJson), findings: findings.map(findingJson) }, null, 2));
    } else {
      io.out([...results.map(pollLine), '', findingsTable(findings), '', severitySummary(findings)].join('\n'));
    }

    // An incomplete poll left hosts unchecked, so it is reported like a failed one.
    if (results.some((result) => result.outcome !== 'complete')) {
      return EXIT.vcenterFailed;
    }
    return findings.length > 0 ? EXIT.openFindings : EXIT.ok;
  });
}
