// Exception files: reviewed JSON files in the exceptions/ folder beside the
// baselines. Every problem in every file is reported at once; an exception
// that has already expired is an error, so a stale file cannot sit unnoticed.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RuleId } from '../model/finding.js';
import exceptionsSchema from '../../schemas/exceptions.schema.json' with { type: 'json' };
import { BaselineError } from './baseline-error.js';
import { listBaselineFiles } from './baselines.js';
import { describeFileError } from './file-access.js';
import { formatIssue } from './issue-path.js';
import { parseJsonText } from './json-text.js';
import { compileSchema } from './schema-validation.js';
import { parseZonedTime } from './config-checks.js';

/** An exception as written in a file, with its expiry as an ISO instant. */
export interface ExceptionEntry {
  id: string;
  vcenter: string | null;
  host: string | null;
  cluster: string | null;
  ruleset: string | null;
  rule: RuleId;
  reason: string;
  approvedBy: string;
  expiresAt: string;
  file: string;
}

interface ExceptionDocument {
  id: string;
  vcenter?: string;
  host?: string;
  cluster?: string;
  ruleset?: string;
  rule: RuleId;
  reason: string;
  approvedBy: string;
  expires: string;
}

/** Rules that concern one ruleset, so their exceptions must name it. */
const RULESET_RULES: ReadonlySet<string> = new Set([
  'management-ruleset-disabled',
  'management-ruleset-allow-all',
  'allowed-ips-outside-baseline',
  'allowed-ips-missing',
  'allowed-hosts-unknown',
  'ruleset-enabled-unexpectedly',
  'ruleset-disabled-unexpectedly',
  'ruleset-added',
  'ruleset-removed',
]);

const validateExceptions = compileSchema(exceptionsSchema);

/** The exceptions folder that belongs to a baselines folder. */
export function exceptionsFolder(baselinesFolder: string): string {
  return join(baselinesFolder, 'exceptions');
}

/** Loads every exception file of the folder; a missing folder means no exceptions. */
export function loadExceptions(folder: string, now: Date = new Date()): ExceptionEntry[] {
  if (!existsSync(folder)) {
    return [];
  }
  const entries: ExceptionEntry[] = [];
  const errors: string[] = [];
  const seen = new Map<string, string>();
  for (const file of listBaselineFiles(folder)) {
    for (const result of readFile(file, now)) {
      if (typeof result === 'string') {
        errors.push(result);
        continue;
      }
      const first = seen.get(result.id);
      if (first) {
        errors.push(`${file}: exception ${result.id} is already defined in ${first}`);
        continue;
      }
      seen.set(result.id, file);
      entries.push(result);
    }
  }
  if (errors.length > 0) {
    throw new BaselineError(folder, errors);
  }
  return entries;
}

function readFile(file: string, now: Date): (ExceptionEntry | string)[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return [`${file}: failed to read: ${describeFileError(error)}`];
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok) {
    return [`${file}: ${parsed.error}`];
  }
  const issues = [...parsed.duplicateKeys, ...validateExceptions(parsed.value)];
  if (issues.length > 0) {
    return issues.map((issue) => `${file}: ${issue}`);
  }
  const documents = (parsed.value as { exceptions: ExceptionDocument[] }).exceptions;
  return documents.map((document, index) => checkEntry(document, index, file, now));
}

function checkEntry(document: ExceptionDocument, index: number, file: string, now: Date): ExceptionEntry | string {
  const at = (key: string, message: string): string => `${file}: ${formatIssue(['exceptions', index, key], message)}`;
  const expiresAt = parseExpiry(document.expires);
  if (expiresAt === null) {
    return at('expires', `${JSON.stringify(document.expires)} is not an ISO 8601 date or a date-time with a time zone`);
  }
  if (expiresAt <= now.toISOString()) {
    return at('expires', `exception ${document.id} expired at ${expiresAt}; remove it or renew it with a new approval`);
  }
  if (RULESET_RULES.has(document.rule) && document.ruleset === undefined) {
    return at('ruleset', `is required for rule ${document.rule}, which concerns one ruleset`);
  }
  if (!RULESET_RULES.has(document.rule) && document.ruleset !== undefined) {
    return at('ruleset', `must be left out for rule ${document.rule}, which concerns the whole host`);
  }
  return {
    id: document.id,
    vcenter: document.vcenter ?? null,
    host: document.host ?? null,
    cluster: document.cluster ?? null,
    ruleset: document.ruleset ?? null,
    rule: document.rule,
    reason: document.reason,
    approvedBy: document.approvedBy,
    expiresAt,
    file,
  };
}

/** Parses an expiry; a date alone means through the end of that day in UTC, as a reader of "expires 2027-01-31" expects. */
export function parseExpiry(text: string): string | null {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const time = parseZonedTime(dateOnly ? `${text}T00:00:00Z` : text);
  if (time === null) {
    return null;
  }
  return new Date(dateOnly ? time + 86_400_000 : time).toISOString();
}

export { RULESET_RULES };
