// Step three of loading a config: semantic checks that JSON Schema cannot
// express. Each check returns errors and warnings as `path: message`.

import { readFile } from 'node:fs/promises';

import type { DraftConfig } from './config-defaults.js';
import { describeFileError } from './file-access.js';
import { formatIssue, type PathSegment } from './issue-path.js';

export interface CheckResult {
  errors: string[];
  warnings: string[];
}

export type ConfigCheck = (config: DraftConfig) => Promise<CheckResult>;

/** Rejects two vCenters with the same name and warns about two with the same URL. */
export async function checkUniqueVcenters(config: DraftConfig): Promise<CheckResult> {
  const result: CheckResult = { errors: [], warnings: [] };
  const names = new Map<string, number>();
  const urls = new Map<string, number>();

  config.vcenters.forEach((vcenter, index) => {
    const sameName = names.get(vcenter.name);
    if (sameName !== undefined) {
      result.errors.push(issue(index, ['name'], `${JSON.stringify(vcenter.name)} is already used by vcenters[${sameName}]`));
    }
    const sameUrl = urls.get(vcenter.url);
    if (sameUrl !== undefined) {
      result.warnings.push(issue(index, ['url'], `same URL as vcenters[${sameUrl}], so its hosts are polled twice`));
    }
    names.set(vcenter.name, names.get(vcenter.name) ?? index);
    urls.set(vcenter.url, urls.get(vcenter.url) ?? index);
  });
  return result;
}

/** Requires a full http or https URL without credentials, query or fragment. */
export async function checkUrls(config: DraftConfig): Promise<CheckResult> {
  const result: CheckResult = { errors: [], warnings: [] };
  config.vcenters.forEach((vcenter, index) => {
    const problem = urlProblem(vcenter.url);
    if (problem) {
      result.errors.push(issue(index, ['url'], problem));
    } else if (vcenter.url.startsWith('http:')) {
      result.warnings.push(issue(index, ['url'], 'uses http, so the password crosses the network unencrypted'));
    }
  });
  return result;
}

function urlProblem(text: string): string | null {
  const example = 'such as https://vcenter.example.com/sdk';
  if (!URL.canParse(text)) {
    return `${JSON.stringify(text)} is not a full URL; write one ${example}`;
  }
  const url = new URL(text);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return `${JSON.stringify(text)} must use https or http; write a full URL ${example}`;
  }
  if (url.username !== '' || url.password !== '') {
    return 'must not contain a user name or password; use username and passwordEnv or passwordFile';
  }
  if (url.search !== '' || url.hash !== '') {
    return 'must not have a query or fragment';
  }
  return null;
}

/**
 * Checks that a CA file contains a PEM certificate, and warns about weakened
 * verification and about settings that have no effect. A thumbprint pins the
 * certificate and replaces chain verification, so it overrides caFile and
 * insecure.
 */
export async function checkTls(config: DraftConfig): Promise<CheckResult> {
  const result: CheckResult = { errors: [], warnings: [] };
  for (const [index, vcenter] of config.vcenters.entries()) {
    const { caFile, insecure, thumbprintSha256 } = vcenter.tls;
    if (caFile !== null) {
      const problem = await caFileProblem(caFile);
      if (problem) {
        result.errors.push(issue(index, ['tls', 'caFile'], problem));
      }
    }
    if (insecure && thumbprintSha256 === null) {
      const message =
        'certificate verification is off, so a machine in the network path can read the password; ' +
        'set tls.thumbprintSha256 or tls.caFile instead';
      result.warnings.push(issue(index, ['tls', 'insecure'], message));
    }
    if (caFile !== null && thumbprintSha256 !== null) {
      result.warnings.push(issue(index, ['tls', 'caFile'], 'has no effect because tls.thumbprintSha256 pins the certificate'));
    } else if (caFile !== null && insecure) {
      result.warnings.push(issue(index, ['tls', 'caFile'], 'has no effect while tls.insecure is true'));
    }
  }
  return result;
}

async function caFileProblem(file: string): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return `failed to read CA file ${file}: ${describeFileError(error)}`;
  }
  return text.includes('-----BEGIN CERTIFICATE-----') ? null : `CA file ${file} contains no PEM certificate`;
}

/** The checks that loadConfig runs, in order. */
export const CONFIG_CHECKS: readonly ConfigCheck[] = [checkUniqueVcenters, checkUrls, checkTls];

/** Runs every check and merges their results. */
export async function runConfigChecks(config: DraftConfig, checks = CONFIG_CHECKS): Promise<CheckResult> {
  const merged: CheckResult = { errors: [], warnings: [] };
  for (const check of checks) {
    const result = await check(config);
    merged.errors.push(...result.errors);
    merged.warnings.push(...result.warnings);
  }
  return merged;
}

/** Formats an issue about key `path` of vcenters[index]. */
export function issue(index: number, path: PathSegment[], message: string): string {
  return formatIssue(['vcenters', index, ...path], message);
}
