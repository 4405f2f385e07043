// Command dispatch. main.ts is the entry point that sets the exit code.
import { readFileSync } from 'node:fs';
import { packagePath } from '../model/paths.js';
import { VdriftError } from '../model/vdrift-error.js';
import { BASELINE_HELP, baselineCommand } from './commands/baseline.js';
import { FINDINGS_HELP, findingsCommand } from './commands/findings.js';
import { POLL_HELP, pollCommand } from './commands/poll.js';
import { RUN_HELP, runCommand } from './commands/run.js';
import { WINDOW_HELP, windowCommand } from './commands/window.js';
import { EXCEPTION_HELP, exceptionCommand } from './commands/exception.js';
import { NOTIFY_HELP, notifyCommand } from './commands/notify.js';
import { REPORT_HELP, reportCommand } from './commands/report.js';
import { DIFF_HELP, HISTORY_HELP, diffCommand, historyCommand } from './commands/history.js';
import { EXIT, ExitError } from './exit-error.js';
import type { CommandIo } from './io.js';

type Command = (args: string[], io: CommandIo) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  poll: pollCommand,
  run: runCommand,
  findings: findingsCommand,
  baseline: baselineCommand,
  window: windowCommand,
  exception: exceptionCommand,
  notify: notifyCommand,
  report: reportCommand,
  history: historyCommand,
  diff: diffCommand,
};

const HELP = `vdrift: watches the ESXi host firewall through vCenter and reports drift
from approved baselines.

Usage: vdrift <command> [options]

${POLL_HELP}

${RUN_HELP}

${FINDINGS_HELP}

${BASELINE_HELP}

${WINDOW_HELP}

${EXCEPTION_HELP}

${NOTIFY_HELP}

${REPORT_HELP}

${HISTORY_HELP}

${DIFF_HELP}

The config file is ./config.json unless --config or VDRIFT_CONFIG names
another. Logs go to stderr as JSON lines; VDRIFT_LOG_LEVEL overrides the
config's log.level.

Exit codes: 0 no open findings, 1 open findings, 2 usage, config or
baseline error (nothing polled, nothing written), 3 a vCenter could not
be polled completely, 4 a test notification was not delivered.`;

export async function run(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(HELP);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version') {
    io.out(version());
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`vdrift: unknown command ${JSON.stringify(name)}; commands are ${Object.keys(COMMANDS).join(', ')}`);
    return EXIT.usage;
  }
  try {
    return await command(args, io);
  } catch (err) {
    return report(err, io);
  }
}

function report(err: unknown, io: CommandIo): number {
  if (err instanceof ExitError) {
    io.err(err.message);
    return err.exitCode;
  }
  if (err instanceof VdriftError) {
    // Config, baseline and store errors: nothing was polled or written.
    io.err(err.message);
    return EXIT.usage;
  }
  io.err(`vdrift: unexpected error: ${(err as Error)?.stack ?? String(err)}`);
  return 70;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
