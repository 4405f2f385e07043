// Loads config.json in three steps: JSON Schema, then defaults, then semantic
// checks and password resolution. Every problem found in a step is reported
// at once in one ConfigError.

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

import configSchema from '../../schemas/config.schema.json' with { type: 'json' };
import { runConfigChecks } from './config-checks.js';
import { applyConfigDefaults, type ConfigDocument } from './config-defaults.js';
import { ConfigError } from './config-error.js';
import { resolvePasswords } from './config-passwords.js';
import { resolveChannels } from './channel-secrets.js';
import type { Config } from './config-types.js';
import { describeFileError, permissionWarning } from './file-access.js';
import { parseJsonText } from './json-text.js';
import { compileSchema } from './schema-validation.js';
import { Secret } from './secret.js';

export interface LoadConfigOptions {
  /** Environment to look up passwordEnv names in. Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * False for commands that never connect to vCenter or send notifications:
   * passwords and channel secrets are then neither read nor required.
   */
  readPasswords?: boolean;
}

export interface LoadedConfig {
  config: Config;
  /** Problems that do not stop vdrift, each starting with the file it concerns. */
  warnings: string[];
}

const validateConfigDocument = compileSchema(configSchema);

/**
 * Reads, validates and resolves a config file. Throws ConfigError listing
 * every problem when the file is missing, not JSON, or invalid.
 */
export async function loadConfig(path: string, options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const file = resolve(path);
  const text = await readConfigText(file);
  const warnings: string[] = [];
  const fileWarning = await permissionWarning(file, 'config file');
  if (fileWarning) {
    warnings.push(`${file}: ${fileWarning}`);
  }

  const parsed = parseJsonText(text);
  if (!parsed.ok) {
    throw new ConfigError(file, [parsed.error]);
  }
  const schemaIssues = [...parsed.duplicateKeys, ...validateConfigDocument(parsed.value)];
  if (schemaIssues.length > 0) {
    throw new ConfigError(file, schemaIssues);
  }

  const draft = applyConfigDefaults(parsed.value as ConfigDocument, file);
  const checks = await runConfigChecks(draft);
  const env = options.env ?? process.env;
  const readSecrets = options.readPasswords !== false;
  const passwords = readSecrets
    ? await resolvePasswords(draft, env)
    : { errors: [], warnings: [], passwords: draft.vcenters.map(() => Secret.unread()) };
  const channels = await resolveChannels(draft, env, readSecrets);
  const errors = [...checks.errors, ...passwords.errors, ...channels.errors];
  if (errors.length > 0) {
    throw new ConfigError(file, errors);
  }

  warnings.push(...[...checks.warnings, ...passwords.warnings, ...channels.warnings].map((warning) => `${file}: ${warning}`));
  const vcenters = draft.vcenters.map((vcenter, index) => ({
    ...vcenter,
    password: passwords.passwords[index] as Secret,
  }));
  return { config: { ...draft, vcenters, notifications: { ...draft.notifications, channels: channels.channels } }, warnings };
}

async function readConfigText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const hint = 'choose another file with --config or the VDRIFT_CONFIG environment variable';
    const issue = `failed to read config file: ${describeFileError(error)}; ${hint}`;
    throw new ConfigError(file, [issue], { cause: error });
  }
}
