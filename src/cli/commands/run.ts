import { deliver } from '../../notify/channels/index.js';
import { ListenError } from '../../service/health-server.js';
import { VdriftService } from '../../service/service.js';
import { Store } from '../../store/store.js';
import { CONFIG_OPTION, parseCommandArgs } from '../args.js';
import { loadBaselinesFor, loadContext, loadExceptionsFor } from '../context.js';
import { EXIT, ExitError } from '../exit-error.js';
import type { CommandIo } from '../io.js';

export const RUN_HELP = `vdrift run [--config PATH]
  Runs as a service: polls on the configured schedule, delivers
  notifications, and serves /healthz and /metrics. SIGTERM or SIGINT
  stops it cleanly: no poll is left half written and deliveries in
  progress finish.`;

export async function runCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('run', args, CONFIG_OPTION);
  const context = await loadContext(values.config, io);
  const baselines = loadBaselinesFor(context);
  const exceptions = loadExceptionsFor(context);
  const store = Store.open(context.config.database);
  try {
    const service = new VdriftService({ config: context.config, baselines, exceptions, store, logger: context.logger, deliver });
    try {
      await service.start();
    } catch (err) {
      if (err instanceof ListenError) {
        throw new ExitError(`vdrift run: ${err.message}; set "health" in the config to a free host:port, or to false to turn the listener off`, EXIT.usage);
      }
      throw err;
    }
    const signal = await waitForStopSignal();
    context.logger.info('stop signal received', { signal });
    await service.stop();
    return EXIT.ok;
  } finally {
    store.close();
  }
}

function waitForStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve(signal);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
