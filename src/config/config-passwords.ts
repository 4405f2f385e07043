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

interface PasswordOutcome extends SecretOutcome {
  key: 'passwordEnv' | 'passwordFile';
}

function readPasswordEnv(vcenter: DraftVcenter, name: string, env: NodeJS.ProcessEnv): PasswordOutcome {
  return { key: 'passwordEnv', ...readSecretEnv(name, env, `for vCenter ${JSON.stringify(vcenter.name)}`) };
}

async function readPasswordFile(vcenter: DraftVcenter, file: string): Promise<PasswordOutcome> {
  return { key: 'passwordFile', ...(await readSecretFile(file, 'password file', `for vCenter ${JSON.stringify(vcenter.name)}`)) };
}

export interface SecretOutcome {
  password: Secret | null;
  error?: string;
  warning?: string;
}

/** Reads a secret from an environment variable; `owner` says what it is for, for example `for vCenter "vc1"`. */
export function readSecretEnv(name: string, env: NodeJS.ProcessEnv, owner: string): SecretOutcome {
  const value = env[name];
  if (value === undefined) {
    return { password: null, error: `environment variable ${name} ${owner} is not set` };
  }
  if (value === '') {
    return { password: null, error: `environment variable ${name} ${owner} is empty` };
  }
  return { password: new Secret(value) };
}

/** Reads a secret from a file, dropping one trailing newline, and warns when others may read the file. */
export async function readSecretFile(file: string, kind: string, owner: string): Promise<SecretOutcome> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = describeFileError(error);
    return { password: null, error: `failed to read ${kind} ${file} ${owner}: ${reason}` };
  }

  // Editors and `echo` end files with a newline that is not part of the secret.
  const value = text.replace(/\r?\n$/, '');
  if (value === '') {
    return { password: null, error: `${kind} ${file} ${owner} is empty` };
  }
  const warning = await permissionWarning(file, `${kind} ${file}`);
  return { password: new Secret(value), ...(warning ? { warning } : {}) };
}
