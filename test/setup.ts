// Root hooks shared by every suite: a temporary folder per run, removed at
// the end unless VDRIFT_KEEP_TMP is set (useful when a test fails and its
// database or logs are worth a look).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runDir = mkdtempSync(join(tmpdir(), 'vdrift-test-'));
let counter = 0;

/** Creates a fresh empty folder for one test. */
export function tempDir(label = 't'): string {
  counter += 1;
  return mkdtempSync(join(runDir, `${label}-${counter}-`));
}

export const mochaHooks = {
  afterAll(): void {
    if (process.env.VDRIFT_KEEP_TMP) {
      console.error(`test files kept in ${runDir}`);
      return;
    }
    rmSync(runDir, { recursive: true, force: true });
  },
};
