import { VdriftError } from '../model/vdrift-error.js';

/**
 * Baselines that cannot be used. `issues` contains every problem in every
 * file, each as `file: path: message`, and the message lists them all.
 */
export class BaselineError extends VdriftError {
  /** The baselines folder, or null when individual files were named. */
  readonly folder: string | null;
  readonly issues: string[];

  constructor(folder: string | null, issues: string[], options?: { cause?: unknown }) {
    super(formatMessage(folder, issues), options);
    this.folder = folder;
    this.issues = issues;
  }
}

function formatMessage(folder: string | null, issues: string[]): string {
  const subject = folder === null ? 'baselines' : `baselines in ${folder}`;
  if (issues.length === 1) {
    return `invalid ${subject}: ${issues[0]}`;
  }
  return `invalid ${subject}: ${issues.length} problems\n${issues.map((issue) => `  ${issue}`).join('\n')}`;
}
