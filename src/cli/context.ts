// Loading what every command needs, in an order that writes nothing until
// the config and the baselines are known to be valid.
import { resolve } from 'node:path';
import { loadConfig } from '../config/config.js';
import type { Config } from '../config/config-types.js';
import { loadBaselines } from '../config/baselines.js';
import { exceptionsFolder, loadExceptions, type ExceptionEntry } from '../config/exceptions.js';
import type { LoadedBaseline } from '../model/baseline.js';
import { createLogger, type Logger } from '../model/logger.js';
import { Store } from '../store/store.js';
import { configPath } from './args.js';
import type { CommandIo } from './io.js';

export interface CommandContext {
  config: Config;
  logger: Logger;
}

/** Loads the config; `readPasswords` is false for commands that only read the database. */
export async function loadContext(option: string | undefined, io: CommandIo, readPasswords = true): Promise<CommandContext> {
  const { config, warnings } = await loadConfig(resolve(io.cwd, configPath(option, io.env)), { env: io.env, readPasswords });
  const logger = createLogger(io.env.VDRIFT_LOG_LEVEL ?? config.log.level);
  for (const warning of warnings) {
    logger.warn(warning);
  }
  return { config, logger };
}

export function loadBaselinesFor(context: CommandContext): LoadedBaseline[] {
  const { baselines, warnings } = loadBaselines(context.config.baselines);
  for (const warning of warnings) {
    context.logger.warn(warning);
  }
  return baselines;
}

/** Loads the exception files beside the baselines; a problem in any of them is a config error. */
export function loadExceptionsFor(context: CommandContext): ExceptionEntry[] {
  return loadExceptions(exceptionsFolder(context.config.baselines));
}

/** Opens the store, runs `work` and closes the store even when `work` fails. */
export async function withStore<T>(context: CommandContext, work: (store: Store) => Promise<T> | T): Promise<T> {
  const store = Store.open(context.config.database);
  try {
    return await work(store);
  } finally {
    store.close();
  }
}
