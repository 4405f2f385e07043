import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './exit-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export const CONFIG_OPTION = { config: { type: 'string', short: 'c' } } as const satisfies Options;
export const JSON_OPTION = { json: { type: 'boolean' } } as const satisfies Options;

/** Parses a command's arguments, turning parseArgs errors into usage errors that name the command. */
export function parseCommandArgs<T extends Options>(command: string, args: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError(`vdrift ${command}: ${(err as Error).message}; see vdrift --help`);
  }
}

/** Returns the config path from --config, else VDRIFT_CONFIG, else ./config.json. */
export function configPath(option: string | undefined, env: NodeJS.ProcessEnv): string {
  return option ?? env.VDRIFT_CONFIG ?? 'config.json';
}
