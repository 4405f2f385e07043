import { VdriftError } from '../model/vdrift-error.js';

/**
 * A config file that cannot be used: missing, unreadable, not JSON, or
 * invalid. The message starts with the file name and lists every issue.
 */
export class ConfigError extends VdriftError {
  readonly file: string;
  readonly issues: string[];

  constructor(file: string, issues: string[], options?: { cause?: unknown }) {
    super(formatMessage(file, issues), options);
    this.file = file;
    this.issues = issues;
  }
}

function formatMessage(file: string, issues: string[]): string {
  if (issues.length === 1) {
    return `${file}: ${issues[0]}`;
  }
  return `${file}: ${issues.length} problems\n${issues.map((issue) => `  ${issue}`).join('\n')}`;
}
