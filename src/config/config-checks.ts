// Step three of loading a config: semantic checks that JSON Schema cannot
// express. Each check returns errors and warnings as `path: message`.

import { readFile } from 'node:fs/promises';
import cron from 'node-cron';

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
  const shown = JSON.stringify(withoutCredentials(text));
  if (!URL.canParse(text)) {
    return `${shown} is not a full URL; write one ${example}`;
  }
  const url = new URL(text);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return `${shown} must use https or http; write a full URL ${example}`;
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

/** Checks that the schedule is a cron expression node-cron accepts. */
export async function checkSchedule(config: DraftConfig): Promise<CheckResult> {
  const result: CheckResult = { errors: [], warnings: [] };
  if (!cron.validate(config.service.schedule)) {
    result.errors.push(formatIssue(['schedule'], `${JSON.stringify(config.service.schedule)} is not a valid cron expression; for example "*/15 * * * *" polls every 15 minutes`));
  }
  return result;
}

/** Checks that channel names are unique. */
export async function checkChannels(config: DraftConfig): Promise<CheckResult> {
  const result: CheckResult = { errors: [], warnings: [] };
  const seen = new Map<string, number>();
  for (const [index, channel] of config.notifications.channels.entries()) {
    const first = seen.get(channel.name);
    if (first !== undefined) {
      result.errors.push(formatIssue(['notifications', 'channels', index, 'name'], `${JSON.stringify(channel.name)} is already the name of notifications.channels[${first}]`));
    } else {
      seen.set(channel.name, index);
    }
  }
  return result;
}

/** Checks that each window has two valid times with a time zone, in order. */
export async function checkWindows(config: DraftConfig): Promise<CheckResult> {
  const result: CheckResult = { errors: [], warnings: [] };
  for (const [index, window] of config.windows.entries()) {
    const from = parseZonedTime(window.from);
    const to = parseZonedTime(window.to);
    if (from === null) {
      result.errors.push(formatIssue(['windows', index, 'from'], `${JSON.stringify(window.from)} is not an ISO 8601 date-time with a time zone, such as 2026-12-05T22:00:00Z`));
    }
    if (to === null) {
      result.errors.push(formatIssue(['windows', index, 'to'], `${JSON.stringify(window.to)} is not an ISO 8601 date-time with a time zone, such as 2026-12-06T02:00:00Z`));
    }
    if (from !== null && to !== null && to <= from) {
      result.errors.push(formatIssue(['windows', index, 'to'], 'must be later than from'));
    }
  }
  return result;
}

/** Parses an ISO 8601 date-time that names its time zone; returns epoch milliseconds or null. */
export function parseZonedTime(text: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) {
    return null;
  }
  const time = Date.parse(text);
  return Number.isNaN(time) ? null : time;
}

/** The checks that loadConfig runs, in order. */
export const CONFIG_CHECKS: readonly ConfigCheck[] = [checkUniqueVcenters, checkUrls, checkTls, checkSchedule, checkChannels, checkWindows];

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

/**
 * Hides everything between the scheme and the last "@", so a password typed
 * into a URL, even one that does not parse, is not echoed back. A password
 * may contain "/" or "@", so the cut errs on the side of hiding too much.
 */
function withoutCredentials(text: string): string {
  const start = text.indexOf('//') === -1 ? 0 : text.indexOf('//') + 2;
  const at = text.lastIndexOf('@');
  return at < start ? text : `${text.slice(0, start)}[credentials hidden]${text.slice(at)}`;
}
