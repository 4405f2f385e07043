// Reads each vCenter's password from its environment variable or file at
// load time, so that a missing secret stops vdrift at start-up and not at the
// first poll. Messages name the vCenter, the key and the variable or file,
// never the value.

import { readFile } from 'node:fs/promises';

import { issue, type CheckResult } from './config-checks.js';
import type { DraftConfig, DraftVcenter } from './config-defaults.js';
import { describeFileError, permissionWarning } from './file-access.js';
import { Secret } from './secret.js';

export interface PasswordResult extends CheckResult {
  /** One entry per vCenter in config order, null where the password could not be read. */
  passwords: (Secret | null)[];
}

/** Reads every password, looking up passwordEnv names in `env`. */
export async function resolvePasswords(config: DraftConfig, env: NodeJS.ProcessEnv): Promise<PasswordResult> {
  const result: PasswordResult = { errors: [], warnings: [], passwords: [] };
  for (const [index, vcenter] of config.vcenters.entries()) {
    const outcome =
      vcenter.passwordFile !== null
        ? await readPasswordFile(vcenter, vcenter.passwordFile)
        : readPasswordEnv(vcenter, vcenter.passwordEnv ?? '', env);

    result.passwords.push(outcome.password);
    if (outcome.error) {
      result.errors.push(issue(index, [outcome.key], outcome.error));
    }
    if (outcome.warning) {
      result.warnings.push(issue(index, [outcome.key], outcome.warning));
    }
  }
  return result;
}

interface PasswordOutcome {
  key: 'passwordEnv' | 'passwordFile';
  password: Secret | null;
  error?: string;
  warning?: string;
}

function readPasswordEnv(vcenter: DraftVcenter, name: string, env: NodeJS.ProcessEnv): PasswordOutcome {
  const value = env[name];
  const owner = `for vCenter ${JSON.stringify(vcenter.name)}`;
  if (value === undefined) {
    return { key: 'passwordEnv', password: null, error: `environment variable ${name} ${owner} is not set` };
  }
  if (value === '') {
    return { key: 'passwordEnv', password: null, error: `environment variable ${name} ${owner} is empty` };
  }
  return { key: 'passwordEnv', password: new Secret(value) };
}

async function readPasswordFile(vcenter: DraftVcenter, file: string): Promise<PasswordOutcome> {
  const owner = `for vCenter ${JSON.stringify(vcenter.name)}`;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = describeFileError(error);
    return { key: 'passwordFile', password: null, error: `failed to read password file ${file} ${owner}: ${reason}` };
  }

  // Editors and `echo` end files with a newline that is not part of the password.
  const value = text.replace(/\r?\n$/, '');
  if (value === '') {
    return { key: 'passwordFile', password: null, error: `password file ${file} ${owner} is empty` };
  }
  const warning = await permissionWarning(file, `password file ${file}`);
  return { key: 'passwordFile', password: new Secret(value), ...(warning ? { warning } : {}) };
}
