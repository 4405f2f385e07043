// Small file helpers shared by the config and baseline loaders: messages for
// failed reads, and the check for files that other users can read.

import { stat } from 'node:fs/promises';

/** Describes a failed file operation in plain words, without the file's content. */
export function describeFileError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'not found';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a folder, not a file';
    case 'ENOTDIR':
      return 'a part of the path is not a folder';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Returns a warning when group or others have any access to the file
 * (mode & 0o077), or null. `subject` starts the message, such as "password
 * file /etc/vdrift/vc.pw". Always null on Windows, where mode bits do not
 * control access by other users.
 */
export async function permissionWarning(file: string, subject: string): Promise<string | null> {
  if (process.platform === 'win32') {
    return null;
  }
  const mode = (await stat(file)).mode & 0o777;
  if ((mode & 0o077) === 0) {
    return null;
  }
  const octal = mode.toString(8).padStart(4, '0');
  return `${subject} is accessible by group or others (mode ${octal}); restrict it with chmod 600 ${file}`;
}
