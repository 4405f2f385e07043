import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Root of the vdrift checkout or package: the folder that contains
 * package.json, migrations/, schemas/ and baselines/. Compiled files live
 * in dist/src/model/, three levels below it.
 */
export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function packagePath(...parts: string[]): string {
  return join(PACKAGE_ROOT, ...parts);
}
