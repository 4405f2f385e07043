import { deliver } from '../../notify/channels/index.js';
import { OutboxDeliverer } from '../../notify/deliverer.js';
import { pollAll } from '../../poll/poll-vcenter.js';
import type { Store } from '../../store/store.js';
import { CONFIG_OPTION, JSON_OPTION, parseCommandArgs } from '../args.js';
import { loadBaselinesFor, loadContext, loadExceptionsFor, withStore, type CommandContext } from '../context.js';
import { EXIT } from '../exit-error.js';
import { findingJson, findingsTable, needsAttention, pollJson, pollLine, severitySummary } from '../format.js';
import type { CommandIo } from '../io.js';

export const POLL_HELP = `vdrift poll [--config PATH] [--json] [--no-notify]
  Polls every configured vCenter once, stores what it saw, evaluates it
  against the baselines, delivers queued notifications once (failed ones
  wait for the next run) and prints the open findings.
  --json       print one JSON document {polls, findings} on stdout
  --no-notify  queue notifications but do not deliver them now`;

export async function pollCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('poll', args, { ...CONFIG_OPTION, ...JSON_OPTION, 'no-notify': { type: 'boolean' } });
  const context = await loadContext(values.config, io);
  const baselines = loadBaselinesFor(context);
  const exceptions = loadExceptionsFor(context);

  return withStore(context, async (store) => {
    const pollContext = { store, baselines, exceptions, settings: context.config, logger: context.logger };
    const results = await pollAll(context.config.vcenters, pollContext, context.config.service.concurrency);
    if (!values['no-notify']) {
      await deliverOnce(store, context);
    }
    const names = new Set(context.config.vcenters.map((vcenter) => vcenter.name));
    const findings = store.findings.list({ status: 'open' }).filter((finding) => names.has(finding.vcenter));

    if (values.json) {
      io.out(JSON.stringify({ polls: results.map(pollJson), findings: findings.map(findingJson) }, null, 2));
    } else {
      const unread = results.filter((result) => result.outcome !== 'complete').map((result) => result.vcenter);
      io.out([...results.map(pollLine), '', findingsTable(findings), '', severitySummary(findings, unread)].join('\n'));
    }

    // An incomplete poll left hosts unchecked, so it is reported like a failed one.
    if (results.some((result) => result.outcome !== 'complete')) {
      return EXIT.vcenterFailed;
    }
    return needsAttention(findings) ? EXIT.openFindings : EXIT.ok;
  });
}

/** One delivery pass over due messages; what fails stays queued for the next run. */
async function deliverOnce(store: Store, context: CommandContext): Promise<void> {
  const { notifications } = context.config;
  if (notifications.channels.length === 0) {
    return;
  }
  const deliverer = new OutboxDeliverer({
    store,
    channels: notifications.channels,
    maxAttempts: notifications.maxAttempts,
    retryBaseMs: notifications.retryBaseSeconds * 1000,
    deliver,
    logger: context.logger.child({ job: 'deliver' }),
  });
  await deliverer.deliverDue();
}
