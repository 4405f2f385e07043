import { VdriftError } from '../model/vdrift-error.js';

/** Exit codes of the vdrift command, as documented in the README. */
export const EXIT = {
  ok: 0,
  openFindings: 1,
  usage: 2,
  vcenterFailed: 3,
  notificationFailed: 4,
} as const;

/** Ends a command with a message on stderr and the given exit code; only main.ts exits. */
export class ExitError extends VdriftError {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export class UsageError extends ExitError {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}
