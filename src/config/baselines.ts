// Loads the baseline files of a folder (*.json, not recursive) and checks
// them one by one and against each other. Every problem in every file is
// reported at once.

import { readdirSync, readFileSync, type Dirent } from 'node:fs';
import { join } from 'node:path';

import type { LoadedBaseline } from '../model/baseline.js';
import { BaselineError } from './baseline-error.js';
import { parseBaselineDocument, type BaselineParseOptions } from './baselines-document.js';
import { describeFileError } from './file-access.js';
import { parseJsonText } from './json-text.js';

/** The outcome of checking one file, as `vdrift baseline validate` prints it. */
export interface BaselineFileReport {
  file: string;
  /** Each as `file: path: message`. */
  errors: string[];
  warnings: string[];
}

export interface LoadedBaselines {
  /** Sorted by file name. */
  baselines: LoadedBaseline[];
  warnings: string[];
}

interface FileResult extends BaselineFileReport {
  loaded: LoadedBaseline | null;
}

/**
 * Loads every baseline in `dir`. Throws BaselineError when the folder is
 * missing or has no .json files, or when any file is invalid.
 */
export function loadBaselines(dir: string, options: BaselineParseOptions = {}): LoadedBaselines {
  const results = checkFiles(listBaselineFiles(dir), options);
  const errors = results.flatMap((result) => result.errors);
  if (errors.length > 0) {
    throw new BaselineError(dir, errors);
  }
  return {
    baselines: results.map((result) => result.loaded as LoadedBaseline),
    warnings: results.flatMap((result) => result.warnings),
  };
}

/** Checks the named files, each on its own and all of them against each other. */
export function validateBaselineFiles(files: string[], options: BaselineParseOptions = {}): BaselineFileReport[] {
  return checkFiles(files, options).map(({ file, errors, warnings }) => ({ file, errors, warnings }));
}

/**
 * Returns the .json files of a folder, sorted, skipping hidden files and
 * subfolders. Symbolic links are kept, so a broken one is reported when read.
 */
export function listBaselineFiles(dir: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    throw new BaselineError(dir, [`${dir}: failed to read baselines folder: ${describeFileError(error)}`], { cause: error });
  }

  const files = entries
    .filter((entry) => entry.name.endsWith('.json') && !entry.name.startsWith('.'))
    .filter((entry) => entry.isFile() || entry.isSymbolicLink())
    .map((entry) => entry.name)
    .sort()
    .map((name) => join(dir, name));
  if (files.length === 0) {
    throw new BaselineError(dir, [`${dir}: baselines folder contains no .json files`]);
  }
  return files;
}

function checkFiles(files: string[], options: BaselineParseOptions): FileResult[] {
  const results = files.map((file) => checkFile(file, options));
  checkUniqueIds(results);
  return results;
}

function checkFile(file: string, options: BaselineParseOptions): FileResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { file, loaded: null, errors: [`${file}: failed to read baseline file: ${describeFileError(error)}`], warnings: [] };
  }

  const parsed = parseJsonText(text);
  if (!parsed.ok) {
    return { file, loaded: null, errors: [`${file}: ${parsed.error}`], warnings: [] };
  }
  const result = parseBaselineDocument(parsed.value, file, options);
  const duplicateKeys = parsed.duplicateKeys.map((issue) => `${file}: ${issue}`);
  const errors = [...duplicateKeys, ...result.errors];
  return { file, loaded: errors.length > 0 ? null : result.loaded, errors, warnings: result.warnings };
}

// One file per baseline id: a second file with the same id, whatever its
// version, would leave it unclear which one judges a host.
function checkUniqueIds(results: FileResult[]): void {
  const firstById = new Map<string, LoadedBaseline>();
  for (const result of results) {
    if (!result.loaded) {
      continue;
    }
    const { id, version } = result.loaded.baseline;
    const first = firstById.get(id);
    if (!first) {
      firstById.set(id, result.loaded);
      continue;
    }

    const quotedId = JSON.stringify(id);
    const message =
      first.baseline.version === version
        ? `id ${quotedId} version ${version} is also defined in ${first.file}`
        : `id ${quotedId} is also used by ${first.file} (version ${first.baseline.version}); keep one file per baseline id`;
    result.errors.push(`${result.file}: id: ${message}`);
    result.loaded = null;
  }
}
